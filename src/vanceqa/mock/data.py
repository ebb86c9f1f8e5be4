"""The mock's dataset: kittens and cats, with the flags that drive its behaviour."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vanceqa import resources
from vanceqa.errors import UsageError

PUBLIC_FIELDS = ("id", "name", "breed", "fluffiness", "cuteness")


@dataclass(frozen=True)
class Kitten:
    id: int
    name: str
    breed: str
    fluffiness: int
    cuteness: int
    species: str = "kitten"  # "kitten" or "cat"
    available: bool = True  # False: already adopted
    hidden: bool = False  # hidden for administrators only
    removed: bool = False  # removed before the mock started (410)

    def public(self) -> dict[str, Any]:
        """The kitten as the API serves it."""
        return {name: getattr(self, name) for name in PUBLIC_FIELDS}


@dataclass(frozen=True)
class Dataset:
    kittens: tuple[Kitten, ...]
    api_token: str
    admin_token: str
    source: str = "<memory>"

    def by_id(self) -> dict[int, int]:
        """Kitten id -> index in `kittens`."""
        return {k.id: i for i, k in enumerate(self.kittens)}


def load_dataset(path: Path | str | None = None) -> Dataset:
    """Read and validate a data file (the bundled fixtures/kittens.json by default)."""
    source = Path(path) if path is not None else resources.seed_data_path()
    try:
        raw = json.loads(source.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"data file not found: {source}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise UsageError(f"data file {source} is not valid JSON: {exc}") from None
    return parse_dataset(raw, str(source))


def parse_dataset(raw: object, source: str = "<memory>") -> Dataset:
    if not isinstance(raw, dict) or not isinstance(raw.get("kittens"), list):
        raise UsageError(f"{source}: expected an object with a 'kittens' list")
    tokens = raw.get("tokens", {})
    if not isinstance(tokens, dict):
        raise UsageError(f"{source}: 'tokens' must be an object")
    kittens: list[Kitten] = []
    seen: set[int] = set()
    for n, entry in enumerate(raw["kittens"]):
        where = f"{source}: kittens[{n}]"
        if not isinstance(entry, dict):
            raise UsageError(f"{where} is not an object")
        try:
            kitten = Kitten(**entry)
        except TypeError as exc:
            raise UsageError(f"{where}: {exc}") from None
        for name, kind in (("id", int), ("fluffiness", int), ("cuteness", int)):
            value = getattr(kitten, name)
            if not isinstance(value, kind) or isinstance(value, bool):
                raise UsageError(f"{where}: {name} must be an integer")
        if kitten.id < 1:
            raise UsageError(f"{where}: id must be a positive integer")
        if kitten.id in seen:
            raise UsageError(f"{where}: duplicate id {kitten.id}")
        if kitten.species not in ("kitten", "cat"):
            raise UsageError(f"{where}: species must be 'kitten' or 'cat'")
        seen.add(kitten.id)
        kittens.append(kitten)
    return Dataset(
        kittens=tuple(kittens),
        api_token=str(tokens.get("api", "")),
        admin_token=str(tokens.get("admin", "")),
        source=source,
    )
