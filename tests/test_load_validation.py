"""The contract check every load-test response goes through."""

from __future__ import annotations

import orjson
import pytest

from vanceqa.load.validation import ResponseCheck, is_json_type

KITTEN = {"id": 3, "name": "Mittens", "breed": "tabby", "fluffiness": 8, "cuteness": 9}
JSON = "application/json"


@pytest.fixture(scope="module")
def check() -> ResponseCheck:
    return ResponseCheck()


def test_documented_answers_pass(check: ResponseCheck) -> None:
    assert check.failure("listKittens", 200, JSON, orjson.dumps([KITTEN])) is None
    assert (
        check.failure("getKitten", 200, "application/json; charset=utf-8", orjson.dumps(KITTEN))
        is None
    )
    extra = orjson.dumps({**KITTEN, "colour": "grey"})
    assert check.failure("getKitten", 200, JSON, extra) is None  # extra fields allowed
    deleted = orjson.dumps({"id": 3, "deleted": ":("})
    assert check.failure("deleteKitten", 200, JSON, deleted) is None
    gone = orjson.dumps({"error": "gone"})
    assert check.failure("getKitten", 410, JSON, gone, expected=(200, 404, 410)) is None


@pytest.mark.parametrize(
    ("operation", "status", "content_type", "body", "reason"),
    [
        ("getKitten", 500, JSON, b"{}", "status 500 not documented for getKitten"),
        ("listKittens", 418, JSON, b"{}", "status 418 not documented for listKittens"),
        ("listKittens", 403, JSON, b"{}", "status 403 not documented for listKittens"),
        ("getKitten", 200, "text/html", orjson.dumps(KITTEN), "content-type text/html is not JSON"),
        ("getKitten", 200, None, orjson.dumps(KITTEN), "content-type (none) is not JSON"),
        ("getKitten", 200, JSON, b"{not json", "body is not JSON"),
        ("getKitten", 200, JSON, b"", "empty body"),
        ("getKitten", 200, JSON, orjson.dumps({"id": 3}), "body breaks the getKitten 200 schema"),
        ("listKittens", 200, JSON, orjson.dumps(KITTEN), "body breaks the listKittens 200 schema"),
        (
            "listKittens",
            200,
            JSON,
            orjson.dumps([{**KITTEN, "id": "3"}]),
            "body breaks the listKittens 200 schema: data[0].id must be integer",
        ),
        ("getKitten", 401, JSON, b"{}", "unexpected 401 Unauthorized"),
        ("getKitten", 503, JSON, b"{}", "unexpected 503 Service Unavailable"),
        ("getKitten", 404, JSON, b"{}", "unexpected 404 Not Found"),
        ("sellKitten", 200, JSON, b"{}", "operation sellKitten is not in the contract"),
    ],
)
def test_violations_have_clear_reasons(
    check: ResponseCheck,
    operation: str,
    status: int,
    content_type: str | None,
    body: bytes,
    reason: str,
) -> None:
    for _ in range(2):  # the second answer comes from the cache: it must be the same
        found = check.failure(operation, status, content_type, body)
        assert found is not None
        assert found.startswith(reason)


def test_429_is_throttling_not_an_error(check: ResponseCheck) -> None:
    assert check.failure("getKitten", 429, JSON, b'{"error": 1}') is None
    assert check.failure("listKittens", 429, None, b"") is None


def test_the_cache_stays_bounded(check: ResponseCheck) -> None:
    for i in range(5000):
        check.failure("getKitten", 200, JSON, orjson.dumps({**KITTEN, "id": i}))
    assert len(check._cache) <= 4096


def test_json_types() -> None:
    assert is_json_type("application/json")
    assert is_json_type("Application/JSON; charset=utf-8")
    assert is_json_type("application/problem+json")
    assert not is_json_type("text/json-ish")
    assert not is_json_type("")
