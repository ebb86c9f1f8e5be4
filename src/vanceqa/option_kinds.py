"""The grammar of each kind of target option: how a value given on a command line, in a
`VANCEQA_*` variable or in the project's settings is read, checked, shown to argparse,
and written back out for a child process (`KINDS`).

`vanceqa.target` declares the options; a new kind of option is one `Kind` here.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from vanceqa.errors import UsageError
from vanceqa.units import (
    format_duration,
    parse_positive_duration,
    parse_rate,
    parse_size,
)

_HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")


def parse_bool(value: object, what: str) -> bool:
    if isinstance(value, bool) or value is None:
        return bool(value)
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("", "0", "false", "no", "off"):
        return False
    raise UsageError(f"{what} must be 1 or 0, got {value!r}")


def _items(value: object, separator: str) -> list[str]:
    if isinstance(value, str):
        return [part.strip() for part in value.split(separator) if part.strip()]
    return [str(part).strip() for part in value if str(part).strip()]  # type: ignore[attr-defined]


def parse_ids(value: object, what: str) -> tuple[int, ...]:
    """Kitten ids: positive integers (ids are integers from 1, as the contract says)."""
    ids: list[int] = []
    for text in _items(value, ","):
        try:
            number = int(text)
        except ValueError:
            raise UsageError(f"{what} must be integers, got {text!r}") from None
        if number < 1:
            raise UsageError(f"{what} must be positive integers (kitten ids), got {text!r}")
        ids.append(number)
    return tuple(dict.fromkeys(ids))


def parse_headers(value: object, what: str) -> tuple[tuple[str, str], ...]:
    """'Name: value' items (the variable holds one per line)."""
    headers: list[tuple[str, str]] = []
    for text in _items(value, "\n"):
        name, colon, header_value = text.partition(":")
        name, header_value = name.strip(), header_value.strip()
        if not colon or not _HEADER_NAME.match(name):
            raise UsageError(f"{what} takes 'Name: value', got {text.split(':')[0]!r}...")
        if any(c in header_value for c in "\r\n\0"):
            raise UsageError(f"{what} {name}: a value must not contain line breaks")
        if name.lower() == "authorization":
            raise UsageError(f"{what}: the token goes in --api-token, not an Authorization header")
        headers.append((name, header_value))
    return tuple(headers)


def parse_names(value: object, what: str) -> tuple[str, ...]:
    names = _items(value, ",")
    for name in names:
        if not _HEADER_NAME.match(name):
            raise UsageError(f"{what} takes header names, got {name!r}")
    return tuple(dict.fromkeys(n.lower() for n in names))


def parse_count(value: object, what: str) -> int:
    """A whole number from 1 up."""
    try:
        number = int(str(value).strip())
    except ValueError:
        raise UsageError(f"{what} must be a whole number, got {value!r}") from None
    if number < 1:
        raise UsageError(f"{what} must be at least 1, got {value!r}")
    return number


def parse_file(value: object, what: str) -> str:
    path = Path(str(value)).expanduser()
    if not path.is_file() or not os.access(path, os.R_OK):
        raise UsageError(f"{what}: cannot read the file {str(value)!r}")
    return str(path.resolve())


def parse_ca_location(value: object, what: str) -> str:
    """A PEM file of authorities, or a directory of them in OpenSSL's hashed layout
    (`c_rehash`, `openssl rehash`), as REQUESTS_CA_BUNDLE and SSL_CERT_DIR may name."""
    path = Path(str(value)).expanduser()
    if path.is_dir() and os.access(path, os.R_OK | os.X_OK):
        return str(path.resolve())
    return parse_file(value, what)


def validate_base_url(url: str) -> str:
    """http(s)://host[:port][/path prefix], no query or fragment; trailing slash dropped."""
    text = url.strip()
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"base URL must look like http://host[:port][/prefix], got {url!r}")
    if parts.query or parts.fragment:
        raise UsageError(f"base URL must not carry a query or fragment: {url!r}")
    try:
        parts.port  # noqa: B018 - raises on a port out of range
    except ValueError as exc:
        raise UsageError(f"base URL {url!r}: {exc}") from None
    return text.rstrip("/")


def validate_proxy(url: str) -> str:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"--proxy must look like http://host:port, got {url!r}")
    return url.strip()


@dataclass(frozen=True)
class Kind:
    """How one kind of option is parsed, shown in argparse, and written back out."""

    parse: Callable[[object, str], Any]
    argparse: dict[str, Any]
    to_text: Callable[[Any], str] = str
    repeatable: bool = False
    separator: str = ","


def _exact_number(value: float) -> str:
    """20.0 -> '20', 0.125 -> '0.125': read back to the same float, never in exponent."""
    return str(int(value)) if value == int(value) else repr(value)


def _text(check: Callable[[str], str] | None = None) -> Kind:
    return Kind(lambda v, _: (check or str.strip)(str(v)), {})


# Kinds whose value is a path: in vanceqa.toml, relative to that file.
PATH_KINDS = frozenset({"file", "ca"})

KINDS: dict[str, Kind] = {
    "text": _text(),
    "url": _text(validate_base_url),
    "proxy": _text(validate_proxy),
    "file": Kind(parse_file, {"metavar": "FILE"}),
    "ca": Kind(parse_ca_location, {"metavar": "PATH"}),
    "switch": Kind(parse_bool, {"action": "store_true"}, lambda v: "1" if v else ""),
    "ids": Kind(
        parse_ids,
        {"action": "append", "metavar": "ID"},
        lambda v: ",".join(map(str, v)),
        repeatable=True,
    ),
    "names": Kind(parse_names, {"action": "append", "metavar": "NAME"}, ",".join, repeatable=True),
    "headers": Kind(
        parse_headers,
        {"action": "append", "metavar": "'NAME: VALUE'"},
        lambda v: "\n".join(f"{n}: {value}" for n, value in v),
        repeatable=True,
        separator="\n",
    ),
    "rate": Kind(lambda v, what: parse_rate(v, what=what), {"metavar": "N"}, _exact_number),
    "duration": Kind(
        lambda v, what: parse_positive_duration(str(v), what=what),
        {"metavar": "DURATION"},
        format_duration,
    ),
    "size": Kind(lambda v, what: parse_size(v, what=what), {"metavar": "SIZE"}, str),
    "count": Kind(parse_count, {"metavar": "N"}, str),
}
