"""Named checks: small functions over exchanges that raise a `Finding`.

Each is registered once (`registry.check`) with its stable name (the name in test ids,
the JSON report and the defect catalogue), the behaviour it guards, the docs line it
quotes, the readings (docs/readings.md) and RFC 9110 sections it rests on, and its
level: a `failure` breaks the docs, HTTP or a reading; a `warning` looks beyond them
(reading 15). The suites mark and call them; this module never imports pytest.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

import fastjsonschema

from vanceqa.client import Exchange
from vanceqa.conformance.registry import (
    DOCS,
    FAILURE,
    REGISTRY,
    WARNING,
    Check,
    check,
    level_of,
)
from vanceqa.contract import Contract

__all__ = ["DOCS", "FAILURE", "REGISTRY", "WARNING", "Check", "check", "level_of"]


# -- helpers -------------------------------------------------------------------------


def _status_text(status: int) -> str:
    if status >= 500:
        return f"{status} (a server error: never acceptable)"
    if status == 418:
        return "418 (listed in the error table but tied to no request: unexpected)"
    return str(status)


def _statuses_text(allowed: Collection[int]) -> str:
    """'404 or 410'; a run of statuses as a range: '200-299 or 405'."""
    runs: list[list[int]] = []
    for status in sorted(allowed):
        if runs and status == runs[-1][-1] + 1:
            runs[-1].append(status)
        else:
            runs.append([status])
    parts = [f"{run[0]}-{run[-1]}" if len(run) > 2 else " or ".join(map(str, run)) for run in runs]
    return " or ".join(parts)


def expect_status(check: Check, exchange: Exchange, allowed: Collection[int], what: str) -> None:
    if exchange.status not in allowed:
        wanted = _statuses_text(allowed)
        raise check.finding(
            exchange,
            f"{what}: expected {wanted}, got {_status_text(exchange.status)} "
            f"({exchange.describe()})",
        )


def json_body(check: Check, exchange: Exchange) -> Any:
    try:
        return exchange.json()
    except ValueError as exc:
        raise check.finding(exchange, f"the body is not JSON ({exc})") from None


def validate(
    check: Check, exchange: Exchange, contract: Contract, operation_id: str, body: Any
) -> None:
    validator = contract.validator(operation_id, exchange.status)
    if validator is None:
        return
    try:
        validator(body)
    except fastjsonschema.JsonSchemaException as exc:
        raise check.finding(
            exchange,
            f"the {operation_id} {exchange.status} body breaks the contract's schema: "
            f"{getattr(exc, 'message', exc)}",
        ) from None


def ids_of(check: Check, exchange: Exchange, body: Any) -> list[int]:
    if not isinstance(body, list):
        raise check.finding(exchange, "the list is not a JSON array")
    ids: list[int] = []
    for entry in body:
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), int):
            raise check.finding(exchange, f"a list entry has no integer id: {entry!r:.120}")
        ids.append(entry["id"])
    return ids


# -- auth ------------------------------------------------------------------------------


def _refused(check: Check, exchange: Exchange) -> None:
    expect_status(check, exchange, {401}, "the request is not authenticated")


AUTH_NO_TOKEN = check(
    "auth_no_token", "A request without a token is refused with 401", 401, readings=(2,)
)(_refused)
AUTH_EMPTY_TOKEN = check(
    "auth_empty_token", "A request with an empty token is refused with 401", 401, readings=(2,)
)(_refused)
AUTH_WRONG_TOKEN = check(
    "auth_wrong_token", "A request with a wrong token is refused with 401", 401, readings=(2,)
)(_refused)
AUTH_BEARER_TOKEN = check(
    "auth_bearer_token",
    "The token travels raw in Authorization; `Bearer <token>` is refused with 401",
    "auth",
    readings=(2,),
)(_refused)


@check(
    "auth_hidden_regular",
    "A regular token gets 403 on a kitten hidden for admins",
    403,
    readings=(3,),
)
def AUTH_HIDDEN_REGULAR(check: Check, exchange: Exchange) -> None:
    expect_status(check, exchange, {403}, "regular token on a hidden kitten")


@check(
    "auth_hidden_admin",
    "An administrator token gets the hidden kitten (200)",
    403,
    readings=(3,),
    waiver="an admin refused a hidden kitten is also refused the kitten it saw listed: "
    "shape_item_schema and shape_item_equals_list (admin) fail with it",
)
def AUTH_HIDDEN_ADMIN(
    check: Check, exchange: Exchange, contract: Contract, operation_id: str, kitten_id: int
) -> None:
    expect_status(check, exchange, {200}, "admin token on a hidden kitten")
    body = json_body(check, exchange)
    validate(check, exchange, contract, operation_id, body)
    if body.get("id") != kitten_id:
        raise check.finding(exchange, f"asked for kitten {kitten_id}, got id {body.get('id')!r}")


@check(
    "auth_token_accepted",
    "A valid token is accepted (200) on every read",
    "auth",
    readings=(2, 3),
    waiver="a valid token refused is refused to every read check that uses it too; this "
    "one names the cause",
)
def AUTH_TOKEN_ACCEPTED(check: Check, exchange: Exchange) -> None:
    expect_status(check, exchange, {200}, "a valid token")


# -- query parameters ------------------------------------------------------------------


@check(
    "param_flag_values",
    "Each list flag accepts `true` and `false` (200)",
    "include_cats",
    readings=(4,),
    waiver="every list check sends the flags: a refused spelling fails them all; this one "
    "names the cause",
)
def PARAM_FLAG_VALUES(check: Check, exchange: Exchange, contract: Contract) -> None:
    expect_status(check, exchange, {200}, "a documented flag value")
    validate(check, exchange, contract, "listKittens", json_body(check, exchange))


def _kitten_key(entry: Any) -> str:
    return repr(sorted(entry.items())) if isinstance(entry, dict) else repr(entry)


@check(
    "param_default",
    "Leaving a flag out gives the same list as sending its documented default",
    "include_cats",
    readings=(4,),
)
def PARAM_DEFAULT(
    check: Check, omitted: Exchange, explicit: Exchange, flag: str, default: str
) -> None:
    expect_status(check, omitted, {200}, "the list without the flag")
    expect_status(check, explicit, {200}, f"the list with {flag}={default}")
    left = sorted(map(_kitten_key, json_body(check, omitted)))
    right = sorted(map(_kitten_key, json_body(check, explicit)))
    if left != right:
        only_omitted = len(set(left) - set(right))
        only_explicit = len(set(right) - set(left))
        raise check.finding(
            omitted,
            f"without {flag} the list differs from {flag}={default} (the documented default): "
            f"{only_omitted} entries only without it, {only_explicit} only with it "
            f"(compare: {explicit.curl()})",
            docs=DOCS.get(flag, ""),
        )


# Reading 4: spellings that common frameworks read as a boolean, in any letter case.
TRUTH_SPELLINGS = frozenset({"true", "1", "yes", "on", "t", "y"})
FALSEHOOD_SPELLINGS = frozenset({"false", "0", "no", "off", "f", "n"})


def flag_meaning(value: str) -> str | None:
    """What a flag value may mean under reading 4: "true", "false", "default" (empty),
    or None for a value no common framework reads as a boolean (which must be 400)."""
    if value == "":
        return "default"
    if value.lower() in TRUTH_SPELLINGS:
        return "true"
    if value.lower() in FALSEHOOD_SPELLINGS:
        return "false"
    return None


@check(
    "param_malformed",
    "A flag value no common framework reads as a boolean is refused with 400",
    400,
    readings=(4,),
)
def PARAM_MALFORMED(check: Check, exchange: Exchange, flag: str, value: str) -> None:
    expect_status(check, exchange, {400}, f"{flag}={value!r} (no spelling of true or false)")


@check(
    "param_spelling",
    "Another spelling of true/false/empty is refused with 400 or means what it says",
    "include_cats",
    readings=(4,),
)
def PARAM_SPELLING(
    check: Check,
    exchange: Exchange,
    flag: str,
    value: str,
    meant: Exchange,
    meaning: str,
) -> None:
    """`meant` is the list of the spelling's meaning (`flag=true`, `flag=false`, no flag)."""
    expect_status(check, exchange, {200, 400}, f"{flag}={value!r} (refuse it or read it)")
    if exchange.status == 400:
        return
    expect_status(check, meant, {200}, f"the list for {meaning}")
    got = sorted(map(_kitten_key, json_body(check, exchange)))
    want = sorted(map(_kitten_key, json_body(check, meant)))
    if got != want:
        raise check.finding(
            exchange,
            f"{flag}={value!r} was accepted (200) but does not give the list {meaning} gives "
            f"({len(set(got) - set(want))} entries only with {value!r}, "
            f"{len(set(want) - set(got))} only with {meaning}; compare: {meant.curl()})",
            docs=DOCS[flag],
        )


@check(
    "param_superset",
    "include_cats=true and available=false each return a superset of the default list",
    "include_cats",
    readings=(4,),
)
def PARAM_SUPERSET(check: Check, default: Exchange, widened: Exchange, flag: str) -> None:
    expect_status(check, default, {200}, "the default list")
    expect_status(check, widened, {200}, f"the list with {flag}")
    base = set(ids_of(check, default, json_body(check, default)))
    wide = set(ids_of(check, widened, json_body(check, widened)))
    missing = sorted(base - wide)
    if missing:
        raise check.finding(
            widened,
            f"{flag} must return a superset of the default list, but lacks ids {missing[:10]} "
            f"(default list: {default.curl()})",
            docs=DOCS.get(flag, ""),
        )


# -- path id ---------------------------------------------------------------------------


@check("id_unknown", "An unknown kitten id answers 404", 404, readings=(6,))
def ID_UNKNOWN(check: Check, exchange: Exchange) -> None:
    expect_status(check, exchange, {404}, "an id no kitten has")


@check(
    "id_malformed",
    "A malformed id answers 400 or 404, never a server error",
    400,
    readings=(6, 12),
)
def ID_MALFORMED(check: Check, exchange: Exchange) -> None:
    expect_status(check, exchange, {400, 404}, "a malformed id")


@check(
    "id_huge",
    "An id however large answers 400 or 404, never a server error",
    404,
    readings=(6, 12),
)
def ID_HUGE(check: Check, exchange: Exchange) -> None:
    expect_status(check, exchange, {400, 404}, "an id beyond any integer type")


# -- response shapes -------------------------------------------------------------------


@check(
    "shape_list_schema",
    "The list is a JSON array of kittens (contract schema)",
    "list",
    readings=(5,),
)
def SHAPE_LIST_SCHEMA(check: Check, exchange: Exchange, contract: Contract) -> None:
    expect_status(check, exchange, {200}, "the list")
    validate(check, exchange, contract, "listKittens", json_body(check, exchange))


@check(
    "shape_item_schema",
    "A kitten fetched alone has the documented fields",
    "item",
    readings=(5,),
    waiver="a kitten broken alone also differs from its list entry (shape_item_equals_list); "
    "broken in the list too, shape_list_schema sees it: the three guard each other",
)
def SHAPE_ITEM_SCHEMA(check: Check, exchange: Exchange, contract: Contract, kitten_id: int) -> None:
    expect_status(check, exchange, {200}, f"kitten {kitten_id}, listed for this token")
    body = json_body(check, exchange)
    validate(check, exchange, contract, "getKitten", body)
    if body.get("id") != kitten_id:
        raise check.finding(exchange, f"asked for kitten {kitten_id}, got id {body.get('id')!r}")


@check(
    "shape_item_equals_list",
    "A kitten fetched alone equals its entry in the list",
    "item",
    readings=(5,),
)
def SHAPE_ITEM_EQUALS_LIST(check: Check, exchange: Exchange, entry: Mapping[str, Any]) -> None:
    expect_status(check, exchange, {200}, "a listed kitten")
    body = json_body(check, exchange)
    if body != entry:
        diff = sorted(k for k in set(body) | set(entry) if body.get(k) != entry.get(k))
        raise check.finding(
            exchange, f"fields {diff} differ from the list entry {dict(entry)!r:.200}"
        )


@check(
    "shape_content_type",
    "A response with a body declares Content-Type application/json",
    "json",
    readings=(7,),
)
def SHAPE_CONTENT_TYPE(check: Check, exchange: Exchange) -> None:
    if exchange.body and not exchange.is_json_type:
        raise check.finding(
            exchange,
            f"Content-Type is {exchange.content_type or '(none)'!r} for a "
            f"{exchange.status} with a body",
        )


@check(
    "shape_body_schema",
    "Every response body matches the contract for its status (errors from the error table)",
    500,
    readings=(7, 12, 13),
    waiver="it restates, across operations, what each status check demands one by one: "
    "whatever it catches, the check of that status catches too",
)
def SHAPE_BODY_SCHEMA(
    check: Check, exchange: Exchange, contract: Contract, operation_id: str
) -> None:
    if exchange.status >= 500 or exchange.status == 418:
        raise check.finding(exchange, f"unexpected status {_status_text(exchange.status)}")
    if exchange.status not in contract.operation(operation_id).statuses:
        raise check.finding(exchange, f"{exchange.status} is not documented for {operation_id}")
    if exchange.body:
        validate(check, exchange, contract, operation_id, json_body(check, exchange))


# -- protocol --------------------------------------------------------------------------


@check(
    "protocol_405",
    "A method the docs do not give for a path answers 405",
    405,
    rfc="RFC 9110 §15.5.6",
    readings=(8,),
)
def PROTOCOL_405(check: Check, exchange: Exchange) -> None:
    expect_status(check, exchange, {405}, f"{exchange.method} is not documented for this path")


def allow_methods(exchange: Exchange, header: str = "allow") -> set[str]:
    raw = exchange.headers.get(header)
    return {m.strip().upper() for m in raw.split(",") if m.strip()} if raw else set()


def _allow_problem(exchange: Exchange, documented: Sequence[str]) -> str | None:
    """What is wrong with a 405's Allow (reading 8), or None."""
    if "allow" not in exchange.headers:
        return "the 405 has no Allow header (RFC 9110 §15.5.6)"
    named = allow_methods(exchange)
    missing = [m for m in documented if m not in named]
    if missing or exchange.method in named:
        return (
            f"Allow is {exchange.headers['allow']!r}: it must name at least "
            f"{', '.join(documented)} (HEAD and OPTIONS may be named too), and not "
            f"{exchange.method}, the method it refused"
        )
    return None


@check(
    "protocol_405_allow",
    "A 405 carries an Allow header naming the documented methods",
    405,
    rfc="RFC 9110 §15.5.6",
    readings=(8,),
)
def PROTOCOL_405_ALLOW(check: Check, exchange: Exchange, documented: Sequence[str]) -> None:
    expect_status(check, exchange, {405}, f"{exchange.method} is not documented for this path")
    problem = _allow_problem(exchange, documented)
    if problem:
        raise check.finding(exchange, problem)


def _looks_like_kittens(body: Any) -> bool:
    entries = body if isinstance(body, list) else [body]
    return bool(entries) and all(isinstance(e, dict) and "id" in e for e in entries)


@check(
    "protocol_options",
    "OPTIONS answers 405 with Allow, or 2xx naming the documented methods in Allow (or CORS)",
    405,
    rfc="RFC 9110 §9.3.7, §15.5.6",
    readings=(8,),
)
def PROTOCOL_OPTIONS(check: Check, exchange: Exchange, documented: Sequence[str]) -> None:
    # Reading 8: 405, or any 2xx a framework or CORS layer answers OPTIONS with.
    expect_status(check, exchange, {405, *range(200, 300)}, "OPTIONS (405, or a 2xx)")
    if exchange.status == 405:
        problem = _allow_problem(exchange, documented)
        if problem:
            raise check.finding(exchange, problem)
        return
    headers = ("allow", "access-control-allow-methods")
    if not any(set(documented) <= allow_methods(exchange, h) for h in headers):
        shown = {h: exchange.headers.get(h) for h in headers if h in exchange.headers}
        raise check.finding(
            exchange,
            f"a {exchange.status} to OPTIONS must name at least {', '.join(documented)} in "
            f"Allow or Access-Control-Allow-Methods; it sent {shown or 'neither'}",
        )
    if exchange.body and exchange.is_json_type:
        try:
            body = exchange.json()
        except ValueError:
            return
        if _looks_like_kittens(body):
            raise check.finding(
                exchange,
                "the OPTIONS answer carries the kittens themselves: the server ran GET "
                "instead of describing the methods (RFC 9110 §9.3.7)",
            )


@check("protocol_406", "An Accept header that admits no JSON answers 406", 406, readings=(9,))
def PROTOCOL_406(check: Check, exchange: Exchange) -> None:
    expect_status(check, exchange, {406}, "Accept admits no JSON")


@check(
    "protocol_accept_json", "No Accept, */* or application/json get JSON (200)", 406, readings=(9,)
)
def PROTOCOL_ACCEPT_JSON(check: Check, exchange: Exchange) -> None:
    expect_status(check, exchange, {200}, "an Accept header that admits JSON")
    if not exchange.is_json_type:
        raise check.finding(exchange, f"Content-Type is {exchange.content_type!r}, not JSON")


# -- state (destructive) ---------------------------------------------------------------


@check(
    "state_delete_answer", 'DELETE answers {"id": <id>, "deleted": ...}', "delete", readings=(5, 14)
)
def STATE_DELETE_ANSWER(
    check: Check, exchange: Exchange, contract: Contract, kitten_id: int
) -> None:
    expect_status(check, exchange, {200}, f"DELETE of live kitten {kitten_id}")
    body = json_body(check, exchange)
    validate(check, exchange, contract, "deleteKitten", body)
    if body.get("id") != kitten_id:
        raise check.finding(exchange, f"deleted {kitten_id}, the answer says id {body.get('id')!r}")


@check("state_get_after_delete", "After DELETE, GET of that id answers 410", 410, readings=(10,))
def STATE_GET_AFTER_DELETE(check: Check, exchange: Exchange) -> None:
    expect_status(check, exchange, {410}, "GET of a deleted kitten")


@check(
    "state_gone_from_lists",
    "A deleted kitten is in no list, whatever the flags",
    410,
    readings=(10,),
)
def STATE_GONE_FROM_LISTS(check: Check, exchanges: Iterable[Exchange], kitten_id: int) -> None:
    for exchange in exchanges:
        expect_status(check, exchange, {200}, "a list")
        if kitten_id in ids_of(check, exchange, json_body(check, exchange)):
            raise check.finding(exchange, f"deleted kitten {kitten_id} is still listed")


@check(
    "state_repeat_delete",
    "Deleting a deleted kitten again answers 410 or 404",
    410,
    readings=(10,),
)
def STATE_REPEAT_DELETE(check: Check, exchange: Exchange) -> None:
    expect_status(check, exchange, {404, 410}, "a second DELETE of the same kitten")


@check(
    "state_live_listed",
    "A kitten nobody deleted is still there (GET 200, listed)",
    "item",
    readings=(10,),
)
def STATE_LIVE_LISTED(check: Check, exchange: Exchange, listed: bool, kitten_id: int) -> None:
    expect_status(check, exchange, {200}, f"GET of kitten {kitten_id}, never deleted")
    if not listed:
        raise check.finding(exchange, f"kitten {kitten_id} was never deleted but is not listed")


# -- warnings: beyond the docs (reading 15) --------------------------------------------


def _shape(body: Any) -> str:
    if isinstance(body, dict):
        return "{" + ", ".join(sorted(map(str, body))) + "}"
    return type(body).__name__


@check(
    "consistency_error_shape",
    "Error bodies share one shape across endpoints and statuses",
    400,
    readings=(7, 15),
    level=WARNING,
)
def CONSISTENCY_ERROR_SHAPE(check: Check, exchanges: Iterable[Exchange]) -> None:
    shapes: dict[str, list[Exchange]] = {}
    for exchange in exchanges:
        if exchange.status < 400 or not exchange.body or not exchange.is_json_type:
            continue
        try:
            body = exchange.json()
        except ValueError:
            continue  # not JSON: shape_content_type and shape_body_schema judge that
        shapes.setdefault(_shape(body), []).append(exchange)
    if len(shapes) > 1:
        seen = "; ".join(
            f"{shape} on "
            + ", ".join(f"{e.status} {e.method} {urlsplit(e.url).path}" for e in found[:3])
            for shape, found in shapes.items()
        )
        first = list(shapes.values())[-1][0]
        raise check.finding(first, f"error bodies come in {len(shapes)} shapes: {seen}")


@check(
    "consistency_list_order",
    "The same list request twice gives the kittens in the same order",
    "list",
    readings=(5, 15),
    level=WARNING,
)
def CONSISTENCY_LIST_ORDER(check: Check, first: Exchange, second: Exchange) -> None:
    expect_status(check, first, {200}, "the list")
    expect_status(check, second, {200}, "the list again")
    before = ids_of(check, first, json_body(check, first))
    after = ids_of(check, second, json_body(check, second))
    if sorted(before) == sorted(after) and before != after:
        raise check.finding(
            second,
            f"two identical list requests gave the kittens in different orders: "
            f"{before[:8]} then {after[:8]}",
        )


# -- composite tests: run other checks or a tool, named for the report ------------------


def _runs(check: Check, run: Callable[[], object]) -> None:
    run()


DOCS_EXAMPLE = check(
    "docs_example",
    "The docs' curl examples work as documented",
    "examples",
    readings=(1, 5),
    waiver="re-runs the docs' examples; each behaviour it sees has a hand-written check too",
)(_runs)
SCHEMATHESIS = check(
    "schemathesis",
    "Generated requests over the contract pass schemathesis' checks",
    400,
    readings=(4, 7, 8, 12),
    waiver="generated coverage overlaps the hand-written checks by design; its kill rate "
    "alone is measured by benchmarks/conformance_speed.py",
)(_runs)
STATE_MACHINE = check(
    "state_machine",
    "Interleaved list / get / delete keep the state_* invariants",
    410,
    readings=(10, 14),
    waiver="runs the state_* checks in random order; their defects are its defects",
)(_runs)
