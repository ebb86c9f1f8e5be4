"""Endpoints stated only by curl examples, in sections nothing else claims.

A method and path the page documents already (after its base path) is no new endpoint;
one several such sections call goes to the most specific of them (the deepest heading,
then the first), so an introduction's example does not take the endpoint from its own
section. A curl to a host the API's examples never call (the reader's callback) is none.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from vanceqa.docs.basepath import fits
from vanceqa.docs.blocks import FileBlocks, Run, owner_of
from vanceqa.docs.filling import fill
from vanceqa.docs.model import DocsPage, Endpoint, Section, Source
from vanceqa.docs.requestline import canonical, segments, url_host, url_path
from vanceqa.docs.snippets import read_curl_leniently

_ID_LIKE = re.compile(
    r"^(\d{3,}|[0-9a-f]{8}-[0-9a-f-]{27,}|[0-9a-f]{16,}|(?=(?:\D*\d){2})(?=.*[A-Za-z])[A-Za-z0-9]{8,})$",
    re.I,
)
# "Query Parameters", "Resource parameters": a heading over a table, not over an endpoint.


@dataclass
class _CurlCandidate:
    file: FileBlocks
    owner: Section
    number: int
    method: str
    path: str
    url: str
    line: int


def curl_endpoints(files: list[FileBlocks], run: Run) -> None:
    """Sections with curl examples and nothing else stating an endpoint: the curls do.

    A method and path the page documents already is no new endpoint; one several such
    sections call goes to the most specific of them (the deepest heading, then the first),
    so an introduction's example does not take the endpoint from its own section.
    """
    page = run.page
    hosts = _api_hosts(page)
    winners: dict[tuple[str, str], _CurlCandidate] = {}
    for file in files:
        for candidate in _curl_candidates(file):
            if hosts and host_of(candidate.url) not in hosts:
                continue  # a call to the reader's own server (a callback), not the API
            if any(
                candidate.method in e.methods and fits(e, candidate.path, page.base_paths)
                for e in page.endpoints
            ):
                continue
            key = (candidate.method, canonical(candidate.path))
            known = winners.get(key)
            if known is None or candidate.owner.level > known.owner.level:
                winners[key] = candidate
    by_owner: dict[int, list[_CurlCandidate]] = {}
    for candidate in winners.values():
        by_owner.setdefault(id(candidate.owner), []).append(candidate)
    for candidates in by_owner.values():
        file, owner = candidates[0].file, candidates[0].owner
        new: list[Endpoint] = []
        for c in sorted(candidates, key=lambda c: (c.number, c.line)):
            block = file.blocks[c.number]
            endpoint = Endpoint(
                title=owner.title,
                methods=(c.method,),
                path=templated(c.path),
                url=c.url,
                source=Source(block.file, block.line + c.line),
                section=owner.source,
                markup="curl",
            )
            run.order[id(endpoint)] = (file.order, c.number)
            new.append(endpoint)
        page.endpoints.extend(new)
        span = [n for n in file.spans[id(owner)] if n not in file.claimed]
        file.claimed.update(span)
        fill(run, new, [file.blocks[n] for n in span], owner)


def _curl_candidates(file: FileBlocks) -> list[_CurlCandidate]:
    found: list[_CurlCandidate] = []
    for number, block in enumerate(file.blocks):
        example = block.example
        if number in file.claimed or example is None or example.language != "shell":
            continue
        if "curl" not in example.code:
            continue
        owner = owner_of(file.stacks[number], examples=True)
        for command in read_curl_leniently(example.code):
            path = url_path(command.url)
            if ("://" in command.url or command.url.startswith("/")) and path != "/":
                found.append(
                    _CurlCandidate(
                        file,
                        owner,
                        number,
                        command.method,
                        templated(path),
                        command.url,
                        command.line,
                    )
                )
    return found


def _api_hosts(page: DocsPage) -> set[str]:
    """The hosts the page's stated endpoints and their curl examples call."""
    hosts = {host_of(e.url) for e in page.endpoints}
    for endpoint in page.endpoints:
        for example in endpoint.examples_for("shell"):
            hosts.update(host_of(c.url) for c in read_curl_leniently(example.code))
    return hosts - {""}


def host_of(url: str) -> str:
    return url_host(url) or "" if "://" in url else ""


def templated(path: str) -> str:
    """A curl's path with id-like segments as parameters: /orders/3f1c9e... -> /orders/{id}."""
    parts: list[str] = []
    count = 0
    for segment in segments(path):
        if _ID_LIKE.match(segment):
            count += 1
            parts.append("{id}" if count == 1 else f"{{id{count}}}")
        else:
            parts.append(segment)
    return "/" + "/".join(parts)
