"""The conformance machinery without a network: client pacing and 429 patience (httpx
MockTransport), the named checks on staged exchanges, the result record, and the
plugin staying idle in sessions that never ask for a target."""

from __future__ import annotations

import contextlib
import math
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import orjson
import pytest
from hypothesis import given

from vanceqa.client import Exchange, TargetClient
from vanceqa.conformance import checks
from vanceqa.conformance.conformance_json import failure_record
from vanceqa.conformance.session import mock_delete_ids
from vanceqa.conformance.suite import malformed_ids
from vanceqa.contract import default_contract
from vanceqa.errors import Finding
from vanceqa.mock.data import load_dataset
from vanceqa.pacing import StillThrottled, retry_after_s
from vanceqa.target import TargetConfig

TOKEN = "tok-secret-123"


def client_for(handler, max_rps=None, **kwargs) -> TargetClient:
    target = TargetConfig(base_url="http://api.test", api_token=TOKEN, max_rps=max_rps)
    return TargetClient(target, transport=httpx.MockTransport(handler), **kwargs)


def exchange(
    status: int, body: bytes = b"", headers: dict[str, str] | None = None, method: str = "GET"
) -> Exchange:
    return Exchange(
        method=method,
        url="http://api.test/api/kittens/1",
        request_headers={"Authorization": TOKEN},
        status=status,
        headers=httpx.Headers(headers or {"content-type": "application/json"}),
        body=body,
        elapsed_s=0.0,
        secrets=(TOKEN,),
    )


# -- client ------------------------------------------------------------------------------


def test_token_travels_raw_and_no_default_accept() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=[])

    client = client_for(handler)
    client.get("/api/kittens")
    client.get("/api/kittens", token=None)
    client.get("/api/kittens", token="")
    assert seen[0].headers["authorization"] == TOKEN
    assert "accept" not in seen[0].headers
    assert "authorization" not in seen[1].headers
    assert seen[2].headers["authorization"] == ""


def test_429_is_waited_out_and_counted() -> None:
    answers = iter([429, 429, 200])

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(next(answers), headers={"Retry-After": "0"}, json={})

    client = client_for(handler)
    assert client.get("/api/kittens").status == 200
    assert client.stats.throttled_retries == 2
    assert client.stats.requests == 3


def test_endless_429_gives_up_within_bounds() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(429, headers={"Retry-After": "3600"}, json={})

    client = client_for(handler, max_retries=3, max_retry_wait_s=0.01)
    started = time.monotonic()
    with pytest.raises(StillThrottled):
        client.get("/api/kittens")
    assert time.monotonic() - started < 5  # Retry-After: 3600 was capped, not obeyed
    assert client.stats.requests == 4


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2", 2.0),
        (None, 1.0),
        ("nonsense", 1.0),
        ("-5", 0.05),
        ("99999", 10.0),
        # float() reads these, but time.sleep(nan) raises: a server's odd header is no crash.
        ("nan", 1.0),
        ("inf", 10.0),
    ],
)
def test_retry_after_is_read_and_bounded(value: str | None, expected: float) -> None:
    assert retry_after_s(value, 10.0) == expected


def test_retry_after_http_date() -> None:
    from email.utils import formatdate

    assert 0.05 <= retry_after_s(formatdate(time.time() + 3, usegmt=True), 10.0) <= 3.5


def test_max_rps_paces_requests() -> None:
    client = client_for(lambda request: httpx.Response(200, json=[]), max_rps=20)
    started = time.monotonic()
    for _ in range(11):
        client.get("/api/kittens")
    # 11 requests at 20/s need at least 10 intervals of 50 ms (a lower bound only).
    assert time.monotonic() - started >= 0.45


def test_transport_error_is_a_finding_without_the_token() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError(f"refused while sending {TOKEN}")

    with pytest.raises(Finding) as info:
        client_for(handler).get("/api/kittens")
    assert info.value.check == "transport"
    assert TOKEN not in str(info.value)


# -- checks ------------------------------------------------------------------------------


def test_every_check_is_named_and_described() -> None:
    assert len(checks.REGISTRY) >= 25
    for name, check in checks.REGISTRY.items():
        assert check.name == name
        assert check.behaviour
        assert check.docs_quote, f"{name} quotes no line of the docs"


def test_a_finding_says_what_broke_what_was_sent_and_what_came_back() -> None:
    with pytest.raises(Finding) as info:
        checks.AUTH_WRONG_TOKEN(exchange(200, b'{"id": 1}'))
    text = str(info.value)
    assert "[auth_wrong_token] A request with a wrong token is refused with 401" in text
    assert "expected 401, got 200" in text
    assert "docs: 401 | Unauthorized -- Your API key is wrong." in text
    assert "request: curl -i -H 'Authorization: [REDACTED]' http://api.test/api/kittens/1" in text
    assert 'response: 200 {"id": 1}' in text
    assert TOKEN not in text


def test_server_errors_and_teapots_are_called_out() -> None:
    with pytest.raises(Finding, match="a server error: never acceptable"):
        checks.ID_MALFORMED(exchange(500))
    with pytest.raises(Finding, match="tied to no request: unexpected"):
        checks.ID_UNKNOWN(exchange(418))
    checks.ID_MALFORMED(exchange(404))
    checks.ID_MALFORMED(exchange(400))


def test_schema_checks_pass_good_shapes_and_fail_bad_ones() -> None:
    contract = default_contract()
    good = b'{"id": 1, "name": "a", "breed": "b", "fluffiness": 1, "cuteness": 2, "extra": true}'
    checks.SHAPE_ITEM_SCHEMA(exchange(200, good), contract=contract, kitten_id=1)
    bad = good.replace(b'"fluffiness": 1', b'"fluffiness": "1"')
    with pytest.raises(Finding, match="breaks the contract's schema"):
        checks.SHAPE_ITEM_SCHEMA(exchange(200, bad), contract=contract, kitten_id=1)
    with pytest.raises(Finding, match="asked for kitten 2"):
        checks.SHAPE_ITEM_SCHEMA(exchange(200, good), contract=contract, kitten_id=2)
    with pytest.raises(Finding, match="not JSON"):
        checks.SHAPE_LIST_SCHEMA(exchange(200, b"<html>"), contract=contract)


def test_content_type_allows_parameters_and_empty_bodies() -> None:
    check = checks.SHAPE_CONTENT_TYPE
    check(exchange(200, b"[]", {"content-type": "application/json; charset=utf-8"}))
    check(exchange(204, b"", {}))
    with pytest.raises(Finding, match="text/plain"):
        check(exchange(404, b"nope", {"content-type": "text/plain"}))


def test_allow_header_must_name_documented_methods_only() -> None:
    check = checks.PROTOCOL_405_ALLOW
    allow = {"allow": "GET, DELETE, HEAD"}
    check(exchange(405, b"{}", allow, method="PUT"), documented=("GET", "DELETE"))
    with pytest.raises(Finding, match="no Allow header"):
        check(exchange(405, b"{}", method="PUT"), documented=("GET",))
    with pytest.raises(Finding, match="must name at least GET, DELETE"):
        check(exchange(405, b"{}", {"allow": "GET"}, method="PUT"), documented=("GET", "DELETE"))
    with pytest.raises(Finding, match="and not PUT"):
        check(exchange(405, b"{}", {"allow": "GET, PUT"}, method="PUT"), documented=("GET",))


def test_superset_and_default_compare_ids_not_order() -> None:
    a = exchange(200, b'[{"id": 1}, {"id": 2}]')
    b = exchange(200, b'[{"id": 2}, {"id": 1}, {"id": 3}]')
    checks.PARAM_SUPERSET(a, b, flag="include_cats=true")
    with pytest.raises(Finding, match=r"lacks ids \[3\]"):
        checks.PARAM_SUPERSET(b, a, flag="include_cats=true")
    same = exchange(200, b'[{"id": 2}, {"id": 1}]')
    checks.PARAM_DEFAULT(a, same, flag="include_cats", default="false")
    with pytest.raises(Finding, match="differs from include_cats=false"):
        checks.PARAM_DEFAULT(a, b, flag="include_cats", default="false")


# -- results and data ----------------------------------------------------------------------


def test_failure_record_is_redacted() -> None:
    finding = checks.AUTH_NO_TOKEN.finding(exchange(200, TOKEN.encode()), f"saw {TOKEN}")
    record = failure_record(finding, (TOKEN,))
    assert record["check"] == "auth_no_token"
    assert record["status"] == 200
    assert TOKEN not in repr(record)
    other = failure_record(RuntimeError(f"boom {TOKEN}"), (TOKEN,))
    assert other["check"] is None
    assert TOKEN not in other["message"]


def test_mock_delete_ids_are_visible_and_varied() -> None:
    dataset = load_dataset()
    ids = mock_delete_ids(dataset)
    kittens = {k.id: k for k in dataset.kittens}
    assert len(ids) == 3
    assert not any(kittens[i].hidden or kittens[i].removed for i in ids)
    assert len({(kittens[i].species, kittens[i].available) for i in ids}) == 3


# -- the plugin in a session that is not a conformance run -----------------------------------


def test_plugin_is_idle_unless_a_test_asks_for_the_target(tmp_path: Path) -> None:
    (tmp_path / "test_other.py").write_text(
        "from vanceqa.conformance.plugin import STATE\n"
        "def test_plain():\n    assert True\n"
        "def test_idle(request):\n"
        "    assert request.config.stash[STATE].session is None\n"
    )
    env = dict(os.environ, VANCEQA_BASE_URL="not a url", VANCEQA_API_TOKEN="")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env=env,
    )
    assert result.returncode == 0, result.stdout[-2000:]
    assert "2 passed" in result.stdout


@pytest.mark.socket
def test_target_fixture_starts_and_stops_the_bundled_mock(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    (tmp_path / "test_target.py").write_text(
        "def test_target(vanceqa_target, vanceqa_mock):\n"
        f"    open({str(pid_file)!r}, 'w').write(str(vanceqa_mock.process.pid))\n"
        "    assert vanceqa_mock.process.poll() is None\n"
        "    assert vanceqa_target.base_url.startswith('http://127.0.0.1:')\n"
        "    assert vanceqa_target.destructive and vanceqa_target.delete_ids\n"
        "    assert vanceqa_target.hidden_ids and vanceqa_target.admin_token\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("VANCEQA_")}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env=env,
    )
    assert result.returncode == 0, result.stdout[-3000:]
    pid = int(pid_file.read_text())
    deadline = time.monotonic() + 20
    while _running(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _running(pid), f"the bundled mock (pid {pid}) outlived the session"


def _running(pid: int) -> bool:
    """Whether `pid` still runs; a zombie (exited, not yet reaped) does not. No /proc needed."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    state = subprocess.run(
        ["ps", "-o", "stat=", "-p", str(pid)], capture_output=True, text=True, check=False
    ).stdout.strip()
    return bool(state) and not state.startswith("Z")


# -- schemathesis' own probes (ignored_auth) go through the suite's client ---------------


def _read_response(status: int, body: object, **headers: str) -> httpx.Response:
    # A streamed body, so httpx sets `elapsed` when it reads it (schemathesis reads it).
    content = httpx.ByteStream(orjson.dumps(body))
    return httpx.Response(status, headers={"content-type": "application/json", **headers},
                          stream=content)  # fmt: skip


def _generated_list_case():  # type: ignore[no-untyped-def]
    from vanceqa.conformance.generated import load_schema

    return load_schema()["/api/kittens"]["GET"].Case(query={})


def test_ignored_auth_probes_are_paced_and_patient_with_429() -> None:
    from vanceqa.conformance.generated import send_case
    from vanceqa.target import TargetConfig

    first_seen: set[str | None] = set()

    def handler(request: httpx.Request) -> httpx.Response:
        auth = request.headers.get("authorization")
        if auth == TOKEN:
            return _read_response(200, [])
        if auth not in first_seen:  # each probe is throttled once, then refused
            first_seen.add(auth)
            return _read_response(429, {}, **{"retry-after": "0"})
        return _read_response(401, {})

    client = client_for(handler)
    target = TargetConfig(base_url="http://api.test", api_token=TOKEN)
    send_case(_generated_list_case(), target, client)  # a 429 on a probe is no finding
    # The case, then ignored_auth's probes without and with a wrong token, each once
    # throttled: all through the client (--max-rps holds), none through `requests`.
    assert client.stats.requests == 5
    assert client.stats.throttled_retries == 2


def test_ignored_auth_still_catches_a_server_ignoring_tokens() -> None:
    from vanceqa.conformance.generated import send_case
    from vanceqa.target import TargetConfig

    client = client_for(lambda request: _read_response(200, []))
    target = TargetConfig(base_url="http://api.test", api_token=TOKEN)
    with pytest.raises(Finding) as caught:
        send_case(_generated_list_case(), target, client)
    assert "ignored_auth" in caught.value.check
    assert TOKEN not in caught.value.curl
    assert client.stats.requests >= 2


def _js_reads_as_positive_integer(value: str) -> bool:
    """JavaScript's Number(value), computed by node itself: the parser Express ids meet."""
    import json
    import shutil
    import subprocess

    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    script = (
        "const n = Number(JSON.parse(process.argv[1])); console.log(Number.isInteger(n) && n > 0)"
    )
    out = subprocess.run([node, "-e", script, json.dumps(value)], capture_output=True, text=True)
    return out.stdout.strip() == "true"


@given(value=malformed_ids())
def test_malformed_ids_never_spell_a_valid_id(value: str) -> None:
    # " 1", "+1", "01", "1.0", "0x10" may rightly be read as kitten 1 (or 16): reading 6
    # leaves them open, so none may be generated as "malformed".
    try:
        parsed = float(value)
    except ValueError:
        parsed = None
    integral = parsed is not None and math.isfinite(parsed) and parsed == int(parsed)
    assert not (integral and parsed >= 1), value
    with contextlib.suppress(ValueError):
        assert int(value) <= 0, value


@pytest.mark.parametrize(
    "spelling",
    [" 1", "+1", "01", "1_0", "\u0661", "1.0", "1e3", "0x10", "0o7", "0b1", "\u00a01"],
)
def test_lenient_spellings_of_an_id_are_not_called_malformed(spelling: str) -> None:
    from vanceqa.conformance.suite import lenient_positive_integer

    assert lenient_positive_integer(spelling)


@pytest.mark.parametrize(
    "spelling", ["0x10", "0B11", " 7 ", "\u00a01", "1e3", "2.0", "1.5", "abc", "0x1g", "1_0", ""]
)
def test_the_javascript_reading_matches_node(spelling: str) -> None:
    """Our copy of JavaScript's Number() agrees with node's own, spelling by spelling."""
    from vanceqa.conformance.suite import _js_number

    ours = _js_number(spelling)
    assert (ours is not None and ours >= 1 and ours == int(ours)) == (
        _js_reads_as_positive_integer(spelling)
    )


@pytest.mark.parametrize(
    ("query", "path", "open_"),
    [
        ({"include_cats": ""}, {}, True),  # Django's BooleanField: empty means the default
        ({"include_cats": "TRUE"}, {}, True),
        ({"available": "1"}, {}, True),
        ({"include_cats": ["true", "false"]}, {}, True),  # given twice: not documented
        ({"include_cats": "banana"}, {}, False),  # no framework reads it: must be 400
        ({"include_cats": "true", "available": "2"}, {}, False),
        ({"include_cats": "true"}, {}, False),  # nothing open: a negative case stays one
        ({}, {"id": "1.0"}, True),  # pydantic's int reads it as 1
        ({}, {"id": "0x10"}, True),  # JavaScript's Number reads it as 16
        ({}, {"id": "abc"}, False),
        ({}, {}, False),
    ],
)
def test_schemathesis_invalid_data_the_readings_leave_open_is_not_judged(
    query: dict[str, object], path: dict[str, object], open_: bool
) -> None:
    from types import SimpleNamespace

    from schemathesis.core.failures import AcceptedNegativeData

    from vanceqa.conformance.generated import _judged

    def failure() -> AcceptedNegativeData:
        return AcceptedNegativeData(
            operation="GET /api/kittens", message="accepted", status_code=200,
            expected_statuses=["400"],
        )  # fmt: skip

    case = SimpleNamespace(query=query, path_parameters=path)
    kept = _judged(case, [failure()])
    assert kept == ([] if open_ else kept)
    assert bool(kept) is not open_
