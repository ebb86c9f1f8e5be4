"""What the suites in conformance/ share: ids to use, skips, and generated inputs.

Nothing here knows the mock's data: ids come from what the target lists and from the
user's options, so the suites pass against any server that keeps the documentation.
"""

from __future__ import annotations

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


def _lenient_positive_integer(text: str) -> bool:
    """Whether a lenient parser reads `text` as a positive integer (" 1", "+1", "01", "1_0").

    Reading 6 calls abc, -1 and 1.5 malformed; it does not settle these spellings of a
    valid id, so no check may demand 400/404 for them (a server may answer that kitten).
    """
    try:
        return int(text) > 0
    except ValueError:
        return False


def malformed_ids() -> st.SearchStrategy[str]:
    """Path ids that are not a positive integer: words, signs, decimals, odd bytes."""
    return st.one_of(
        st.sampled_from(("abc", "-1", "1.5", "0x10", "1e3", "%00", "null")),
        st.integers(max_value=-1).map(str),
        st.floats(allow_nan=True, allow_infinity=True).map(repr),
        st.text(min_size=1, max_size=24).filter(
            lambda v: not v.isdigit() and v not in (".", "..") and not _lenient_positive_integer(v)
        ),
    )


def huge_ids() -> st.SearchStrategy[str]:
    """Well-formed integers beyond 64 bits, up to hundreds of digits."""
    return st.one_of(
        st.integers(min_value=2**63 - 1, max_value=2**64 + 1),
        st.integers(min_value=2**64, max_value=10**400),
    ).map(str)
