"""Request lines (`GET http://host/path` in a code span, or Slate's endpoint HTML) and paths.

Slate sites write path parameters as `<ID>`, `{id}`, `:id` or `{{id}}`; a path is
compared by its literal segments, parameters matching any one segment.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urlsplit

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT")
_M = "|".join(METHODS)
_METHOD_LIST = re.compile(rf"^((?:{_M})(?:\s*[,|/&]\s*(?:{_M})|\s+(?:{_M}))*)\s+(\S.*)$")
_PARAM = re.compile(r"^(?:<([^<>/]+)>|\{\{?([^{}/]+)\}?\}|:([A-Za-z_]\w*))$")


@dataclass(frozen=True)
class RequestLine:
    methods: tuple[str, ...]
    url: str

    @property
    def path(self) -> str:
        return url_path(self.url)


def parse_request_text(text: str) -> RequestLine | None:
    """`GET http://x/api`, `GET, HEAD /a`, `GET|POST /a` -> a request line; prose -> None."""
    match = _METHOD_LIST.match(text.strip())
    if not match:
        return None
    methods = tuple(dict.fromkeys(re.findall("|".join(METHODS), match.group(1))))
    url = match.group(2).strip()
    if " " in url or not (url.startswith("/") or "://" in url or "/" in url or url == "*"):
        return None
    return RequestLine(methods, url)


class _EndpointHTML(HTMLParser):
    """Collects `<p class="endpoint"><code>GET</code> URL</p>` (any tag with that class)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[list[str], list[str]]] = []  # (code texts, other texts)
        self._depth = 0  # nesting inside the current endpoint element
        self._in_code = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = " ".join(v or "" for k, v in attrs if k == "class").split()
        if self._depth:
            self._depth += 1
            if tag == "code":
                self._in_code += 1
                self.found[-1][0].append("")
        elif "endpoint" in classes:
            self._depth = 1
            self.found.append(([], []))

    def handle_endtag(self, tag: str) -> None:
        if self._depth:
            self._depth -= 1
            if tag == "code" and self._in_code:
                self._in_code -= 1

    def handle_data(self, data: str) -> None:
        if not self._depth:
            return
        codes, texts = self.found[-1]
        if self._in_code and codes:
            codes[-1] += data
        else:
            texts.append(data)


def parse_endpoint_html(html: str) -> list[RequestLine]:
    """Request lines in Slate's endpoint markup found in a block of HTML."""
    parser = _EndpointHTML()
    parser.feed(html)
    parser.close()
    lines: list[RequestLine] = []
    for codes, texts in parser.found:
        words = " ".join(codes).replace(",", " ").replace("|", " ").split()
        methods = tuple(dict.fromkeys(w.upper() for w in words if w.upper() in METHODS))
        rest = " ".join(t.strip() for t in texts if t.strip())
        leftover = [w for w in words if w.upper() not in METHODS]
        if not rest and leftover:  # <code>GET /pets</code>: the URL is in the code too
            rest = " ".join(leftover)
        if methods and rest:
            lines.append(RequestLine(methods, rest.split()[0]))
    return lines


def url_path(url: str) -> str:
    """The path of a URL as written: scheme, host and query removed."""
    text = url.strip().strip("\"'")
    if "://" in text:
        path = urlsplit(text).path or "/"
    elif text.startswith("/"):
        path = text
    elif "/" in text:  # host/path or {{base_url}}/path
        path = "/" + text.split("/", 1)[1]
    else:
        path = "/"
    return path.split("?", 1)[0].split("#", 1)[0] or "/"


def param_name(segment: str) -> str | None:
    match = _PARAM.match(segment)
    if not match:
        return None
    return next(g for g in match.groups() if g is not None).strip()


def segments(path: str) -> list[str]:
    return [s for s in path.split("/") if s]


def canonical(path: str) -> str:
    """`/kittens/<ID>` and `/kittens/{id}` -> `/kittens/{}`."""
    parts = ["{}" if param_name(s) is not None else s for s in segments(path)]
    return "/" + "/".join(parts)


def openapi_path(path: str) -> str:
    """`/kittens/<ID>` -> `/kittens/{ID}` (OpenAPI's template syntax)."""
    parts = []
    for segment in segments(path):
        name = param_name(segment)
        parts.append("{" + name + "}" if name is not None else segment)
    return "/" + "/".join(parts)


def param_names(path: str) -> list[str]:
    return [n for n in (param_name(s) for s in segments(path)) if n is not None]


def matches(template: str, concrete: str) -> bool:
    """Does a concrete path (`/api/kittens/2`) fit a template (`/api/kittens/{id}`)?"""
    want, have = segments(template), segments(concrete)
    if len(want) != len(have):
        return False
    return all(param_name(w) is not None or w == h for w, h in zip(want, have, strict=True))


def path_values(template: str, concrete: str) -> dict[str, str]:
    """Values of the template's parameters in a concrete path, aligned from the end.

    Aligning from the end finds the id in `/api/kittens/2` for `/kittens/<ID>`, so an
    example still runs when its request line has lost a prefix.
    """
    values: dict[str, str] = {}
    for want, have in zip(reversed(segments(template)), reversed(segments(concrete)), strict=False):
        name = param_name(want)
        if name is not None:
            values[name] = have
    return values
