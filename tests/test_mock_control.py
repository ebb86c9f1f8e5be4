"""The control API under /__vanceqa__/, and that documented paths cannot reach it."""

from __future__ import annotations

import httpx
import orjson
import pytest

from tests.conftest import asgi_call
from vanceqa.mock import MockConfig, create_app
from vanceqa.mock.app import MockApp

pytestmark = pytest.mark.anyio


async def test_reset_restores_deleted_kittens(client: httpx.AsyncClient) -> None:
    assert (await client.delete("/api/kittens/1")).status_code == 200
    state = (await client.get("/__vanceqa__/state")).json()
    assert state["deleted"] == [1]
    assert (await client.post("/__vanceqa__/reset")).status_code == 200
    assert (await client.get("/api/kittens/1")).status_code == 200
    assert (await client.get("/__vanceqa__/state")).json()["deleted"] == []


async def test_faults_read_set_merge_clear(client: httpx.AsyncClient) -> None:
    assert (await client.get("/__vanceqa__/faults")).json()["maintenance"] is False
    await client.put("/__vanceqa__/faults", json={"latency_ms": 5})
    merged = (await client.patch("/__vanceqa__/faults", json={"error_rate": 0.5})).json()
    assert merged["latency_ms"] == 5
    assert merged["error_rate"] == 0.5
    replaced = (await client.put("/__vanceqa__/faults", json={"error_rate": 0.1})).json()
    assert replaced["latency_ms"] == 0
    cleared = (await client.delete("/__vanceqa__/faults")).json()
    assert cleared["error_rate"] == 0


@pytest.mark.parametrize(
    "body",
    [b"not json", b"[]", b'{"error_rate": 3}', b'{"teapot": true}', b'{"latency_ms": "x"}'],
)
async def test_bad_fault_bodies_are_400(client: httpx.AsyncClient, body: bytes) -> None:
    response = await client.put("/__vanceqa__/faults", content=body)
    assert response.status_code == 400
    assert "error" in response.json()


async def test_counters_count_by_status_and_operation(client: httpx.AsyncClient) -> None:
    await client.delete("/__vanceqa__/counters")
    await client.get("/api/kittens")
    await client.get("/api/kittens/1")
    await client.get("/api/kittens/99999")
    await client.put("/api/kittens/1")
    counters = (await client.get("/__vanceqa__/counters")).json()
    assert counters["total"] == 4
    assert counters["status_200"] == 2
    assert counters["status_404"] == 1
    assert counters["status_405"] == 1
    assert counters["op_listKittens"] == 1
    assert counters["op_getKitten"] == 2
    assert counters["op_undocumented"] == 1


async def test_control_methods_and_names(client: httpx.AsyncClient) -> None:
    assert (await client.get("/__vanceqa__/health")).json()["ok"] is True
    wrong_method = await client.get("/__vanceqa__/reset")
    assert wrong_method.status_code == 405
    assert wrong_method.headers["allow"] == "POST"
    assert (await client.get("/__vanceqa__/nothing")).status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/api/kittens/../__vanceqa__/reset",
        "/api/kittens/%2E%2E/%2E%2E/__vanceqa__/reset",
        "/api/kittens/__vanceqa__%2Freset",
        "/api/__vanceqa__/reset",
        "/API/../__vanceqa__/reset",
    ],
)
def test_documented_paths_do_not_reach_control(app: MockApp, path: str) -> None:
    # Raw ASGI scope, so no client normalises the dot segments away first.
    status, _, _ = asgi_call(app, "POST", path.encode())
    assert status in (400, 404, 405)


async def test_control_can_be_switched_off() -> None:
    app = create_app(MockConfig(control=False))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://mock") as c:
        assert (await c.post("/__vanceqa__/reset")).status_code == 404


# -- validation: a refused body is 400 with the reason, and changes nothing -------------
@pytest.mark.parametrize(
    "body",
    [
        # The bodies of issue 9.3, each a 500, a hang or a silent misreading before.
        b'{"latency_params": ["x"]}',
        b'{"latency_params": 5}',
        b"5",
        b'{"stall_epoch": "x", "stall_every_s": 10, "stall_ms": 100}',
        b'{"latency_ms": 1e300}',
        b'{"maintenance": "no"}',
        b'{"rate_limit_rps": true}',
        # And their relatives.
        b'{"maintenance": 1}',
        b'{"maintenance": null}',
        b'{"error_rate": true}',
        b'{"error_rate": NaN}',
        b'{"latency_ms": 1e400}',
        b'{"latency_ms": -1}',
        b'{"latency_ms": 60001}',
        b'{"latency_ms": null}',
        b'{"latency_distribution": "normal"}',
        b'{"latency_distribution": "normal", "latency_params": [20, 5, 1]}',
        b'{"latency_distribution": "gamma", "latency_params": [20]}',
        b'{"latency_distribution": "exponential", "latency_params": [0]}',
        b'{"stall_every_s": 1, "stall_ms": 1000}',
        b'{"stall_every_s": 1e12, "stall_ms": 10}',
        b'{"rate_limit_rps": 0}',
        b'{"rate_limit_rps": "20"}',
        b'{"rate_limit_rps": 1e-300}',
        b'{"capacity_workers": 8}',
        b'{"capacity_workers": 8.0, "capacity_service_ms": 20}',
        b'{"capacity_workers": 1025, "capacity_service_ms": 20}',
        b'{"capacity_workers": 8, "capacity_service_ms": 20, "capacity_max_wait_s": 0}',
        b'{"capacity_workers": false, "capacity_service_ms": 20}',
        b'{"latency_ms": 5, "teapot": true}',
        b'{"latency_ms": 5, "": 1}',
        b'["latency_ms", 5]',
        b'"latency=20ms"',
        b"null",
        b"{",
        b"\xff\xfe",
    ],
)
def test_refused_fault_bodies_change_nothing(app: MockApp, body: bytes) -> None:
    before = {"latency_ms": 5, "error_rate": 0.25, "rate_limit_rps": 1000}
    status, _, _ = asgi_call(app, "PUT", b"/__vanceqa__/faults", body=orjson.dumps(before))
    assert status == 200
    version = app.state.fault_version()
    current = app.state.faults().to_json()
    for method in ("PUT", "PATCH"):
        status, headers, answer = asgi_call(app, method, b"/__vanceqa__/faults", body=body)
        assert status == 400, answer
        assert headers[b"content-type"] == b"application/json"
        assert orjson.loads(answer)["error"]  # the reason, in words
        assert app.state.fault_version() == version
        assert app.state.faults().to_json() == current


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b'{"maintenance": "no"}', "maintenance must be true or false"),
        (b'{"latency_ms": 1e300}', "latency_ms must be between 0 and 60000 ms"),
        (b'{"teapot": 1}', "unknown fault field(s): teapot"),
        (b'{"capacity_workers": 8}', "capacity needs a service time"),
    ],
)
def test_a_refusal_names_its_reason(app: MockApp, body: bytes, reason: str) -> None:
    _, _, answer = asgi_call(app, "PATCH", b"/__vanceqa__/faults", body=body)
    assert reason in orjson.loads(answer)["error"]


def test_after_a_refused_stall_epoch_the_api_still_answers(app: MockApp) -> None:
    body = b'{"stall_epoch": "x", "stall_every_s": 10, "stall_ms": 100}'
    assert asgi_call(app, "PUT", b"/__vanceqa__/faults", body=body)[0] == 400
    assert asgi_call(app, "GET", b"/api/kittens")[0] == 200


def test_every_fault_field_is_accepted_at_its_bounds(app: MockApp) -> None:
    edges = {
        "latency_ms": 60000,
        "latency_distribution": "uniform",
        "latency_params": [0, 60000],
        "stall_every_s": 86400,
        "stall_ms": 60000,
        "stall_epoch": 0,
        "error_rate": 1,
        "maintenance": True,
        "rate_limit_rps": 0.01,
        "capacity_workers": 1024,
        "capacity_service_ms": 60000,
        "capacity_max_wait_s": 60,
    }
    status, _, answer = asgi_call(app, "PUT", b"/__vanceqa__/faults", body=orjson.dumps(edges))
    assert status == 200, answer
    assert orjson.loads(answer) == {k: v for k, v in edges.items()}


ENDPOINTS = [b"health", b"reset", b"state", b"faults", b"counters", b"nothing", b"faults/x", b""]
METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "BREW"]
BODIES = [b"", b"{}", b"[]", b"\x00\xff" * 10, b'{"maintenance": false}', b"x" * 70_000]


@pytest.mark.parametrize("name", ENDPOINTS, ids=lambda n: n.decode() or "(empty)")
@pytest.mark.parametrize("method", METHODS)
def test_no_control_endpoint_answers_5xx_to_odd_methods_or_bodies(
    app: MockApp, name: bytes, method: str
) -> None:
    for body in BODIES:
        status, headers, answer = asgi_call(app, method, b"/__vanceqa__/" + name, body=body)
        assert 200 <= status < 500, (status, answer)
        assert headers[b"content-type"] == b"application/json"
        if status == 405:
            assert headers[b"allow"]
    assert asgi_call(app, "GET", b"/api/kittens")[0] == 200


# -- the control token -------------------------------------------------------------------
TOKEN_HEADER = b"x-vanceqa-control-token"


@pytest.fixture
def guarded() -> MockApp:
    return create_app(MockConfig(control_token="control-secret"))


@pytest.mark.parametrize(
    "headers",
    [
        [],
        [(TOKEN_HEADER, b"wrong")],
        [(TOKEN_HEADER, b"")],
        [(TOKEN_HEADER, b"control-secre")],
        [(b"authorization", b"control-secret")],
        [(TOKEN_HEADER, b"control-secret"), (TOKEN_HEADER, b"control-secret")],
    ],
)
def test_a_token_guarded_control_api_refuses_without_it(
    guarded: MockApp, headers: list[tuple[bytes, bytes]]
) -> None:
    for method, name in (("GET", b"health"), ("POST", b"reset"), ("PUT", b"faults")):
        body = b'{"maintenance": true}'
        status, _, answer = asgi_call(
            guarded, method, b"/__vanceqa__/" + name, headers=headers, body=body
        )
        assert status == 401
        assert b"X-Vanceqa-Control-Token" in answer
        assert b"control-secret" not in answer
    assert not guarded.state.faults().active
    assert asgi_call(guarded, "GET", b"/api/kittens")[0] == 200  # the API is not guarded


def test_a_token_guarded_control_api_answers_with_it(guarded: MockApp) -> None:
    headers = [(TOKEN_HEADER, b"control-secret")]
    status, _, _ = asgi_call(
        guarded, "PUT", b"/__vanceqa__/faults", headers=headers, body=b'{"maintenance": true}'
    )
    assert status == 200
    assert asgi_call(guarded, "GET", b"/api/kittens")[0] == 503


def test_the_control_token_is_not_in_the_configs_repr() -> None:
    assert "control-secret" not in repr(MockConfig(control_token="control-secret"))
