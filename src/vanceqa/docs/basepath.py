"""The base path a page's relative request lines hang from, learnt from the page.

Many pages write request lines relative to a base URL they state once
(`` `https://x.booqable.com/api/1/` `` then `` `POST /customers` ``) while their curl
examples call the full URL (`.../api/1/customers`). The base path is the path of a
stated base URL, or the prefix the curls of at least two relative request lines add in
front of them. A request line with a host of its own is compared as written: there a
missing prefix is drift.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from vanceqa.docs.model import Endpoint
from vanceqa.docs.requestline import matches, segments, url_host, url_path
from vanceqa.docs.snippets import read_curl_leniently


def is_relative(endpoint: Endpoint) -> bool:
    """A request line without a host (`/customers`, `jobs/{id}`), so after a base URL."""
    return url_host(endpoint.url) is None


def tail_fits(template: str, concrete: str) -> bool:
    """Does `concrete` end with a path that fits `template` (`/a/b/3` ends with `/b/{id}`)?"""
    want, have = segments(template), segments(concrete)
    if not want or len(have) < len(want):
        return False
    return matches(template, "/" + "/".join(have[len(have) - len(want) :]))


def fits(endpoint: Endpoint, concrete: str, bases: Sequence[str]) -> bool:
    """Does a concrete path fit the endpoint's request line, after the page's base path?"""
    if matches(endpoint.path, concrete):
        return True
    if not is_relative(endpoint):
        return False
    have = segments(concrete)
    for base in bases:
        prefix = segments(base)
        if have[: len(prefix)] == prefix and matches(
            endpoint.path, "/" + "/".join(have[len(prefix) :])
        ):
            return True
    return False


def learn_base_paths(endpoints: Iterable[Endpoint], stated_urls: Iterable[str]) -> tuple[str, ...]:
    """The page's base paths: those of its stated base URLs, then the prefix its curls add."""
    bases = [url_path(url).rstrip("/") for url in stated_urls]
    seen: dict[str, set[int]] = {}
    for endpoint in endpoints:
        if not is_relative(endpoint):
            continue
        for example in endpoint.examples_for("shell"):
            for command in read_curl_leniently(example.code):
                path = url_path(command.url)
                if matches(endpoint.path, path) or not tail_fits(endpoint.path, path):
                    continue
                have = segments(path)
                prefix = "/" + "/".join(have[: len(have) - len(segments(endpoint.path))])
                seen.setdefault(prefix, set()).add(id(endpoint))
    learnt = sorted(
        (p for p, users in seen.items() if len(users) >= 2), key=lambda p: -len(seen[p])
    )
    return tuple(dict.fromkeys(b for b in [*bases, *learnt] if b.strip("/")))
