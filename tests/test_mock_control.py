"""The control API under /__vanceqa__/, and that documented paths cannot reach it."""

from __future__ import annotations

import httpx
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
