"""What the suites in conformance/ share: ids to use, skips, and generated inputs.

Nothing here knows the mock's data: ids come from what the target lists and from the
user's options, so the suites pass against any server that keeps the documentation.
"""

from __future__ import annotations

import contextlib
import math

import pytest
from hypothesis import strategies as st

from vanceqa.conformance.checks import flag_meaning
from vanceqa.conformance.session import Inventory
from vanceqa.contract import Operation, default_contract
from vanceqa.target import TargetConfig

CONTRACT = default_contract()
OPERATIONS = CONTRACT.operations
OPERATION_IDS = [op.operation_id for op in OPERATIONS]
READ_OPERATION_IDS = [op.operation_id for op in OPERATIONS if op.method == "GET"]
FLAGS = {p.name: p for p in CONTRACT.operation("listKittens").query_parameters()}
# Methods the docs give for no path; each must answer 405 with Allow (reading 8). OPTIONS
# is judged apart (protocol_options): frameworks answer it themselves, with a 2xx.
UNDOCUMENTED_METHODS = ("PUT", "PATCH", "POST", "TRACE", "DELETE")
FLAG_VALUES = ("true", "false")

DESTRUCTIVE_SKIP = (
    "destructive check: needs --destructive and at least one --delete-id "
    "(VANCEQA_DESTRUCTIVE=1, VANCEQA_DELETE_IDS); DELETE on a shared server destroys data"
)


def flag_text(value: object) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def require_delete(target: TargetConfig) -> tuple[int, ...]:
    if not target.may_delete:
        pytest.skip(DESTRUCTIVE_SKIP)
    return target.delete_ids


def require_admin(target: TargetConfig) -> str:
    if not target.admin_token:
        pytest.skip("admin check: needs --admin-token (VANCEQA_ADMIN_TOKEN)")
    return target.admin_token


def require_hidden(target: TargetConfig) -> tuple[int, ...]:
    if not target.hidden_ids:
        pytest.skip("403 check: needs --hidden-id (VANCEQA_HIDDEN_IDS), ids hidden for admins")
    return target.hidden_ids


def live_id(inventory: Inventory) -> int:
    """A kitten the regular token saw listed at the start."""
    ids = inventory.read_ids()
    if not ids:
        pytest.skip("the target listed no kitten for the regular token: no id to test with")
    return ids[0]


def target_id(operation: Operation, target: TargetConfig, inventory: Inventory) -> int:
    """An existing id to send `operation` to; DELETE only on a permitted id."""
    if operation.method == "DELETE":
        # Not a kitten hidden for admins: its 403 may rightly come before the status checked.
        permitted = require_delete(target)
        return next((i for i in permitted if i not in target.hidden_ids), permitted[0])
    return live_id(inventory)


def path_for(operation: Operation, kitten_id: object = None) -> str:
    return operation.url_path(id=kitten_id) if "{id}" in operation.path else operation.path


def unknown_id_floor(inventory: Inventory, target: TargetConfig) -> int:
    """Ids from here on are far beyond any id the target showed or the user named."""
    highest = max([*inventory.all_ids(), *target.hidden_ids, *target.delete_ids, 0])
    # Far above every known id, yet well inside 64 bits (past that, 400 is allowed too).
    return min(highest * 1000, highest + 2**40) + 1_000_000


# -- generated inputs --------------------------------------------------------------------

# Near misses no framework reads as a boolean: always tried (as Hypothesis examples),
# then any text that is not a spelling of true, false or empty (reading 4).
FLAG_NEAR_MISSES = (" true", "false ", "tru", "truee", "null", "2", "-1", "banana", "ja", "TRUE!")
# Spellings frameworks commonly accept (reading 4): refused with 400, or read as meant.
FLAG_SPELLINGS = (
    *("True", "TRUE", "1", "yes", "on", "t", "Y"),
    *("False", "FALSE", "0", "no", "off", "f", "N"),
    "",
)


def malformed_flag_values() -> st.SearchStrategy[str]:
    """Any text that no common framework reads as a boolean."""
    return st.one_of(st.sampled_from(FLAG_NEAR_MISSES), st.text(max_size=20)).filter(
        lambda v: flag_meaning(v) is None
    )


# JavaScript's whitespace, which Number() trims (beyond Python's str.strip()).
_JS_SPACE = (
    "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
)
_JS_RADIX = {"0x": 16, "0o": 8, "0b": 2}


def _js_number(text: str) -> float | None:
    """What JavaScript's `Number(text)` gives (None for NaN): Express servers read ids so."""
    body = text.strip(_JS_SPACE)
    if not body:
        return 0.0
    if "_" in body:
        return None
    radix = _JS_RADIX.get(body[:2].lower())
    try:
        return float(int(body[2:], radix)) if radix is not None else float(body)
    except ValueError:
        return None


def lenient_positive_integer(text: str) -> bool:
    """Whether a parser servers commonly use reads `text` as a positive integer.

    Reading 6 calls abc, -1 and 1.5 malformed; it leaves open the spellings Python's
    `int` (" 1", "+1", "01", "1_0"), pydantic and JavaScript's `Number` ("1.0", "1e3",
    "0x10", "0b1") read as a positive integer: a server may answer that kitten for them,
    so no check may demand 400/404 for them.
    """
    readings: list[float | None] = [_js_number(text)]
    with contextlib.suppress(ValueError, OverflowError):
        readings.append(float(int(text)))
    with contextlib.suppress(ValueError, OverflowError):
        readings.append(float(text))
    return any(r is not None and math.isfinite(r) and r >= 1 and r == int(r) for r in readings)


def malformed_ids() -> st.SearchStrategy[str]:
    """Path ids that are not a positive integer by any common reading: words, signs,
    fractions, odd bytes; never a spelling reading 6 leaves open (`lenient_positive_integer`),
    a dot segment, or a slash that servers decode into another path."""
    return st.one_of(
        st.sampled_from(("abc", "-1", "1.5", "0x1g", "1e-3", "%00", "null")),
        st.integers(max_value=-1).map(str),
        st.floats(allow_nan=True, allow_infinity=True).map(repr),
        st.text(st.characters(codec="utf-8", exclude_characters="/\\"), min_size=1, max_size=24),
    ).filter(lambda v: not v.isdigit() and v not in (".", "..") and not lenient_positive_integer(v))


def huge_ids() -> st.SearchStrategy[str]:
    """Well-formed integers beyond 64 bits, up to hundreds of digits."""
    return st.one_of(
        st.integers(min_value=2**63 - 1, max_value=2**64 + 1),
        st.integers(min_value=2**64, max_value=10**400),
    ).map(str)
