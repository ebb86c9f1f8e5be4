"""The contract: a valid OpenAPI 3.1 document, read the way the docs and docs/readings.md say."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from openapi_spec_validator import validate

from vanceqa.contract import default_contract, load_contract
from vanceqa.errors import UsageError
from vanceqa.resources import openapi_path


def test_contract_is_valid_openapi_3_1() -> None:
    document = yaml.safe_load(openapi_path().read_text())
    assert document["openapi"].startswith("3.1")
    validate(document)


def test_operations_follow_the_curl_examples() -> None:
    contract = default_contract()
    found = {(op.method, op.path, op.operation_id) for op in contract}
    assert found == {
        ("GET", "/api/kittens", "listKittens"),
        ("GET", "/api/kittens/{id}", "getKitten"),
        ("DELETE", "/api/kittens/{id}", "deleteKitten"),
    }


def test_documented_defaults() -> None:
    assert default_contract().operation("listKittens").defaults() == {
        "include_cats": False,
        "available": True,
    }


@pytest.mark.parametrize(
    ("operation", "statuses"),
    [
        ("listKittens", {200, 400, 401, 406, 429, 503}),
        ("getKitten", {200, 400, 401, 403, 404, 406, 410, 429, 503}),
        ("deleteKitten", {200, 400, 401, 403, 404, 406, 410, 429, 503}),
    ],
)
def test_documented_statuses(operation: str, statuses: set[int]) -> None:
    # 500 is never acceptable (reading 12) and 418 is tied to no request (reading 13).
    assert default_contract().operation(operation).statuses == statuses


def test_auth_is_the_raw_authorization_header() -> None:
    assert default_contract().auth_header() == "Authorization"


def test_links_let_a_listed_id_be_fetched_and_deleted() -> None:
    links = default_contract().operation("listKittens").links[200]
    targets = {link["operationId"] for link in links.values()}
    assert targets == {"getKitten", "deleteKitten"}


def test_validators_accept_extra_fields_and_reject_wrong_types() -> None:
    contract = default_contract()
    check = contract.validator("getKitten", 200)
    assert check is not None
    kitten = {"id": 1, "name": "a", "breed": "b", "fluffiness": 1, "cuteness": 2}
    check({**kitten, "colour": "grey"})
    with pytest.raises(Exception, match="must be integer"):
        check({**kitten, "fluffiness": "high"})
    with pytest.raises(Exception, match="must contain"):
        check({"id": 1})
    assert contract.validator("getKitten", 404) is None  # error bodies are not documented


@pytest.mark.parametrize(
    ("text", "message"),
    [("paths: [unclosed", "not valid YAML"), ("openapi: 3.1.0\n", "not an OpenAPI document")],
)
def test_bad_contract_files_are_usage_errors(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(UsageError, match=message):
        load_contract(path)


def test_docs_copied_beside_the_contract() -> None:
    docs = openapi_path().parent / "docs"
    assert (docs / "index.html.md").read_text().startswith("---")
    assert "Error Code | Meaning" in (docs / "includes" / "_errors.md").read_text()
