"""Protocol: undocumented methods answer 405 with Allow; an Accept without JSON gets 406,
and the usual Accept values get JSON."""

from __future__ import annotations

import pytest

from vanceqa.conformance import checks
from vanceqa.conformance.suite import (
    CONTRACT,
    OPERATION_IDS,
    READ_OPERATION_IDS,
    UNDOCUMENTED_METHODS,
    live_id,
    path_for,
    target_id,
)


# One case per (path, undocumented method), named after the operation living at the path.
def _path_operation(path: str) -> str:
    return next(o.operation_id for o in CONTRACT.operations if o.path == path)


NOT_ALLOWED = [
    pytest.param(path, method, id=f"{_path_operation(path)}-{method}")
    for path in CONTRACT.paths()
    for method in UNDOCUMENTED_METHODS
    if method not in CONTRACT.methods_for(path)
]
ACCEPT_JSON = {"no-accept": None, "any": "*/*", "json": "application/json"}


def _send(path, method, inventory, client):
    # DELETE on the collection: the client sends it to the bundled mock only (reading 14).
    concrete = path.replace("{id}", str(live_id(inventory))) if "{id}" in path else path
    return client.request(method, concrete)


@checks.PROTOCOL_405.mark()
@pytest.mark.parametrize(("path", "method"), NOT_ALLOWED)
def test_method_not_allowed(path, method, vanceqa_inventory, vanceqa_client):
    exchange = _send(path, method, vanceqa_inventory, vanceqa_client)
    checks.PROTOCOL_405(exchange)


@checks.PROTOCOL_405_ALLOW.mark()
@pytest.mark.parametrize(("path", "method"), NOT_ALLOWED)
def test_allow_header(path, method, vanceqa_inventory, vanceqa_client):
    exchange = _send(path, method, vanceqa_inventory, vanceqa_client)
    if exchange.status != 405:
        # One check per behaviour: the status is protocol_405's to judge (its test sends
        # the same request); Allow is only a 405's to carry.
        pytest.skip(f"{exchange.describe()}: no 405, so no Allow to judge (see protocol_405)")
    checks.PROTOCOL_405_ALLOW(exchange, documented=CONTRACT.methods_for(path))


@checks.PROTOCOL_OPTIONS.mark()
@pytest.mark.parametrize("path", [pytest.param(p, id=_path_operation(p)) for p in CONTRACT.paths()])
def test_options(path, vanceqa_inventory, vanceqa_client):
    exchange = _send(path, "OPTIONS", vanceqa_inventory, vanceqa_client)
    checks.PROTOCOL_OPTIONS(exchange, documented=CONTRACT.methods_for(path))


@checks.CONSISTENCY_LIST_ORDER.mark(operation="listKittens")
def test_list_order(vanceqa_client):
    first = vanceqa_client.get(CONTRACT.operation("listKittens").path)
    second = vanceqa_client.get(CONTRACT.operation("listKittens").path)
    checks.CONSISTENCY_LIST_ORDER(first, second)


@checks.PROTOCOL_406.mark()
@pytest.mark.parametrize("operation", OPERATION_IDS)
def test_not_acceptable(operation, vanceqa_target, vanceqa_inventory, vanceqa_client):
    op = CONTRACT.operation(operation)
    path = path_for(op, target_id(op, vanceqa_target, vanceqa_inventory))
    exchange = vanceqa_client.request(op.method, path, headers={"Accept": "application/xml"})
    checks.PROTOCOL_406(exchange)


@checks.PROTOCOL_ACCEPT_JSON.mark()
@pytest.mark.parametrize("accept", list(ACCEPT_JSON))
@pytest.mark.parametrize("operation", READ_OPERATION_IDS)
def test_accept_json(operation, accept, vanceqa_inventory, vanceqa_client):
    op = CONTRACT.operation(operation)
    value = ACCEPT_JSON[accept]
    headers = {"Accept": value} if value else {}
    exchange = vanceqa_client.get(path_for(op, live_id(vanceqa_inventory)), headers=headers)
    checks.PROTOCOL_ACCEPT_JSON(exchange)
