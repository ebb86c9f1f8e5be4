"""Live path values: when a read example's id is not on the target, ask for one that is.

The docs' `curl .../api/kittens/2` sends the docs' id 2; a staging server, or the mock
with other data, may have no kitten 2 and answer 404. The runner then asks the page's
sibling collection endpoint (the path up to the last parameter: `GET /api/kittens`) for
a live value and runs the example again with it. Planning here reads only the page;
`pick_live_value` reads the collection's answer. Nothing here sends anything.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from vanceqa.docs.drift_self import CREDENTIAL_PARAMS
from vanceqa.docs.model import Endpoint
from vanceqa.docs.requestline import canonical, param_name, segments

READ_METHODS = frozenset({"GET", "HEAD"})


@dataclass(frozen=True)
class LiveLookup:
    """Where a live value for an example's last path parameter can be found."""

    parameter: str  # the request line's name for it: ID, petId, trans_id
    docs_value: str  # the value the docs' path carries there: 2
    url: str  # the example's URL on the target
    index: int  # the value's segment index in the URL's path
    collection_url: str  # the sibling collection on the target (credential query only)
    collection: str | None  # "GET /api/kittens"; None: the page documents none

    @property
    def collection_path(self) -> str:
        return urlsplit(self.collection_url).path

    def url_with(self, value: str) -> str:
        """The example's URL with `value` in place of the docs' value."""
        parts = urlsplit(self.url)
        path = parts.path.split("/")
        path[self._raw_index(path)] = quote(value, safe="")
        return urlunsplit(parts._replace(path="/".join(path)))

    def _raw_index(self, raw: list[str]) -> int:
        # `segments` drops empty parts; map its index back onto the raw split.
        seen = -1
        for position, part in enumerate(raw):
            if part:
                seen += 1
                if seen == self.index:
                    return position
        raise ValueError(f"{self.url} has no path segment {self.index}")


def live_lookup(
    endpoint: Endpoint, url: str, page_endpoints: Iterable[Endpoint]
) -> LiveLookup | None:
    """How to replace the docs' value of `endpoint`'s last path parameter in `url`.

    None when the path carries no such value (no parameter, or the URL is too short for
    the request line, aligned from the end as the runner aligns them).
    """
    template = segments(endpoint.path)
    names = [param_name(s) for s in template]
    last = max((i for i, n in enumerate(names) if n is not None), default=None)
    parts = urlsplit(url)
    concrete = segments(parts.path)
    if last is None:
        return None
    index = len(concrete) - (len(template) - last)
    if index < 1:  # no value there, or no collection path above it
        return None
    parent = concrete[:index]
    credentials = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if k.lower() in CREDENTIAL_PARAMS
    ]
    collection_url = urlunsplit(
        parts._replace(path="/" + "/".join(parent), query=urlencode(credentials), fragment="")
    )
    sibling = _collection_endpoint(endpoint, template[:last], parent, page_endpoints)
    return LiveLookup(
        parameter=str(names[last]),
        docs_value=concrete[index],
        url=url,
        index=index,
        collection_url=collection_url,
        collection=f"GET /{'/'.join(parent)}" if sibling is not None else None,
    )


def _collection_endpoint(
    endpoint: Endpoint, wanted: list[str], parent: list[str], page_endpoints: Iterable[Endpoint]
) -> Endpoint | None:
    """The documented GET endpoint at the request line's path minus its last parameter.

    Paths are aligned from the end, as the runner maps curl paths onto request lines
    (`/api/kittens` is the collection of `/kittens/<ID>`). One whose canonical path is
    the wanted one, or that fits the example's concrete path exactly, wins over one
    that only fits by its tail.
    """
    if not wanted:
        return None
    want = canonical("/" + "/".join(wanted))
    close: list[Endpoint] = []
    loose: list[Endpoint] = []
    for candidate in page_endpoints:
        if candidate is endpoint or "GET" not in candidate.methods:
            continue
        have = segments(candidate.path)
        if not _tail_fits(have, wanted, literal=True) or not _tail_fits(have, parent):
            continue
        exact = len(have) == len(parent) and _tail_fits(have, parent)
        (close if exact or canonical(candidate.path) == want else loose).append(candidate)
    found = close or loose
    return found[0] if found else None


def _tail_fits(template: list[str], other: list[str], *, literal: bool = False) -> bool:
    """Do the two paths agree over their common tail? A parameter fits any segment;
    `literal`: both sides are templates, so a parameter fits only a parameter."""
    for want, have in zip(reversed(template), reversed(other), strict=False):
        want_param, have_param = param_name(want) is not None, param_name(have) is not None
        if literal and (want_param or have_param):
            if want_param != have_param:
                return False
        elif not want_param and want != have:
            return False
    return True


@dataclass(frozen=True)
class LiveValue:
    """What the collection's answer offers: a value, or why it offers none."""

    value: str | None = None
    problem: str | None = None  # why no value: no array, no items, no such field
    lists_docs_value: bool = False  # the docs' value is listed: its 404 is a real failure


def pick_live_value(lookup: LiveLookup, body: Any, *, avoid_docs: bool = False) -> LiveValue:
    """The first item's field named like the parameter (else `id`) in the collection's JSON.

    The items are the answer itself when it is an array, else the first array found in
    the object (breadth first). A listed docs' value is reported (its 404 or 410 is a real
    failure), unless `avoid_docs`: then the first other listed value is taken.
    """
    where = lookup.collection or f"GET {lookup.collection_path}"
    items = _first_array(body)
    if items is None:
        return LiveValue(problem=f"{where} answered no array of items")
    if not items:
        return LiveValue(problem=f"{where} lists no items")
    first = items[0]
    key = _field(first, lookup.parameter) if isinstance(first, dict) else None
    if key is None:
        return LiveValue(
            problem=f"the first item of {where} has no field {lookup.parameter!r} or 'id'"
        )
    listed = [_text(i.get(key)) for i in items if isinstance(i, dict)]
    if lookup.docs_value in listed:
        others = [v for v in listed if v is not None and v != lookup.docs_value]
        if not avoid_docs:
            return LiveValue(value=lookup.docs_value, lists_docs_value=True)
        if not others:
            return LiveValue(problem=f"{where} lists no other item")
        return LiveValue(value=others[0])
    value = _text(first[key])
    if value is None:
        return LiveValue(problem=f"the first item of {where} has no usable {key!r}: {first[key]!r}")
    return LiveValue(value=value)


def _first_array(body: Any) -> list[Any] | None:
    queue = [body]
    while queue:
        node = queue.pop(0)
        if isinstance(node, list):
            return node
        if isinstance(node, dict):
            queue.extend(node.values())
    return None


def _field(item: dict[str, Any], parameter: str) -> str | None:
    def norm(name: str) -> str:
        return name.lower().replace("_", "").replace("-", "")

    for wanted in (norm(parameter), "id"):
        for key in item:
            if norm(key) == wanted:
                return key
    return None


def _text(value: Any) -> str | None:
    """A path segment for a field value: strings and integers only."""
    if isinstance(value, bool) or not isinstance(value, (str, int)) or value == "":
        return None
    return str(value)
