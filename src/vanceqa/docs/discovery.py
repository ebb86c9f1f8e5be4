"""What states an endpoint on a Slate page, read as a reader reads it.

- a paragraph of request-line code spans: `` `GET /a` ``, several joined by "or" or
  line breaks, `` `GET/a` ``, or a method outside the span (``POST `/a` ``), optionally
  after a short label ("Sample Request:");
- a URL alone (`` `{host}/v2/otp` `` under "Request URL"): its method comes from a
  resource table, the section's examples or its heading;
- a table of key/value rows (`URI | /customers`, `HTTP Method | POST`);
- a curl example in a section no request line documents.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from markdown_it.token import Token

from vanceqa.docs.requestline import (
    METHODS,
    RequestLine,
    canonical,
    looks_like_url,
    parse_endpoint_html,
    parse_request_text,
    url_path,
)
from vanceqa.docs.tables import Table

_INVISIBLE = str.maketrans("", "", "\u200b\u200c\u200d\u2060\ufeff")  # zero-width: unseen
_CONNECTOR = re.compile(r"^[\s,;|/&]*(?:or|and|oder|ou|o|y|und)?[\s,;|/&]*$", re.I)
_TRAILER = re.compile(r"^[\s.:;,]*$")
_METHOD_WORDS = re.compile(
    rf"^\s*((?:{'|'.join(METHODS)})(?:\s*[,|/]\s*(?:{'|'.join(METHODS)}))*)\s*$"
)
_BASE_LABEL = re.compile(r"\b(base|root|host|server|domain|sandbox|production)\b", re.I)
_METHOD_KEY = re.compile(r"^(?:http\s+)?(?:request\s+)?(?:methods?|verbs?)\b", re.I)
_URI_KEY = re.compile(r"^(?:resource\s+|request\s+|endpoint\s+)?(?:uri|url|endpoint|path)\b", re.I)
_MISSPELT = re.compile(r"^[A-Z]{3,7}\s+\S*/\S*$")  # a request line whose method is a typo
_ALIAS_NOTE = re.compile(r"\b(equivalent|same as|alias|shorthand|short for)\b", re.I)
_HEADING_VERBS = (
    (re.compile(r"^(get|list|fetch|retrieve|read|search|find|count|show|view)\b", re.I), "GET"),
    (re.compile(r"^(create|add)\b", re.I), "POST"),
    (re.compile(r"^(delete|remove|destroy)\b", re.I), "DELETE"),
)


@dataclass
class ParagraphReading:
    """What one paragraph states: request lines, or a URL alone, and its label."""

    requests: list[RequestLine] = field(default_factory=list)
    url: str | None = None
    label: str = ""
    markup: str = "code-span"


def read_paragraph(inline: Token) -> ParagraphReading:
    """The request lines (or lone URL) a paragraph states; prose states none."""
    children = inline.children or []
    if "endpoint" in inline.content and any(c.type == "html_inline" for c in children):
        return ParagraphReading(parse_endpoint_html(inline.content), markup="endpoint-html")
    items: list[tuple[str, str]] = []
    in_link = 0
    for child in children:
        if child.type in ("link_open", "link_close"):
            in_link += 1 if child.type == "link_open" else -1
        elif child.type == "code_inline":
            items.append(("link" if in_link else "code", child.content))
        elif child.type == "text" and child.content.translate(_INVISIBLE).strip():
            items.append(("text", child.content.translate(_INVISIBLE)))
        elif child.type == "html_inline" and not re.match(r"<br\s*/?>", child.content, re.I):
            items.append(("html", child.content))
        elif child.type == "image":
            items.append(("html", ""))
    first_code = next((i for i, (kind, _) in enumerate(items) if kind == "code"), None)
    if first_code is None or any(kind in ("link", "html") for kind, _ in items):
        return ParagraphReading()
    label = " ".join(text for _, text in items[:first_code]).strip()
    methods_outside = _METHOD_WORDS.match(label)
    if label and not methods_outside and not (label.endswith(":") and len(label.split()) <= 6):
        return ParagraphReading()
    codes: list[str] = []
    for index, (kind, text) in enumerate(items[first_code:], first_code):
        if kind == "code":
            codes.append(text)
        elif not (_CONNECTOR.match(text) or (index == len(items) - 1 and _TRAILER.match(text))):
            return ParagraphReading()
    if methods_outside:
        if len(codes) != 1 or not looks_like_url(codes[0]):
            return ParagraphReading()
        found = parse_request_text(f"{methods_outside.group(1)} {codes[0].strip()}")
        return ParagraphReading([found] if found else [], label=label)
    requests = [parse_request_text(code) for code in codes]
    if all(r is not None or _MISSPELT.match(c) for r, c in zip(requests, codes, strict=True)):
        # `PUT /a` or `PATH /a`: the misspelt one states nothing, the other still does.
        stated = [r for r in requests if r is not None]
        if stated:
            return ParagraphReading(unique(stated), label=label)
    if len(codes) == 1 and looks_like_url(codes[0]):
        return ParagraphReading(url=codes[0].strip(), label=label)
    return ParagraphReading()


def unique(requests: list[RequestLine]) -> list[RequestLine]:
    """One request line per method set and route: `GET /a?page=1` repeats `GET /a`."""
    seen: dict[tuple[tuple[str, ...], str], RequestLine] = {}
    for request in requests:
        seen.setdefault((request.methods, canonical(url_path(request.url))), request)
    return list(seen.values())


def is_alias_note(text: str) -> bool:
    """ "Equivalent request:" introduces another spelling of the endpoint above."""
    return bool(_ALIAS_NOTE.search(text)) and text.rstrip().endswith(":")


def is_base_label(label: str) -> bool:
    return bool(_BASE_LABEL.search(label))


def lone_url(text: str) -> str | None:
    """A paragraph or code block that is one absolute URL and nothing else."""
    word = text.strip()
    return word if "://" in word and looks_like_url(word) and "\n" not in word else None


def table_request(table: Table) -> tuple[tuple[str, ...], list[str]] | None:
    """A key/value table naming an HTTP method (and URIs): `HTTP Method | POST`."""
    rows = [table.header, *(cells for cells, _ in table.rows)]
    methods: list[str] = []
    uris: list[str] = []
    for cells in rows:
        if len(cells) < 2:
            continue
        key, value = cells[0].strip().strip("*_`"), cells[1]
        if _METHOD_KEY.match(key):
            methods += [w.upper() for w in re.findall(r"[A-Za-z]+", value) if w.upper() in METHODS]
        elif _URI_KEY.match(key):
            uris += [w.strip("`'\"") for w in value.split() if looks_like_url(w.strip("`'\""))]
    if not methods:
        return None
    return tuple(dict.fromkeys(methods)), uris


def method_from_heading(title: str) -> str | None:
    """`Get a Customer` -> GET, `Create an Order` -> POST; "Update" says no one method."""
    for pattern, method in _HEADING_VERBS:
        if pattern.match(title.strip()):
            return method
    return None


def single_method(methods: list[str | None]) -> str | None:
    """The one method a section's examples use, if they agree."""
    counted = Counter(m for m in methods if m)
    return next(iter(counted)) if len(counted) == 1 else None
