"""Named checks: small functions over exchanges that raise a `Finding`.

Modelled on schemathesis' `@check` registry: each check has a stable name (the name in
test ids, the JSON report and the defect catalogue), the documented behaviour it guards
and the line of the docs it quotes. The suites call them; they never import pytest.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import fastjsonschema

from vanceqa.client import Exchange
from vanceqa.contract import Contract
from vanceqa.errors import Finding

# Lines of the documentation the checks quote (fixtures/docs/index.html.md, _errors.md).
DOCS = {
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
}

CheckFunction = Callable[..., None]


@dataclass(frozen=True)
class Check:
    """A registered check: name, the behaviour it guards, and the docs line it quotes."""

    name: str
    behaviour: str
    docs_quote: str
    function: CheckFunction

    def __call__(self, *args: Any, **kwargs: Any) -> None:
        __tracebackhide__ = True  # a failure points at the suite's line, not at this module
        self.function(self, *args, **kwargs)

    def finding(self, exchange: Exchange | None, details: str, docs: str = "") -> Finding:
        """A failure of this check, quoting the docs and the exchange that broke it."""
        return Finding(
            check=self.name,
            behaviour=self.behaviour,
            docs_quote=docs or self.docs_quote,
            curl=exchange.curl() if exchange else "",
            status=exchange.status if exchange else None,
            body_excerpt=exchange.excerpt() if exchange else "",
            details=details,
        )


REGISTRY: dict[str, Check] = {}


def check(name: str, behaviour: str, docs: str) -> Callable[[CheckFunction], Check]:
    """Register a check function under `name`."""

    def register(function: CheckFunction) -> Check:
        if name in REGISTRY:
            raise ValueError(f"check {name!r} registered twice")
        REGISTRY[name] = registered = Check(name, behaviour, docs, function)
        return registered

    return register


def get(name: str) -> Check:
    return REGISTRY[name]


# -- helpers -------------------------------------------------------------------------


def _status_text(status: int) -> str:
    if status >= 500:
        return f"{status} (a server error: never acceptable)"
    if status == 418:
        return "418 (listed in the error table but tied to no request: unexpected)"
    return str(status)


def expect_status(check: Check, exchange: Exchange, allowed: Collection[int], what: str) -> None:
    if exchange.status not in allowed:
        wanted = " or ".join(str(s) for s in sorted(allowed))
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


AUTH_NO_TOKEN = check("auth_no_token", "A request without a token is refused with 401", DOCS[401])(
    _refused
)
AUTH_EMPTY_TOKEN = check(
    "auth_empty_token", "A request with an empty token is refused with 401", DOCS[401]
)(_refused)
AUTH_WRONG_TOKEN = check(
    "auth_wrong_token", "A request with a wrong token is refused with 401", DOCS[401]
)(_refused)
AUTH_BEARER_TOKEN = check(
    "auth_bearer_token",
    "The token travels raw in Authorization; `Bearer <token>` is refused with 401",
    DOCS["auth"],
)(_refused)


@check("auth_hidden_regular", "A regular token gets 403 on a kitten hidden for admins", DOCS[403])
def _hidden_regular(check: Check, exchange: Exchange) -> None:
    expect_status(check, exchange, {403}, "regular token on a hidden kitten")


@check("auth_hidden_admin", "An administrator token gets the hidden kitten (200)", DOCS[403])
def _hidden_admin(
    check: Check, exchange: Exchange, contract: Contract, operation_id: str, kitten_id: int
) -> None:
    expect_status(check, exchange, {200}, "admin token on a hidden kitten")
    body = json_body(check, exchange)
    validate(check, exchange, contract, operation_id, body)
    if body.get("id") != kitten_id:
        raise check.finding(exchange, f"asked for kitten {kitten_id}, got id {body.get('id')!r}")


@check("auth_token_accepted", "A valid token is accepted (200) on every read", DOCS["auth"])
def _token_accepted(check: Check, exchange: Exchange) -> None:
    expect_status(check, exchange, {200}, "a valid token")


# -- query parameters ------------------------------------------------------------------


@check("param_flag_values", "Each list flag accepts `true` and `false` (200)", DOCS[400])
def _flag_values(check: Check, exchange: Exchange, contract: Contract) -> None:
    expect_status(check, exchange, {200}, "a documented flag value")
    validate(check, exchange, contract, "listKittens", json_body(check, exchange))


def _kitten_key(entry: Any) -> str:
    return repr(sorted(entry.items())) if isinstance(entry, dict) else repr(entry)


@check(
    "param_default",
    "Leaving a flag out gives the same list as sending its documented default",
    DOCS["include_cats"],
)
def _default(check: Check, omitted: Exchange, explicit: Exchange, flag: str, default: str) -> None:
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


@check("param_malformed", "A flag value other than `true`/`false` is refused with 400", DOCS[400])
def _malformed_flag(check: Check, exchange: Exchange, flag: str, value: str) -> None:
    expect_status(check, exchange, {400}, f"{flag}={value!r} (neither true nor false)")


@check(
    "param_superset",
    "include_cats=true and available=false each return a superset of the default list",
    DOCS["include_cats"],
)
def _superset(check: Check, default: Exchange, widened: Exchange, flag: str) -> None:
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


@check("id_unknown", "An unknown kitten id answers 404", DOCS[404])
def _unknown(check: Check, exchange: Exchange) -> None:
    expect_status(check, exchange, {404}, "an id no kitten has")


@check("id_malformed", "A malformed id answers 400 or 404, never a server error", DOCS[400])
def _malformed_id(check: Check, exchange: Exchange) -> None:
    expect_status(check, exchange, {400, 404}, "a malformed id")


@check("id_huge", "An id however large answers 400 or 404, never a server error", DOCS[404])
def _huge_id(check: Check, exchange: Exchange) -> None:
    expect_status(check, exchange, {400, 404}, "an id beyond any integer type")


# -- response shapes -------------------------------------------------------------------


@check("shape_list_schema", "The list is a JSON array of kittens (contract schema)", DOCS["list"])
def _list_schema(check: Check, exchange: Exchange, contract: Contract) -> None:
    expect_status(check, exchange, {200}, "the list")
    validate(check, exchange, contract, "listKittens", json_body(check, exchange))


@check("shape_item_schema", "A kitten fetched alone has the documented fields", DOCS["item"])
def _item_schema(check: Check, exchange: Exchange, contract: Contract, kitten_id: int) -> None:
    expect_status(check, exchange, {200}, f"kitten {kitten_id}, listed for this token")
    body = json_body(check, exchange)
    validate(check, exchange, contract, "getKitten", body)
    if body.get("id") != kitten_id:
        raise check.finding(exchange, f"asked for kitten {kitten_id}, got id {body.get('id')!r}")


@check(
    "shape_item_equals_list",
    "A kitten fetched alone equals its entry in the list",
    DOCS["item"],
)
def _item_equals(check: Check, exchange: Exchange, entry: Mapping[str, Any]) -> None:
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
    DOCS["json"],
)
def _content_type(check: Check, exchange: Exchange) -> None:
    if exchange.body and not exchange.is_json_type:
        raise check.finding(
            exchange,
            f"Content-Type is {exchange.content_type or '(none)'!r} for a "
            f"{exchange.status} with a body",
        )


@check(
    "shape_body_schema",
    "Every response body matches the contract for its status (errors from the error table)",
    DOCS[500],
)
def _body_schema(check: Check, exchange: Exchange, contract: Contract, operation_id: str) -> None:
    if exchange.status >= 500 or exchange.status == 418:
        raise check.finding(exchange, f"unexpected status {_status_text(exchange.status)}")
    if exchange.status not in contract.operation(operation_id).statuses:
        raise check.finding(exchange, f"{exchange.status} is not documented for {operation_id}")
    if exchange.body:
        validate(check, exchange, contract, operation_id, json_body(check, exchange))


# -- protocol --------------------------------------------------------------------------


@check("protocol_405", "A method the docs do not give answers 405", DOCS[405])
def _not_allowed(check: Check, exchange: Exchange) -> None:
    expect_status(check, exchange, {405}, f"{exchange.method} is not documented for this path")


def allow_methods(exchange: Exchange) -> set[str]:
    raw = exchange.headers.get("allow")
    return {m.strip().upper() for m in raw.split(",") if m.strip()} if raw else set()


@check(
    "protocol_405_allow",
    "A 405 carries an Allow header naming the documented methods (RFC 9110 §15.5.6)",
    DOCS[405],
)
def _allow(check: Check, exchange: Exchange, documented: Sequence[str]) -> None:
    expect_status(check, exchange, {405}, f"{exchange.method} is not documented for this path")
    if "allow" not in exchange.headers:
        raise check.finding(exchange, "the 405 has no Allow header (RFC 9110 §15.5.6)")
    named = allow_methods(exchange)
    missing = [m for m in documented if m not in named]
    if missing or exchange.method in named:
        raise check.finding(
            exchange,
            f"Allow is {exchange.headers['allow']!r}: it must name {', '.join(documented)}"
            f" and not {exchange.method}",
        )


@check("protocol_406", "An Accept header that admits no JSON answers 406", DOCS[406])
def _not_acceptable(check: Check, exchange: Exchange) -> None:
    expect_status(check, exchange, {406}, "Accept admits no JSON")


@check("protocol_accept_json", "No Accept, */* or application/json get JSON (200)", DOCS[406])
def _accept_json(check: Check, exchange: Exchange) -> None:
    expect_status(check, exchange, {200}, "an Accept header that admits JSON")
    if not exchange.is_json_type:
        raise check.finding(exchange, f"Content-Type is {exchange.content_type!r}, not JSON")


# -- state (destructive) ---------------------------------------------------------------


@check("state_delete_answer", 'DELETE answers {"id": <id>, "deleted": ...}', DOCS["delete"])
def _delete_answer(check: Check, exchange: Exchange, contract: Contract, kitten_id: int) -> None:
    expect_status(check, exchange, {200}, f"DELETE of live kitten {kitten_id}")
    body = json_body(check, exchange)
    validate(check, exchange, contract, "deleteKitten", body)
    if body.get("id") != kitten_id:
        raise check.finding(exchange, f"deleted {kitten_id}, the answer says id {body.get('id')!r}")


@check("state_get_after_delete", "After DELETE, GET of that id answers 410", DOCS[410])
def _gone(check: Check, exchange: Exchange) -> None:
    expect_status(check, exchange, {410}, "GET of a deleted kitten")


@check("state_gone_from_lists", "A deleted kitten is in no list, whatever the flags", DOCS[410])
def _not_listed(check: Check, exchanges: Iterable[Exchange], kitten_id: int) -> None:
    for exchange in exchanges:
        expect_status(check, exchange, {200}, "a list")
        if kitten_id in ids_of(check, exchange, json_body(check, exchange)):
            raise check.finding(exchange, f"deleted kitten {kitten_id} is still listed")


@check("state_repeat_delete", "Deleting a deleted kitten again answers 410 or 404", DOCS[410])
def _repeat_delete(check: Check, exchange: Exchange) -> None:
    expect_status(check, exchange, {404, 410}, "a second DELETE of the same kitten")


@check(
    "state_live_listed",
    "A kitten nobody deleted is still there (GET 200, listed)",
    DOCS["item"],
)
def _live(check: Check, exchange: Exchange, listed: bool, kitten_id: int) -> None:
    expect_status(check, exchange, {200}, f"GET of kitten {kitten_id}, never deleted")
    if not listed:
        raise check.finding(exchange, f"kitten {kitten_id} was never deleted but is not listed")
