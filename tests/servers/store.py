"""The kittens, framework-free: what every faithful server's handlers call.

A team writing the documented API keeps its data and rules in a plain module like this
and lets the web framework do the HTTP (routing, methods, OPTIONS, errors). Data and
tokens come from the mock's data file, so the suite is run with the same options.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vanceqa.mock.data import Dataset, Kitten, load_dataset

# The error table (fixtures/docs/includes/_errors.md): the message of each error body.
MESSAGES = {
    400: "Bad Request -- Your request is invalid.",
    401: "Unauthorized -- Your API key is wrong.",
    403: "Forbidden -- The kitten requested is hidden for administrators only.",
    404: "Not Found -- The specified kitten could not be found.",
    405: "Method Not Allowed -- You tried to access a kitten with an invalid method.",
    406: "Not Acceptable -- You requested a format that isn't json.",
    410: "Gone -- The kitten requested has been removed from our servers.",
}
TRUE_WORDS = {"true", "1", "yes", "on"}
FALSE_WORDS = {"false", "0", "no", "off"}


class ApiError(Exception):
    """A documented error status, raised by the rules and rendered by each framework."""

    def __init__(self, status: int, detail: str | None = None) -> None:
        super().__init__(detail or MESSAGES.get(status, ""))
        self.status = status
        self.detail = detail or MESSAGES.get(status, "")


def error_body(status: int, detail: str | None = None) -> dict[str, Any]:
    """The one error shape these servers use: {"error": "...", "status": N}."""
    return {"error": detail or MESSAGES.get(status, ""), "status": status}


def accepts_json(accept: str | None) -> bool:
    """Whether an Accept header admits application/json (no header: yes)."""
    if not accept:
        return True
    for part in accept.split(","):
        media = part.split(";", 1)[0].strip().lower()
        if media in ("*/*", "application/*", "application/json") or media.endswith("+json"):
            return True
    return False


def parse_flag(name: str, value: str | None, default: bool) -> bool:
    """A list flag: true/false in any case, 1/0, yes/no, on/off; anything else is 400."""
    if value is None:
        return default
    word = value.lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ApiError(400, f"{name} must be true or false")


@dataclass
class Store:
    dataset: Dataset
    deleted: set[int] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def load(cls, path: str | Path | None = None) -> Store:
        return cls(load_dataset(path))

    def role(self, authorization: str | None) -> str:
        """ "regular" or "admin" for a raw token; anything else is 401 (Bearer included)."""
        if authorization and authorization == self.dataset.api_token:
            return "regular"
        if authorization and authorization == self.dataset.admin_token:
            return "admin"
        raise ApiError(401)

    def _gone(self, kitten: Kitten) -> bool:
        return kitten.removed or kitten.id in self.deleted

    def kittens(self, role: str, include_cats: bool, available: bool) -> list[dict[str, Any]]:
        with self.lock:
            return [
                k.public()
                for k in self.dataset.kittens
                if not self._gone(k)
                and (include_cats or k.species == "kitten")
                and (not available or k.available)
                and (role == "admin" or not k.hidden)
            ]

    def _find(self, role: str, kitten_id: int) -> Kitten:
        kitten = next((k for k in self.dataset.kittens if k.id == kitten_id), None)
        if kitten is None:
            raise ApiError(404)
        if kitten.hidden and role != "admin":
            raise ApiError(403)
        if self._gone(kitten):
            raise ApiError(410)
        return kitten

    def kitten(self, role: str, kitten_id: int) -> dict[str, Any]:
        with self.lock:
            return self._find(role, kitten_id).public()

    def delete(self, role: str, kitten_id: int) -> dict[str, Any]:
        with self.lock:
            kitten = self._find(role, kitten_id)
            self.deleted.add(kitten.id)
            return {"id": kitten.id, "deleted": ":("}


def parse_id(raw: str) -> int:
    """A path id: a positive integer, else 400 (huge ones are simply unknown: 404)."""
    if not raw.isascii() or not raw.isdigit():
        raise ApiError(400, "the id must be a positive integer")
    return int(raw) if len(raw) <= 30 else 0
