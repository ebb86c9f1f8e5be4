"""JSON as docs write it: comments and elisions allowed; shapes compared; schemas inferred.

Docs elide: `...` (or `…`, or a lone `"..."` member) stands for more items or keys. A
reader sees an elided example, not broken JSON, so a block that parses once its
elisions are taken out is read as what it shows, and marked `elided`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

JSON = Any


def strip_comments(text: str) -> tuple[str, bool]:
    """Remove `// ...` and `/* ... */` outside strings; True if any were found."""
    out: list[str] = []
    i, n, found = 0, len(text), False
    in_string = False
    while i < n:
        ch = text[i]
        if in_string:
            out.append(ch)
            if ch == "\\" and i + 1 < n:
                out.append(text[i + 1])
                i += 2
                continue
            if ch == '"':
                in_string = False
            i += 1
        elif ch == '"':
            in_string = True
            out.append(ch)
            i += 1
        elif text.startswith("//", i):
            found = True
            end = text.find("\n", i)
            i = n if end < 0 else end  # keep the newline: error lines stay right
        elif text.startswith("/*", i):
            found = True
            end = text.find("*/", i + 2)
            chunk = text[i : n if end < 0 else end + 2]
            out.append("\n" * chunk.count("\n"))
            i = n if end < 0 else end + 2
        else:
            out.append(ch)
            i += 1
    return "".join(out), found


@dataclass(frozen=True)
class Parsed:
    value: JSON
    error: str | None = None  # why it is not JSON, comments and elisions aside
    error_line: int | None = None  # 1-based, within the block
    had_comments: bool = False
    elided: bool = False  # parsed once its `...` elisions were taken out


def parse_jsonish(text: str) -> Parsed:
    """Parse a JSON example; `//` and `/* */` comments and `...` elisions are allowed."""
    stripped, had_comments = strip_comments(text)
    remainder = without_elisions(stripped)
    try:
        if remainder is not None:
            return Parsed(json.loads(remainder), had_comments=had_comments, elided=True)
        return Parsed(json.loads(stripped), had_comments=had_comments)
    except json.JSONDecodeError as exc:
        # Broken for another reason: the error is that one's (elisions are blanked, so
        # its line and column are the block's).
        return Parsed(None, f"{exc.msg} at column {exc.colno}", exc.lineno, had_comments)


_ELLIPSIS = re.compile(r"\.{3,}|…+")
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"?|\.{3,}|…+|[{}\[\]:,]|[^\s{}\[\]:,"]+')
_CLOSERS = ("}", "]")


def without_elisions(text: str) -> str | None:
    """The text with its elisions taken out, or None when it has none.

    A bare `...`/`…` goes with the comma that joins it to its neighbours; as a value
    (`"items": ...`) it takes its key with it, since no value is shown. A `"..."` string
    stands for more keys where an object expects a key and no `:` follows.
    """
    tokens = [(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(text)]
    drop: set[int] = set()
    stack: list[str] = []
    for index, (token, _, _) in enumerate(tokens):
        if token in ("{", "["):
            stack.append(token)
        elif token in _CLOSERS and stack:
            stack.pop()
        bare = bool(_ELLIPSIS.fullmatch(token))
        first = index - 2 if bare and index >= 2 and tokens[index - 1][0] == ":" else index
        before = tokens[first - 1][0] if first else ""
        after = tokens[index + 1][0] if index + 1 < len(tokens) else ""
        quoted = (
            token[:1] == '"'
            and bool(_ELLIPSIS.fullmatch(token[1:-1].strip()))
            and stack[-1:] == ["{"]
            and before in ("{", ",")
            and after != ":"
        )
        if not (bare or quoted):
            continue
        drop.update(range(first, index + 1))
        closing = tokens[index + 2][0] if index + 2 < len(tokens) else ""
        if after == ",":
            drop.add(index + 1)
        # `, ...}` and `, ..., }`: the elision ends the list, so no comma joins anything.
        if before == "," and (after in _CLOSERS or (after == "," and closing in _CLOSERS)):
            drop.add(first - 1)
    if not drop:
        return None
    out: list[str] = []
    last = 0
    for index, (_, start, end) in enumerate(tokens):
        if index in drop:  # blanked, not cut: columns and lines stay where they were
            out += [text[last:start], " " * (end - start)]
            last = end
    out.append(text[last:])
    return "".join(out)


def type_name(value: JSON) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def _same_type(expected: JSON, actual: JSON) -> bool:
    want, have = type_name(expected), type_name(actual)
    # A documented 1.5 accepts 2: JSON has one number type, the docs chose a value.
    return want == have or (want == "number" and have == "integer")


def shape_differences(
    expected: JSON, actual: JSON, *, allow_extra_keys: bool = True, where: str = "$"
) -> list[str]:
    """How `actual` differs in shape (keys, value types) from the documented `expected`.

    Values may differ. Every element of an array is compared with the documented
    element it fits best. A documented null accepts any value.
    """
    if expected is None:
        return []
    if not _same_type(expected, actual):
        return [f"{where}: documented {type_name(expected)}, got {type_name(actual)}"]
    problems: list[str] = []
    if isinstance(expected, dict):
        for key in expected:
            if key not in actual:
                problems.append(f"{where}: key {key!r} is missing")
            else:
                problems += shape_differences(
                    expected[key],
                    actual[key],
                    allow_extra_keys=allow_extra_keys,
                    where=f"{where}.{key}",
                )
        if not allow_extra_keys:
            extra = [k for k in actual if k not in expected]
            if extra:
                problems.append(f"{where}: undocumented keys {', '.join(map(repr, extra))}")
    elif isinstance(expected, list) and expected:
        for index, item in enumerate(actual):
            # The documented element that fits best: docs may show elements of two kinds.
            models = [e for e in expected if _same_type(e, item)] or expected[:1]
            found = min(
                (
                    shape_differences(
                        model, item, allow_extra_keys=allow_extra_keys, where=f"{where}[{index}]"
                    )
                    for model in models
                ),
                key=len,
            )
            problems += found
            if len(problems) >= 10:
                break
    return problems


def infer_schema(value: JSON) -> dict[str, JSON]:
    """A JSON schema that the example satisfies, as tight as one example allows."""
    kind = type_name(value)
    if kind == "null":
        return {}
    if kind == "object":
        return {
            "type": "object",
            "properties": {k: infer_schema(v) for k, v in value.items()},
            "required": list(value),
        }
    if kind == "array":
        if not value:
            return {"type": "array"}
        items = infer_schema(value[0])
        for item in value[1:]:
            items = merge_schemas(items, infer_schema(item))
        return {"type": "array", "items": items}
    return {"type": kind}


def merge_schemas(a: dict[str, JSON], b: dict[str, JSON]) -> dict[str, JSON]:
    """A schema accepting what either accepts (for the elements of one array)."""
    if not a or not b:
        return {}
    if a.get("type") == "object" and b.get("type") == "object":
        props = dict(a.get("properties", {}))
        for key, schema in b.get("properties", {}).items():
            props[key] = merge_schemas(props[key], schema) if key in props else schema
        required = [k for k in a.get("required", []) if k in b.get("required", [])]
        return {"type": "object", "properties": props, "required": required}
    if a.get("type") == "array" and b.get("type") == "array":
        if "items" in a and "items" in b:
            return {"type": "array", "items": merge_schemas(a["items"], b["items"])}
        return a if "items" in a else b  # an empty example array says nothing of its items
    if a.get("type") == b.get("type"):
        return a
    if {a.get("type"), b.get("type")} == {"integer", "number"}:
        return {"type": "number"}
    return {}
