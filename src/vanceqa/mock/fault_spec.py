"""What a fault is: a declared object with its settings, command-line grammar and effect.

A fault is a frozen dataclass subclassing `Fault`, registered with `@FAULTS.register`.
Its dataclass fields are its settings, each declared with `setting(...)` (JSON type,
range, unit, meaning): they are the fields of the control API's JSON, validated in one
place whether they come from JSON or from `--fault NAME=VALUE` (through `parse`).
Everything a person reads about faults (`--fault` help, "unknown fault" messages, the
table in docs/mock.md) is generated from the registry, as starlette generates its path
convertors' behaviour from its convertor registry.

An effect runs at one `Stage` of a request's handling and either refuses the request
with a documented status (`Refusal`) or holds the answer for some seconds (a float).
"""

from __future__ import annotations

import dataclasses
import enum
import math
import random
import textwrap
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol, Self, TypeVar

from vanceqa.errors import UsageError

_SPEC = "vanceqa.setting"


class Stage(enum.IntEnum):
    """Where in the handling of an API request a fault acts (app.py's decision order)."""

    ARRIVAL = 0  # before anything else: before the token is read
    AUTHENTICATED = 1  # the token is valid (the context knows which kind)
    ACCEPTED = 2  # method and Accept are fine; before the query and id are read
    ANSWERED = 3  # the answer is decided, whatever its status


@dataclass(frozen=True)
class Refusal:
    """Answer with this documented status instead (Retry-After in seconds, if any)."""

    status: int
    detail: str
    retry_after: int | None = None


class FaultState(Protocol):
    """What effects may use of the state shared by the mock's worker processes."""

    def take_token(self, bucket: int, rate: float, now: float) -> float: ...

    def reserve_service(
        self, workers: int, service_s: float, max_wait_s: float, now: float
    ) -> float | None: ...


@dataclass
class FaultContext:
    """One API request as effects see it."""

    state: FaultState
    rng: random.Random
    now: float  # wall clock (time.time()): stalls are phased on it across workers
    clock: float  # time.monotonic(): one clock for every process on the machine
    admin: bool = False  # known from Stage.AUTHENTICATED on
    hold_s: float = 0.0  # the holds of the effects so far (the app adds them up)


@dataclass(frozen=True)
class Setting:
    """One JSON field of a fault: type, range, unit and meaning."""

    kind: str  # "flag", "number", "count", "choice", "numbers"
    help: str
    low: float = 0.0
    high: float = math.inf
    above_low: bool = False  # the lower bound itself is excluded
    nullable: bool = False  # null is allowed (it means "off")
    unit: str = ""
    choices: tuple[str, ...] = ()
    max_items: int = 0

    def check(self, name: str, value: object) -> Any:
        """The value if it has this setting's type and range, else a UsageError."""
        if value is None and self.nullable:
            return None
        if self.kind == "flag":
            if type(value) is not bool:
                raise UsageError(f"{name} must be true or false, got {value!r}")
            return value
        if self.kind == "choice":
            if value not in self.choices:
                raise UsageError(f"{name} must be one of {', '.join(self.choices)}, got {value!r}")
            return value
        if self.kind == "numbers":
            if not isinstance(value, list | tuple) or len(value) > self.max_items:
                raise UsageError(
                    f"{name} must be a list of at most {self.max_items} numbers, got {value!r}"
                )
            return tuple(self._number(f"{name}[{i}]", v) for i, v in enumerate(value))
        if self.kind == "count":
            if type(value) is not int:
                raise UsageError(f"{name} must be a whole number, got {value!r}")
            return int(self._bounded(name, value))
        return self._number(name, value)

    def _number(self, name: str, value: object) -> float:
        if type(value) not in (int, float):  # bool is an int subclass: refused here
            raise UsageError(f"{name} must be a number, got {value!r}")
        assert isinstance(value, int | float)
        return float(self._bounded(name, value))

    def _bounded(self, name: str, value: float) -> float:
        low_ok = value > self.low if self.above_low else value >= self.low
        if not (math.isfinite(value) and low_ok and value <= self.high):
            raise UsageError(f"{name} must be {self.range_text()}, got {value!r}")
        return value

    def range_text(self) -> str:
        unit = f" {self.unit}" if self.unit else ""
        if self.above_low:
            return f"above {self.low:g} and at most {self.high:g}{unit}"
        return f"between {self.low:g} and {self.high:g}{unit}"

    def describe(self) -> str:
        """The JSON type and range, for docs and messages."""
        null = "null or " if self.nullable else ""
        if self.kind == "flag":
            return "true or false"
        if self.kind == "choice":
            return f"{null}one of {', '.join(self.choices)}"
        if self.kind == "numbers":
            return f"list of at most {self.max_items} numbers, each {self.range_text()}"
        kind = "whole number" if self.kind == "count" else "number"
        return f"{null}{kind}, {self.range_text()}"


def setting(default: Any, kind: str, help: str, **rules: Any) -> Any:
    """Declare one setting of a fault (a dataclass field carrying its `Setting`)."""
    spec = Setting(kind, help, **rules)
    spec.check("default", default)  # a declaration whose default breaks its rules is a bug
    return dataclasses.field(default=default, metadata={_SPEC: spec})


@dataclass(frozen=True)
class Fault:
    """Base of every fault declaration; its instances are one fault's settings.

    A subclass sets the class variables, declares its settings with `setting(...)`,
    implements `parse` (the command-line grammar) and `effect`, and may add
    cross-field rules in `check` and derived values in `settled`. Its defaults must
    mean "off".
    """

    name: ClassVar[str]  # `--fault NAME=...`
    syntax: ClassVar[str]  # what follows NAME=, e.g. "DURATION | normal:MEAN,SD"
    examples: ClassVar[tuple[str, ...]]  # whole `--fault` values
    summary: ClassVar[str]  # one line: what it does to a request
    stage: ClassVar[Stage]

    @classmethod
    def settings(cls) -> dict[str, Setting]:
        return {f.name: f.metadata[_SPEC] for f in dataclasses.fields(cls)}

    @classmethod
    def parse(cls, text: str) -> dict[str, object]:
        """The settings a `--fault NAME=TEXT` names (others keep their value)."""
        raise NotImplementedError

    def check(self) -> None:
        """Rules between settings; raise UsageError."""

    def settled(self, given: Collection[str], now: float) -> Self:
        """Fill settings derived at the moment the fault is set (given: names set)."""
        return self

    @property
    def on(self) -> bool:
        return self != type(self)()

    def effect(self, context: FaultContext) -> Refusal | float:
        """Refuse the request, or hold its answer for this many seconds (0: no effect)."""
        raise NotImplementedError

    def to_json(self) -> dict[str, object]:
        return {
            name: list(value) if isinstance(value, tuple) else value
            for name, value in ((f.name, getattr(self, f.name)) for f in dataclasses.fields(self))
        }

    def with_values(self, values: Mapping[str, object], now: float) -> Self:
        """These settings changed, checked one by one and together."""
        spec = self.settings()
        checked = {name: spec[name].check(name, value) for name, value in values.items()}
        changed = dataclasses.replace(self, **checked).settled(values.keys(), now)
        changed.check()
        return changed


F = TypeVar("F", bound=type[Fault])


class FaultRegistry:
    """Every fault, in the order their effects apply within a stage."""

    def __init__(self) -> None:
        self._kinds: dict[str, type[Fault]] = {}
        self._fields: dict[str, type[Fault]] = {}

    def register(self, kind: F) -> F:
        """Class decorator: add a fault declaration (checked for the rules above)."""
        if not dataclasses.is_dataclass(kind) or kind.name in self._kinds:
            raise TypeError(f"{kind.__name__}: not a dataclass, or {kind.name!r} taken")
        for name in kind.settings():
            if not name.startswith(kind.name) or name in self._fields:
                raise TypeError(f"{kind.__name__}.{name}: fields are named after their fault")
        if kind().on:
            raise TypeError(f"{kind.__name__}: the defaults must mean off")
        texts = [kind.syntax, kind.summary, *(s.help for s in kind.settings().values())]
        if any("|" in text for text in texts[1:]) or not all(texts):
            raise TypeError(f"{kind.__name__}: every text is given; only syntax holds '|'")
        self._kinds[kind.name] = kind
        self._fields.update(dict.fromkeys(kind.settings(), kind))
        return kind

    def __iter__(self) -> Iterator[type[Fault]]:
        return iter(self._kinds.values())

    def names(self) -> tuple[str, ...]:
        return tuple(self._kinds)

    def kind(self, name: str) -> type[Fault]:
        kind = self._kinds.get(name)
        if kind is None:
            raise UsageError(f"unknown fault {name!r} (one of {', '.join(self._kinds)})")
        return kind

    def owner(self, field: str) -> type[Fault] | None:
        """The fault a JSON field belongs to, or None for an unknown field."""
        return self._fields.get(field)

    def field_names(self) -> tuple[str, ...]:
        return tuple(self._fields)

    def option_help(self) -> str:
        """The argparse help of `--fault` and `vanceqa load --mock-fault`: every grammar
        (with % doubled, as argparse wants)."""
        grammars = "; ".join(f"{k.name}={k.syntax}" for k in self)
        return f"a fault, repeatable (NAME=off turns one off): {grammars}".replace("%", "%%")

    def epilog(self) -> str:
        """What each fault does, for the end of `vanceqa mock --help`."""
        lines = ["faults (--fault NAME=VALUE; durations as 20ms, 1.5s, 1m30s):"]
        for k in self:
            lines += [
                f"  {k.name}={k.syntax}",
                *textwrap.wrap(k.summary, 76, initial_indent=" " * 6, subsequent_indent=" " * 6),
            ]
        lines.append(
            "Each is also a set of fields of PUT/PATCH /__vanceqa__/faults (docs/mock.md)."
        )
        return "\n".join(lines)

    def markdown(self) -> str:
        """The table of docs/mock.md: each fault, its grammar, effect and JSON fields."""
        rows = [
            "| fault | `--fault` | what it does | control API fields |",
            "|---|---|---|---|",
        ]
        for k in self:
            grammar = "<br>".join(f"`{k.name}={alt.strip()}`" for alt in k.syntax.split("|"))
            fields = "<br>".join(
                f"`{n}`: {s.describe()}; {s.help}" for n, s in k.settings().items()
            )
            examples = " ".join(f"`{e}`" for e in k.examples)
            rows.append(f"| `{k.name}` | {grammar}<br>e.g. {examples} | {k.summary} | {fields} |")
        return "\n".join(rows) + "\n"


FAULTS = FaultRegistry()
