"""Auth: every documented operation refuses a missing, empty, wrong or `Bearer` token
with 401; a regular token gets 403 on hidden kittens, an admin token gets them."""

from __future__ import annotations

import pytest

from vanceqa.client import TargetClient
from vanceqa.conformance import checks
from vanceqa.conformance.session import Inventory
from vanceqa.conformance.suite import (
    CONTRACT,
    OPERATION_IDS,
    path_for,
    require_admin,
    require_hidden,
    target_id,
)
from vanceqa.contract import Contract
from vanceqa.target import TargetConfig


def _send(
    operation_id: str,
    token: str | None,
    target: TargetConfig,
    inventory: Inventory,
    client: TargetClient,
):
    operation = CONTRACT.operation(operation_id)
    path = path_for(operation, target_id(operation, target, inventory))
    return client.request(operation.method, path, token=token)


@checks.AUTH_NO_TOKEN.mark()
@pytest.mark.parametrize("operation", OPERATION_IDS)
def test_no_token(operation, vanceqa_target, vanceqa_inventory, vanceqa_client):
    exchange = _send(operation, None, vanceqa_target, vanceqa_inventory, vanceqa_client)
    checks.AUTH_NO_TOKEN(exchange)


@checks.AUTH_EMPTY_TOKEN.mark()
@pytest.mark.parametrize("operation", OPERATION_IDS)
def test_empty_token(operation, vanceqa_target, vanceqa_inventory, vanceqa_client):
    exchange = _send(operation, "", vanceqa_target, vanceqa_inventory, vanceqa_client)
    checks.AUTH_EMPTY_TOKEN(exchange)


@checks.AUTH_WRONG_TOKEN.mark()
@pytest.mark.parametrize("operation", OPERATION_IDS)
def test_wrong_token(operation, vanceqa_target, vanceqa_inventory, vanceqa_client):
    # A near miss of the real token: a server comparing prefixes must still refuse it.
    wrong = f"{vanceqa_target.api_token}-not-valid"
    exchange = _send(operation, wrong, vanceqa_target, vanceqa_inventory, vanceqa_client)
    checks.AUTH_WRONG_TOKEN(exchange)


@checks.AUTH_BEARER_TOKEN.mark()
@pytest.mark.parametrize("operation", OPERATION_IDS)
def test_bearer_token(operation, vanceqa_target, vanceqa_inventory, vanceqa_client):
    bearer = f"Bearer {vanceqa_target.api_token}"
    exchange = _send(operation, bearer, vanceqa_target, vanceqa_inventory, vanceqa_client)
    checks.AUTH_BEARER_TOKEN(exchange)


@checks.AUTH_HIDDEN_REGULAR.mark(operation="getKitten")
def test_hidden_kitten_regular_token(vanceqa_target, vanceqa_client):
    for kitten_id in require_hidden(vanceqa_target):
        exchange = vanceqa_client.get(path_for(CONTRACT.operation("getKitten"), kitten_id))
        checks.AUTH_HIDDEN_REGULAR(exchange)


@checks.AUTH_HIDDEN_ADMIN.mark(operation="getKitten")
def test_hidden_kitten_admin_token(vanceqa_target, vanceqa_client, vanceqa_contract: Contract):
    admin = require_admin(vanceqa_target)
    for kitten_id in require_hidden(vanceqa_target):
        path = path_for(CONTRACT.operation("getKitten"), kitten_id)
        exchange = vanceqa_client.get(path, token=admin)
        checks.AUTH_HIDDEN_ADMIN(
            exchange, contract=vanceqa_contract, operation_id="getKitten", kitten_id=kitten_id
        )


@checks.AUTH_TOKEN_ACCEPTED.mark()
@pytest.mark.parametrize("token_kind", ["regular", "admin"])
@pytest.mark.parametrize("operation", ["listKittens", "getKitten"])
def test_valid_token_accepted(
    operation, token_kind, vanceqa_target, vanceqa_inventory, vanceqa_client
):
    token = vanceqa_target.api_token if token_kind == "regular" else require_admin(vanceqa_target)
    exchange = _send(operation, token, vanceqa_target, vanceqa_inventory, vanceqa_client)
    checks.AUTH_TOKEN_ACCEPTED(exchange)
