"""Response shapes: bodies match the contract's schema for their status, responses with a
body say they are JSON, and each listed kitten fetched alone equals its list entry."""

from __future__ import annotations

import pytest

from vanceqa.conformance import checks
from vanceqa.conformance.session import FLAG_COMBINATIONS, flag_query
from vanceqa.conformance.suite import (
    CONTRACT,
    live_id,
    path_for,
    require_admin,
    require_hidden,
    unknown_id_floor,
)

# At most this many kittens are fetched one by one (a staging list may be long).
MAX_ITEMS = 60
LIST = CONTRACT.operation("listKittens")
ITEM = CONTRACT.operation("getKitten")
FLAG_CASES = [pytest.param(flags, id=flag_query(*flags)) for flags in FLAG_COMBINATIONS]


def _token(kind, target):
    return target.api_token if kind == "regular" else require_admin(target)


@checks.SHAPE_LIST_SCHEMA.mark(operation="listKittens")
@pytest.mark.parametrize("flags", FLAG_CASES)
@pytest.mark.parametrize("token_kind", ["regular", "admin"])
def test_list_schema(token_kind, flags, vanceqa_target, vanceqa_client, vanceqa_contract):
    token = _token(token_kind, vanceqa_target)
    exchange = vanceqa_client.get(LIST.path, query=flag_query(*flags), token=token)
    checks.SHAPE_LIST_SCHEMA(exchange, contract=vanceqa_contract)


def _listed(inventory, kind):
    entries = {}
    lists = inventory.lists if kind == "regular" else inventory.admin_lists
    for flags in FLAG_COMBINATIONS:
        for entry in lists.get(flags, []):
            entries.setdefault(entry.get("id"), entry)
    if not entries:
        pytest.skip(f"the target listed no kitten for the {kind} token")
    return list(entries.values())[:MAX_ITEMS]


@checks.SHAPE_ITEM_SCHEMA.mark(operation="getKitten")
@pytest.mark.parametrize("token_kind", ["regular", "admin"])
def test_item_schema(token_kind, vanceqa_target, vanceqa_inventory, vanceqa_client, vanceqa_defer):
    token = _token(token_kind, vanceqa_target)

    def check(entry):
        exchange = vanceqa_client.get(path_for(ITEM, entry["id"]), token=token)
        checks.SHAPE_ITEM_SCHEMA(exchange, contract=CONTRACT, kitten_id=entry["id"])

    for entry in _listed(vanceqa_inventory, token_kind):
        vanceqa_defer(check, entry)


@checks.SHAPE_ITEM_EQUALS_LIST.mark(operation="getKitten")
@pytest.mark.parametrize("token_kind", ["regular", "admin"])
def test_item_equals_list_entry(
    token_kind, vanceqa_target, vanceqa_inventory, vanceqa_client, vanceqa_defer
):
    token = _token(token_kind, vanceqa_target)

    def check(entry):
        exchange = vanceqa_client.get(path_for(ITEM, entry["id"]), token=token)
        checks.SHAPE_ITEM_EQUALS_LIST(exchange, entry=entry)

    for entry in _listed(vanceqa_inventory, token_kind):
        vanceqa_defer(check, entry)


# Requests that draw each documented status of the reads (410 comes from test_state.py):
# named operation-situation.
def _scenario(name, target, inventory, client):
    item = lambda kitten_id: path_for(ITEM, kitten_id)  # noqa: E731
    if name == "listKittens-ok":
        return client.get(LIST.path)
    if name == "listKittens-bad-flag":
        return client.get(LIST.path, query="include_cats=maybe")
    if name == "listKittens-no-token":
        return client.get(LIST.path, token="")
    if name == "listKittens-xml":
        return client.get(LIST.path, headers={"Accept": "application/xml"})
    if name == "getKitten-ok":
        return client.get(item(live_id(inventory)))
    if name == "getKitten-malformed-id":
        return client.get(item("not-an-id"))
    if name == "getKitten-no-token":
        return client.get(item(live_id(inventory)), token=None)
    if name == "getKitten-hidden":
        return client.get(item(require_hidden(target)[0]))
    if name == "getKitten-unknown":
        return client.get(item(unknown_id_floor(inventory, target)))
    if name == "getKitten-xml":
        return client.get(item(live_id(inventory)), headers={"Accept": "application/xml"})
    raise AssertionError(name)


SCENARIOS = [
    "listKittens-ok",
    "listKittens-bad-flag",
    "listKittens-no-token",
    "listKittens-xml",
    "getKitten-ok",
    "getKitten-malformed-id",
    "getKitten-no-token",
    "getKitten-hidden",
    "getKitten-unknown",
    "getKitten-xml",
]


@checks.SHAPE_CONTENT_TYPE.mark()
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_content_type(scenario, vanceqa_target, vanceqa_inventory, vanceqa_client):
    exchange = _scenario(scenario, vanceqa_target, vanceqa_inventory, vanceqa_client)
    checks.SHAPE_CONTENT_TYPE(exchange)


@checks.SHAPE_BODY_SCHEMA.mark()
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_body_schema(scenario, vanceqa_target, vanceqa_inventory, vanceqa_client):
    exchange = _scenario(scenario, vanceqa_target, vanceqa_inventory, vanceqa_client)
    operation = scenario.split("-")[0]
    checks.SHAPE_BODY_SCHEMA(exchange, contract=CONTRACT, operation_id=operation)


@checks.CONSISTENCY_ERROR_SHAPE.mark()
def test_error_shapes(vanceqa_target, vanceqa_inventory, vanceqa_client):
    # Every error the reads can draw, plus a 405 on each path: one body shape for all.
    exchanges = []
    for name in (n for n in SCENARIOS if not n.endswith("-ok")):
        try:
            exchanges.append(_scenario(name, vanceqa_target, vanceqa_inventory, vanceqa_client))
        except pytest.skip.Exception:
            continue  # e.g. no --hidden-id: that error is left out, the others compared
    exchanges.append(vanceqa_client.request("PUT", LIST.path))
    exchanges.append(vanceqa_client.request("PUT", path_for(ITEM, live_id(vanceqa_inventory))))
    checks.CONSISTENCY_ERROR_SHAPE(exchanges)
