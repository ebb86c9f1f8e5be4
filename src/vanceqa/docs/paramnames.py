"""Parameter names as docs write them, and the names an example sends that they cover.

A table row may name two spellings of one field (`zipcode/postcode`): each is
documented. A name may hold a placeholder segment (`profile.{profile_value_id}`,
`meta[<key>]`): it documents every concrete name in its place (`profile.12`). Array
syntax names its base (`labels[][name]` is `labels`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_NAME = r"[A-Za-z_$][\w.$\-\[\]{}<>]*"
_SPELLINGS = re.compile(rf"{_NAME}(?:\s*/\s*{_NAME})+")
# `{id}`, `{{id}}`, `<id>`: a segment the sender fills in.
_PLACEHOLDER = re.compile(r"\{\{?\s*`?([A-Za-z_]\w*)`?\s*\}?\}|<([A-Za-z_]\w*)>")
# In prose, a name holding a placeholder: `"profile.{profile_value_id}"`, `meta[{key}]`.
_PATTERN_IN_PROSE = re.compile(
    r"(?<![\w{/.<$-])([A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*|\[[A-Za-z_]\w*\])*"
    r"(?:(?:\.|\[)?(?:\{\{?[A-Za-z_]\w*\}?\}|<[A-Za-z_]\w*>)\]?"
    r"(?:\.[A-Za-z_][\w-]*|\[[A-Za-z_]\w*\])*)+)(?![\w{/])"
)
# The prose must call it a field or a parameter: "through the field X", "X parameter".
_NAMED_AS_FIELD = re.compile(r"\b(fields?|param(eter)?s?|keys?|attributes?|propert(y|ies))\b", re.I)


def spellings(name: str) -> list[str]:
    """The names a table row documents: `zipcode/postcode` -> zipcode, postcode."""
    text = name.strip()
    if not _SPELLINGS.fullmatch(text):
        return [text]
    return [part.strip() for part in text.split("/") if part.strip()]


def base_name(name: str) -> str:
    """`payment_methods[][code]` and `ids[]` name `payment_methods` and `ids`."""
    return name.split("[", 1)[0].strip().lower() or name.lower()


def has_placeholder(name: str) -> bool:
    return bool(_PLACEHOLDER.search(name))


def fits(documented: str, sent: str) -> bool:
    """Does a name an example sends fit a documented one (its base, or its placeholders)?"""
    if base_name(sent) == base_name(documented) and not has_placeholder(documented):
        return True
    if not has_placeholder(documented):
        return False
    pattern, last = [], 0
    for found in _PLACEHOLDER.finditer(documented):
        pattern += [re.escape(documented[last : found.start()]), r"[^.\[\]=&]+"]
        last = found.end()
    pattern.append(re.escape(documented[last:]))
    whole = "".join(pattern)
    # `meta[{key}]` covers `meta[7]` and, as array syntax, `meta[7][name]`.
    return bool(re.fullmatch(rf"{whole}(\[[^\]]*\])*", sent, re.I))


def covered(sent: str, documented: Iterable[str]) -> bool:
    return any(fits(name, sent) for name in documented)


def patterns_in_prose(text: str) -> list[str]:
    """Names with a placeholder segment that a paragraph documents as fields/parameters."""
    if not _NAMED_AS_FIELD.search(text):
        return []
    names = [m.group(1) for m in _PATTERN_IN_PROSE.finditer(text)]
    return list(dict.fromkeys(re.sub(r"`", "", n) for n in names))
