"""The check registry: each check's name, behaviour, authority and level, declared once.

Modelled on schemathesis' `@check` registry. A check is the one object a suite needs: it
marks its test (`@checks.PARAM_DEFAULT.mark(operation="listKittens")`), runs on the
exchanges (`checks.PARAM_DEFAULT(omitted, explicit, ...)`), and says what it rests on
(a line of the docs, an RFC 9110 section the docs rely on, a reading of docs/readings.md)
and whether a finding fails the run or only warns (reading 15).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from vanceqa.client import Exchange
from vanceqa.errors import Finding

Level = Literal["failure", "warning"]
FAILURE: Level = "failure"
WARNING: Level = "warning"

# Lines of the documentation the checks quote, and where each stands (repository paths).
_INDEX = "fixtures/docs/index.html.md"
_ERRORS = "fixtures/docs/includes/_errors.md"
DOCS: dict[object, str] = {
    "auth": "All of the methods in the Vance AI API require authentication using an "
    '`api_token`. | curl ... -H "Authorization: meowmeowmeow"',
    400: "400 | Bad Request -- Your request is invalid.",
    401: "401 | Unauthorized -- Your API key is wrong.",
    403: "403 | Forbidden -- The kitten requested is hidden for administrators only.",
    404: "404 | Not Found -- The specified kitten could not be found.",
    405: "405 | Method Not Allowed -- You tried to access a kitten with an invalid method.",
    406: "406 | Not Acceptable -- You requested a format that isn't json.",
    410: "410 | Gone -- The kitten requested has been removed from our servers.",
    500: "500 | Internal Server Error -- We had a problem with our server. Try again later.",
    "include_cats": "include_cats | false | If set to true, the result will also include cats.",
    "available": "available | true | If set to false, the result will include kittens that "
    "have already been adopted.",
    "list": 'The above command returns JSON structured like this: [{"id": 1, "name": '
    '"Fluffums", "breed": "calico", "fluffiness": 6, "cuteness": 7}, ...]',
    "item": 'The above command returns JSON structured like this: {"id": 2, "name": "Max", '
    '"breed": "unknown", "fluffiness": 5, "cuteness": 10}',
    "delete": 'The above command returns JSON structured like this: {"id": 2, "deleted" : ":("}',
    "json": "406 | Not Acceptable -- You requested a format that isn't json.",
    "examples": "The docs' curl examples (every ```shell block of the page)",
}
DOCS_LINES: dict[object, str] = {
    "auth": f"{_INDEX}:63",
    400: f"{_ERRORS}:12",
    401: f"{_ERRORS}:13",
    403: f"{_ERRORS}:14",
    404: f"{_ERRORS}:15",
    405: f"{_ERRORS}:16",
    406: f"{_ERRORS}:17",
    410: f"{_ERRORS}:18",
    500: f"{_ERRORS}:21",
    "include_cats": f"{_INDEX}:131",
    "available": f"{_INDEX}:132",
    "list": f"{_INDEX}:100",
    "item": f"{_INDEX}:166",
    "delete": f"{_INDEX}:221",
    "json": f"{_ERRORS}:17",
    "examples": f"{_INDEX}:88",
}
READINGS_FILE = "docs/readings.md"

CheckFunction = Callable[..., None]


@dataclass(frozen=True)
class Check:
    """A registered check: what it guards, what it rests on, how much a finding weighs."""

    name: str
    behaviour: str
    docs: object  # a key of DOCS
    readings: tuple[int, ...]
    rfc: str | None
    level: Level
    function: CheckFunction
    waiver: str | None = None  # why no catalogue defect is caught by this check alone

    @property
    def docs_quote(self) -> str:
        return DOCS[self.docs]

    @property
    def authority(self) -> str:
        """What the check rests on, each part a place a reader can open."""
        parts = [DOCS_LINES[self.docs]]
        if self.rfc:
            parts.append(self.rfc)
        parts += [f"reading {n} ({READINGS_FILE})" for n in self.readings]
        return "; ".join(parts)

    def __call__(self, *args: Any, **kwargs: Any) -> None:
        __tracebackhide__ = True  # a failure points at the suite's line, not at this module
        self.function(self, *args, **kwargs)

    def mark(self, operation: str | None = None, stage: int = 0) -> Any:
        """The pytest marker of a test that runs this check (pytest imported only here)."""
        import pytest

        keywords: dict[str, Any] = {"stage": stage}
        if operation is not None:
            keywords["operation"] = operation
        return pytest.mark.conformance(self.name, **keywords)

    def finding(self, exchange: Exchange | None, details: str, docs: str = "") -> Finding:
        """A finding of this check, quoting the docs and the exchange that broke it."""
        return Finding(
            check=self.name,
            behaviour=self.behaviour,
            docs_quote=docs or f"{self.docs_quote} ({self.authority})",
            curl=exchange.curl() if exchange else "",
            status=exchange.status if exchange else None,
            body_excerpt=exchange.excerpt() if exchange else "",
            details=details,
        )


REGISTRY: dict[str, Check] = {}


def check(
    name: str,
    behaviour: str,
    docs: object,
    *,
    readings: tuple[int, ...] = (),
    rfc: str | None = None,
    level: Level = FAILURE,
    waiver: str | None = None,
) -> Callable[[CheckFunction], Check]:
    """Register a check function under `name`; a name is registered once."""
    if docs not in DOCS:
        raise ValueError(f"check {name!r}: no docs line {docs!r}")

    def register(function: CheckFunction) -> Check:
        if name in REGISTRY:
            raise ValueError(f"check {name!r} registered twice")
        registered = Check(name, behaviour, docs, readings, rfc, level, function, waiver)
        REGISTRY[name] = registered
        return registered

    return register


def level_of(name: str | None) -> Level:
    """The level of the check called `name`; a finding of no registered check fails."""
    found = REGISTRY.get(name or "")
    return found.level if found is not None else FAILURE
