"""Request lines (`GET http://host/path` in a code span, or Slate's endpoint HTML) and paths.

Slate sites write path parameters as `<ID>`, `{id}`, `:id` or `{{id}}`, also inside a
segment (`<brand_id>.json`); a path is compared by its literal segments, parameters
matching any one segment (or the part of a segment they stand for).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT")
_M = "|".join(METHODS)
_METHOD_LIST = re.compile(
    rf"^((?:{_M})(?:\s*[,|&/]\s*(?:{_M})\b|\s+(?:{_M})\b)*)(?:\s+|(?=/))(\S.*)$"
)
_PARAM = re.compile(r"^(?:<([^<>/]+)>|\{\{?([^{}/]+)\}?\}|:([A-Za-z_]\w*))$")
_INNER_PARAM = re.compile(r"<[^<>/]+>|\{\{?[^{}/]+\}?\}")
# The first word of a URL without a scheme is a host when it looks like one: dotted,
# localhost, a port, or a template naming a host (`{host}`, `{{base_url}}`).
_HOSTLIKE = re.compile(
    r"^(?:[\w-]+(?:\.[\w-]+)+(?::\d+)?|localhost(?::\d+)?|[\w.-]+:\d+|"
    r"(?:\{\{?|<)[^{}<>/]*(?:host|url|base|domain|server|endpoint|deployment|env|api)[^{}<>/]*"
    r"(?:\}?\}|>)(?:[\w.-]*)(?::\d+)?)$",
    re.I,
)


@dataclass(frozen=True)
class RequestLine:
    methods: tuple[str, ...]
    url: str

    @property
    def path(self) -> str:
        return url_path(self.url)


def parse_request_text(text: str) -> RequestLine | None:
    """`GET http://x/api`, `GET, HEAD /a`, `GET|POST /a`, `GET/a` -> a request line.

    Prose ("GET the list") -> None.
    """
    text = text.strip()
    bracketed = re.match(r"^\[([^\]]+)\]\s*(\S.*)$", text)  # `[PUT | POST] /a`
    if bracketed:
        text = f"{bracketed.group(1).strip()} {bracketed.group(2)}"
    match = _METHOD_LIST.match(text)
    if not match:
        return None
    methods = tuple(dict.fromkeys(re.findall("|".join(METHODS), match.group(1))))
    url = match.group(2).strip()
    if " " in url or not (looks_like_url(url) or url == "*"):
        return None
    return RequestLine(methods, url)


def looks_like_url(text: str) -> bool:
    """A URL or a path as docs write them: `https://h/a`, `/a`, `{host}/a`, `jobs/{id}`."""
    word = text.strip()
    if not word or any(c.isspace() for c in word) or word.startswith(("(", "[", '"', "'")):
        return False
    return "://" in word or word.startswith("/") or "/" in word.strip("/")


class _EndpointHTML(HTMLParser):
    """Collects endpoint markup: an element whose class names an endpoint.

    Slate's `<p class="endpoint"><code>GET</code> URL</p>`, and the like of
    `<div class="api-endpoint"><i class="label">GET</i><h6>URL</h6></div>`.
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[list[str]] = []  # the text pieces of each endpoint element
        self._depth = 0  # nesting inside the current endpoint element

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = " ".join(v or "" for k, v in attrs if k == "class").split()
        if self._depth and tag not in _HTML_TAGS and not attrs:
            self.found[-1][-1] += f"<{tag}>"  # `<order_id>` in a URL: a placeholder, not a tag
            return
        if self._depth:
            if tag not in _VOID_TAGS:
                self._depth += 1
            self.found[-1].append("")
        elif any("endpoint" in c.lower() for c in classes) and tag not in _VOID_TAGS:
            self._depth = 1
            self.found.append([""])

    def handle_endtag(self, tag: str) -> None:
        if self._depth and tag not in _HTML_TAGS:
            return
        if self._depth and tag not in _VOID_TAGS:
            self._depth -= 1
            if self._depth:
                self.found[-1].append("")

    def handle_data(self, data: str) -> None:
        if self._depth:
            self.found[-1][-1] += data


_VOID_TAGS = {"br", "img", "hr", "input", "meta", "link", "wbr"}
_HTML_TAGS = _VOID_TAGS | {
    "a", "abbr", "b", "blockquote", "button", "code", "dd", "div", "dl", "dt", "em", "font",
    "h1", "h2", "h3", "h4", "h5", "h6", "i", "kbd", "label", "li", "mark", "ol", "p", "pre",
    "s", "samp", "small", "span", "strong", "sub", "sup", "table", "tbody", "td", "th",
    "thead", "tr", "tt", "u", "ul", "var", "section", "article", "aside", "header", "footer",
}  # fmt: skip


def parse_endpoint_html(html: str) -> list[RequestLine]:
    """Request lines in endpoint markup found in a block of HTML."""
    parser = _EndpointHTML()
    parser.feed(html)
    parser.close()
    lines: list[RequestLine] = []
    for pieces in parser.found:
        words = " ".join(pieces).replace(",", " ").replace("|", " ").split()
        methods = tuple(dict.fromkeys(w for w in words if w in METHODS))
        if not methods:  # a label of its own may be lower-case: <i class="label">get</i>
            single = [p.strip().upper() for p in pieces if len(p.split()) == 1]
            methods = tuple(dict.fromkeys(w for w in single if w in METHODS))
        urls = [w for w in words if w not in METHODS and (looks_like_url(w) or w == "*")]
        if methods and urls:
            lines.append(RequestLine(methods, urls[0]))
    return lines


def url_host(url: str) -> str | None:
    """The host a URL names, if any: `https://h/a` and `h.example.com/a` -> the host."""
    text = url.strip().strip("\"'")
    if "://" in text:
        return text.split("://", 1)[1].split("/", 1)[0] or None
    first = text.split("/", 1)[0]
    return first if first and _HOSTLIKE.match(first) else None


def url_path(url: str) -> str:
    """The path of a URL as written: scheme, host and query removed.

    Without a scheme the first word is a host only when it looks like one, so
    `jobs/{id}/resources` keeps `jobs`.
    """
    text = url.strip().strip("\"'")
    if "://" in text:
        rest = text.split("://", 1)[1]
        path = "/" + rest.split("/", 1)[1] if "/" in rest else "/"
    elif text.startswith("/"):
        path = text
    elif url_host(text) is not None:  # host/path or {{base_url}}/path
        path = "/" + text.split("/", 1)[1] if "/" in text else "/"
    elif "/" in text:  # a path without its leading slash
        path = "/" + text
    else:
        path = "/"
    return path.split("?", 1)[0].split("#", 1)[0] or "/"


def param_name(segment: str) -> str | None:
    match = _PARAM.match(segment)
    if not match:
        return None
    return next(g for g in match.groups() if g is not None).strip()


def inner_params(segment: str) -> list[str]:
    """Parameters written inside a segment: `<brand_id>.json` -> ['brand_id']."""
    whole = param_name(segment)
    if whole is not None:
        return [whole]
    return [p.strip("<>{} ") for p in _INNER_PARAM.findall(segment)]


def _segment_fits(want: str, have: str) -> bool:
    if param_name(want) is not None or want == have:
        return True
    if not _INNER_PARAM.search(want):
        return False
    pattern = "".join(
        "[^/]+" if _INNER_PARAM.fullmatch(part) else re.escape(part)
        for part in re.split(f"({_INNER_PARAM.pattern})", want)
        if part
    )
    return re.fullmatch(pattern, have) is not None


def segments(path: str) -> list[str]:
    return [s for s in path.split("/") if s]


def canonical(path: str) -> str:
    """`/kittens/<ID>` and `/kittens/{id}` -> `/kittens/{}`."""
    parts = [
        "{}" if param_name(s) is not None else _INNER_PARAM.sub("{}", s) for s in segments(path)
    ]
    return "/" + "/".join(parts)


def openapi_path(path: str) -> str:
    """`/kittens/<ID>` -> `/kittens/{ID}` (OpenAPI's template syntax)."""
    parts = []
    for segment in segments(path):
        name = param_name(segment)
        if name is not None:
            parts.append("{" + name + "}")
        else:
            parts.append(_INNER_PARAM.sub(lambda m: "{" + m.group(0).strip("<>{} ") + "}", segment))
    return "/" + "/".join(parts)


def param_names(path: str) -> list[str]:
    return [n for s in segments(path) for n in inner_params(s)]


def matches(template: str, concrete: str) -> bool:
    """Does a concrete path (`/api/kittens/2`) fit a template (`/api/kittens/{id}`)?"""
    want, have = segments(template), segments(concrete)
    if len(want) != len(have):
        return False
    return all(_segment_fits(w, h) for w, h in zip(want, have, strict=True))


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
