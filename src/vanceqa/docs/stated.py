"""Endpoints a section states: request lines, a method table, or a lone URL.

In order of precedence within a section: request lines (those in a `>` annotation only
when there are no others; one after "Equivalent request:" spells the endpoint above
another way); a key/value table naming the method, with the section's lone URL or the
table's URI; a lone URL under a request heading, whose method the section's examples or
its heading make clear. A lone URL the context calls a base is the page's base URL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from vanceqa.docs import discovery
from vanceqa.docs.blocks import REQUEST_HEADINGS, FileBlocks, Run, owner_of
from vanceqa.docs.filling import fill
from vanceqa.docs.model import Endpoint, Section, Source
from vanceqa.docs.requestline import RequestLine, canonical, url_path
from vanceqa.docs.tabread import read_tab

_URL_LABEL = re.compile(r"\b(request|endpoint|url|uri)\b", re.I)
_BASE_CONTEXT = re.compile(r"\b(base|endpoints?|root|host|environments?|servers?|sandbox)\b", re.I)


@dataclass
class _Stated:
    requests: list[tuple[int, RequestLine, str, bool]] = field(default_factory=list)
    tables: list[tuple[int, tuple[str, ...], list[str]]] = field(default_factory=list)
    urls: list[tuple[int, str]] = field(default_factory=list)


def stated_endpoints(file: FileBlocks, run: Run) -> None:
    owners: dict[int, Section] = {}
    stated: dict[int, _Stated] = {}
    previous = note = ""
    for number, block in enumerate(file.blocks):
        stack = file.stacks[number]
        owner = owner_of(stack)
        if block.heading is not None:
            note = ""
        elif block.note is not None:
            note = block.note.text
        # A URL alone states the base of the API when its context says so ("Base URL:").
        base_context = bool(_BASE_CONTEXT.search(f"{stack[-1].title} {note} {previous}"))
        found = stated.setdefault(id(owner), _Stated())
        owners[id(owner)] = owner
        reading = block.reading
        if reading is not None and reading.requests:
            if not discovery.is_alias_note(previous):
                for request in reading.requests:
                    found.requests.append((number, request, reading.markup, block.quoted))
        elif reading is not None and reading.url:
            requestish = REQUEST_HEADINGS.match(stack[-1].title.strip()) or (
                _URL_LABEL.search(reading.label) and not discovery.is_base_label(reading.label)
            )
            based = base_context or discovery.is_base_label(reading.label)
            if requestish and not based and owner.level and url_path(reading.url) != "/":
                if not block.quoted:
                    found.urls.append((number, reading.url))
            elif "://" in reading.url and based:
                run.stated_urls.append(reading.url)
        elif block.kind == "paragraph" and discovery.lone_url(block.text) and base_context:
            run.stated_urls.append(block.text.strip())
        elif block.example is not None and block.example.language in ("", "text", "plaintext"):
            lone = discovery.lone_url(block.example.code)
            if lone and base_context:
                run.stated_urls.append(lone)
        for request in block.requests:
            found.requests.append((number, request, "endpoint-html", False))
        if block.table is not None:
            method_table = discovery.table_request(block.table)
            if method_table:
                found.tables.append((number, *method_table))
        prose = reading is not None and not reading.requests and not reading.url
        previous = block.text if block.kind == "paragraph" and prose else ""
    made = {key: _endpoints_of(file, run, owners[key], found) for key, found in stated.items()}
    made = {key: endpoints for key, endpoints in made.items() if endpoints}
    # A block belongs to the nearest section that states an endpoint: a sub-section
    # documenting another endpoint ("#### Redraft a signoff") is not its parent's.
    spans: dict[int, list[int]] = {key: [] for key in made}
    for number, stack in enumerate(file.stacks):
        nearest = next((id(s) for s in reversed(stack) if id(s) in made), None)
        if nearest is not None:
            spans[nearest].append(number)
            file.claimed.add(number)
    for key, endpoints in made.items():
        fill(run, endpoints, [file.blocks[i] for i in spans[key]], owners[key])


def _endpoints_of(file: FileBlocks, run: Run, owner: Section, found: _Stated) -> list[Endpoint]:
    plain = [
        r for r in found.requests if not r[3]
    ] or found.requests  # quoted ones as a last resort
    chosen: list[tuple[int, tuple[str, ...], str, str]] = []  # (block, methods, url, markup)
    if plain:
        chosen = [(n, r.methods, r.url, markup) for n, r, markup, _ in plain]
    elif found.tables:
        number, methods, uris = found.tables[0]
        urls = [(n, u) for n, u in found.urls] or [(number, u) for u in uris]
        chosen = [(n, methods, u, "table") for n, u in urls]
    elif found.urls:
        method = _method_of(file, owner)
        if method:
            chosen = [(n, (method,), u, "url") for n, u in found.urls]
    endpoints: list[Endpoint] = []
    seen: set[tuple[tuple[str, ...], str]] = set()
    for number, methods, url, markup in chosen:
        key = (methods, canonical(url_path(url)))
        if key in seen:
            continue
        seen.add(key)
        block = file.blocks[number]
        endpoint = Endpoint(
            title=owner.title,
            methods=methods,
            path=url_path(url),
            url=url,
            source=Source(block.file, block.line),
            section=owner.source,
            markup=markup,
        )
        run.order[id(endpoint)] = (file.order, number)
        run.page.endpoints.append(endpoint)
        endpoints.append(endpoint)
    return endpoints


def _method_of(file: FileBlocks, owner: Section) -> str | None:
    """The method a section makes clear: the one its examples use, else its heading's verb."""
    span = file.spans.get(id(owner), [])
    readings = [
        read_tab(b.example.language, b.example.code).method
        for b in (file.blocks[i] for i in span)
        if b.example is not None and b.example.language not in ("json", "")
    ]
    return discovery.single_method(readings) or discovery.method_from_heading(owner.title)
