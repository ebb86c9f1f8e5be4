"""Odd input never produces a 5xx: hand-picked extremes and Hypothesis-generated input.

Requests go through a raw ASGI scope where a client would refuse or normalise the input
(non-UTF-8 bytes, bad percent-encoding), so the mock sees exactly these bytes.
"""

from __future__ import annotations

import json
import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import ADMIN_TOKEN, API_TOKEN, asgi_call
from vanceqa.contract import default_contract
from vanceqa.mock import MockConfig, create_app
from vanceqa.mock.app import MockApp

CONTRACT = default_contract()
# What the mock may answer: the documented statuses of the operations, plus 404 for
# paths outside the API and 405 for methods the docs do not give (reading 8).
DOCUMENTED = set().union(*(op.statuses for op in CONTRACT)) | {404, 405}


def assert_documented_json(status: int, headers: dict[bytes, bytes], body: bytes) -> None:
    assert status < 500
    assert status in DOCUMENTED, status
    assert headers[b"content-type"] == b"application/json"
    json.loads(body)


@pytest.fixture(scope="module")
def shared_app() -> MockApp:
    # Read-only requests only: one app for the whole module keeps Hypothesis fast.
    return create_app(MockConfig(seed=3))


@pytest.mark.parametrize(
    "raw_id",
    [
        b"9" * 5000,
        b"99999999999999999999",
        b"-1",
        b"-99999999999999999999999",
        b"0",
        b"00000000000000000002",
        b"%zz",
        b"%",
        b"%4",
        b"%C3%28",
        b"%FF%FE",
        b"\xff\xfe",
        b"\xc3\x28",
        b"1%00",
        b"%00",
        b"NaN",
        b"Infinity",
        b"1e999",
        b" 1",
        b"1;2",
        b"1,2",
        b"%2e%2e",
    ],
)
def test_odd_ids_never_5xx(shared_app: MockApp, raw_id: bytes) -> None:
    for method in ("GET", "DELETE"):
        if method == "DELETE" and raw_id.strip(b"0").isdigit():
            continue  # a valid id: deleting it would change the shared app
        status, headers, body = asgi_call(shared_app, method, b"/api/kittens/" + raw_id)
        assert_documented_json(status, headers, body)
        assert status in (400, 404, 410, 200)


@pytest.mark.parametrize(
    "query",
    [
        b"include_cats=%zz",
        b"include_cats=%FF",
        b"%FF=true",
        b"include_cats=\xff",
        b"&&&",
        b"=",
        b"include_cats",
        b"available=" + b"x" * 100_000,
        b"&".join(b"p%d=%d" % (i, i) for i in range(10_000)),
        b"&".join(b"include_cats=true" for _ in range(10_000)),
    ],
    ids=lambda q: repr(q[:30]),
)
def test_odd_queries_never_5xx(shared_app: MockApp, query: bytes) -> None:
    status, headers, body = asgi_call(shared_app, "GET", b"/api/kittens", query)
    assert_documented_json(status, headers, body)
    assert status in (200, 400)


@pytest.mark.parametrize(
    "headers",
    [
        [(b"authorization", b"x" * 1_000_000)],
        [(b"authorization", b"\xff\xfe\x00")],
        [(b"authorization", API_TOKEN.encode()), (b"accept", b"\xff" * 10_000)],
        [(b"authorization", API_TOKEN.encode()), (b"accept", b";;;,,,q=abc")],
        [(b"authorization", API_TOKEN.encode()), (b"accept", b"application/json;q=nan")],
        [(b"authorization", API_TOKEN.encode())] + [(b"x-h%d" % i, b"v") for i in range(10_000)],
        [(b"authorization", b""), (b"authorization", API_TOKEN.encode())],
    ],
    ids=[
        "huge-token",
        "binary-token",
        "binary-accept",
        "junk-accept",
        "nan-q",
        "10k-headers",
        "two-auth",
    ],
)
def test_odd_headers_never_5xx(shared_app: MockApp, headers: list[tuple[bytes, bytes]]) -> None:
    status, response_headers, body = asgi_call(shared_app, "GET", b"/api/kittens", headers=headers)
    assert_documented_json(status, response_headers, body)


# -- Hypothesis ----------------------------------------------------------------------

ID_TEXT = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.text(alphabet=string.digits + "-.eE+x %", max_size=40),
    st.text(max_size=40),
)


@given(raw=st.binary(max_size=64))
def test_any_path_bytes_answer_documented_json(shared_app: MockApp, raw: bytes) -> None:
    status, headers, body = asgi_call(shared_app, "GET", b"/api/kittens/" + raw)
    assert_documented_json(status, headers, body)


@given(text=ID_TEXT)
def test_any_id_text_answers_documented_json(shared_app: MockApp, text: str) -> None:
    from urllib.parse import quote

    status, headers, body = asgi_call(shared_app, "GET", b"/api/kittens/" + quote(text).encode())
    assert_documented_json(status, headers, body)
    if text.isascii() and text.isdigit():
        assert status in (200, 403, 404, 410)
    elif not text.isdigit():
        assert status in (400, 404)


@given(
    name=st.sampled_from(["include_cats", "available"]),
    value=st.text(max_size=20).filter(lambda v: v not in ("true", "false")),
)
def test_any_bad_flag_value_is_400(shared_app: MockApp, name: str, value: str) -> None:
    from urllib.parse import urlencode

    query = urlencode({name: value}).encode()
    status, headers, body = asgi_call(shared_app, "GET", b"/api/kittens", query)
    assert_documented_json(status, headers, body)
    assert status == 400


@given(query=st.binary(max_size=200))
def test_any_query_bytes_answer_documented_json(shared_app: MockApp, query: bytes) -> None:
    status, headers, body = asgi_call(shared_app, "GET", b"/api/kittens", query)
    assert_documented_json(status, headers, body)
    assert status in (200, 400)


@given(
    token=st.binary(max_size=80),
    accept=st.one_of(st.none(), st.binary(max_size=80)),
    method=st.sampled_from(["GET", "DELETE", "PUT", "POST", "PATCH", "OPTIONS", "TRACE", "HEAD"]),
)
def test_any_header_values_answer_documented_json(
    shared_app: MockApp, token: bytes, accept: bytes | None, method: str
) -> None:
    headers = [(b"authorization", token)]
    if accept is not None:
        headers.append((b"accept", accept))
    status, response_headers, body = asgi_call(shared_app, method, b"/api/kittens", headers=headers)
    assert status < 500
    assert status in DOCUMENTED
    if token not in (API_TOKEN.encode(), ADMIN_TOKEN.encode()):
        assert status == 401
    if method != "HEAD":
        assert_documented_json(status, response_headers, body)
