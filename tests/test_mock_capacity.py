"""The capacity fault: WORKERS requests in service at once, SERVICE_TIME each, FIFO queue.

The queue is computed, not simulated: each request reserves the next worker in a ring
of "free at" times and is held until its service ends. In-process tests drive the ring
with a made-up clock (exact), and the app with a hold that records instead of sleeping;
socket tests check what a load generator sees: throughput never above WORKERS /
SERVICE_TIME, shared by every worker process, and latency that grows with the queue.
"""

from __future__ import annotations

import asyncio
import math
import time
from pathlib import Path

import httpx
import orjson
import pytest

from tests.conftest import API_TOKEN, asgi_call
from vanceqa.mock import FaultConfig, MockConfig
from vanceqa.mock.app import MockApp
from vanceqa.mock.launcher import serve_mock
from vanceqa.mock.shared_state import SharedState

# -- the queue itself, on a made-up clock -------------------------------------------------


def test_requests_are_served_first_come_first_served_by_the_workers() -> None:
    state = SharedState()
    # Five requests at t=0 for 2 workers of 1 s: answered at 1, 1, 2, 2, 3.
    holds = [state.reserve_service(2, 1.0, 60.0, now=0.0) for _ in range(5)]
    assert holds == [1.0, 1.0, 2.0, 2.0, 3.0]
    # The fifth took the first worker (busy until 3); the second is free since 2, so a
    # request at 2.5 is served at once.
    assert state.reserve_service(2, 1.0, 60.0, now=2.5) == pytest.approx(1.0)
    # An idle server serves at once.
    assert state.reserve_service(2, 1.0, 60.0, now=100.0) == 1.0


def test_the_saturated_throughput_is_workers_over_service_time() -> None:
    state = SharedState()
    holds = [state.reserve_service(8, 0.020, 60.0, now=0.0) for _ in range(400)]
    assert max(holds) == pytest.approx(1.0)  # 400 requests in one second: 400 req/s
    assert holds == sorted(holds)  # FIFO: nobody overtakes
    # Each wave of 8 is answered 20 ms after the one before.
    assert sorted(set(round(h, 6) for h in holds)) == [round(0.020 * k, 6) for k in range(1, 51)]


def test_a_request_that_would_wait_too_long_is_refused_and_takes_no_worker() -> None:
    state = SharedState()
    assert state.reserve_service(1, 1.0, 2.5, now=0.0) == 1.0
    assert state.reserve_service(1, 1.0, 2.5, now=0.0) == 2.0
    assert state.reserve_service(1, 1.0, 2.5, now=0.0) == 3.0  # waits 2 s: allowed
    assert state.reserve_service(1, 1.0, 2.5, now=0.0) is None  # would wait 3 s
    assert state.reserve_service(1, 1.0, 2.5, now=1.0) == 3.0  # the refusal took nothing


def test_new_capacity_settings_start_an_empty_queue() -> None:
    state = SharedState()
    for _ in range(10):
        state.reserve_service(1, 1.0, 60.0, now=0.0)
    assert state.reserve_service(2, 1.0, 60.0, now=0.0) == 1.0
    assert state.reserve_service(2, 0.5, 60.0, now=0.0) == 0.5


def test_worker_processes_share_one_queue(tmp_path: Path) -> None:
    # Two SharedState objects on one file are what two granian workers hold.
    path = tmp_path / "state"
    first = SharedState.create_file(path, FaultConfig())
    second = SharedState(str(path))
    holds = [(first if i % 2 else second).reserve_service(2, 1.0, 60.0, now=0.0) for i in range(6)]
    assert holds == [1.0, 1.0, 2.0, 2.0, 3.0, 3.0]


# -- the fault in the app ----------------------------------------------------------------


def recording_app(*specs: str) -> tuple[MockApp, list[float]]:
    holds: list[float] = []

    async def hold(seconds: float) -> None:
        holds.append(seconds)

    config = MockConfig(faults=FaultConfig.from_specs(list(specs)), seed=1)
    return MockApp(config, sleep=hold), holds


def test_the_app_holds_each_answer_until_its_service_ends() -> None:
    app, holds = recording_app("capacity=2x100ms")
    started = time.monotonic()
    statuses = [asgi_call(app, "GET", b"/api/kittens")[0] for _ in range(7)]
    elapsed = time.monotonic() - started
    assert statuses == [200] * 7
    # The k-th request (from 1) is answered at ceil(k/2) * 100 ms after the first
    # arrived; each hold is that, less the time that passed before it arrived.
    for k, hold in enumerate(holds, start=1):
        due = math.ceil(k / 2) * 0.100
        assert due - elapsed - 1e-6 <= hold <= due + 1e-6, (k, hold)


def test_every_api_request_takes_its_place_whatever_its_answer() -> None:
    app, holds = recording_app("capacity=1x1s")
    asgi_call(app, "GET", b"/api/kittens", headers=[])  # 401
    asgi_call(app, "GET", b"/api/kittens/99999")  # 404
    asgi_call(app, "GET", b"/api/kittens")  # 200
    assert [round(h) for h in holds] == [1, 2, 3]
    asgi_call(app, "GET", b"/__vanceqa__/counters")  # the control API is not queued
    asgi_call(app, "GET", b"/elsewhere")  # nor a path outside the API
    asgi_call(app, "GET", b"/api/kittens")
    assert [round(h) for h in holds] == [1, 2, 3, 4]


def test_a_full_queue_answers_503_over_capacity_at_once() -> None:
    app, holds = recording_app("capacity=1x1s,max_wait=1.5s")
    assert asgi_call(app, "GET", b"/api/kittens")[0] == 200
    assert asgi_call(app, "GET", b"/api/kittens")[0] == 200  # waits 1 s
    status, headers, body = asgi_call(app, "GET", b"/api/kittens")  # would wait 2 s
    assert status == 503
    assert headers[b"retry-after"] == b"1"
    assert orjson.loads(body)["error"]["detail"] == "over capacity"
    assert len(holds) == 2  # the refusal is not held
    counters = orjson.loads(asgi_call(app, "GET", b"/__vanceqa__/counters")[2])
    assert counters["status_503"] == 1


def test_maintenance_answers_before_the_queue() -> None:
    app, holds = recording_app("capacity=1x1s", "maintenance=on")
    for _ in range(3):
        status, _, body = asgi_call(app, "GET", b"/api/kittens")
        assert status == 503
        assert orjson.loads(body)["error"]["detail"] == "maintenance"
    assert holds == []
    assert app.state.reserve_service(1, 1.0, 10.0, time.monotonic()) == pytest.approx(1.0)


def test_latency_adds_to_the_answer_not_to_the_service() -> None:
    app, holds = recording_app("capacity=1x1s", "latency=500ms")
    started = time.monotonic()
    for _ in range(3):
        asgi_call(app, "GET", b"/api/kittens")
    elapsed = time.monotonic() - started
    # Service ends at 1, 2, 3 s; latency is added after, outside the worker (inside,
    # the worker would be busy 1.5 s per request: 1.5, 3, 4.5).
    for k, hold in enumerate(holds, start=1):
        assert k + 0.5 - elapsed - 1e-6 <= hold <= k + 0.5 + 1e-6, (k, hold)


@pytest.mark.anyio
async def test_waiting_in_the_queue_burns_no_cpu() -> None:
    app = MockApp(MockConfig(faults=FaultConfig.from_specs(["capacity=2x500ms"])))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://mock", headers={"Authorization": API_TOKEN}
    ) as client:
        cpu, wall = time.process_time(), time.monotonic()
        answers = await asyncio.gather(*(client.get("/api/kittens") for _ in range(6)))
        cpu, wall = time.process_time() - cpu, time.monotonic() - wall
    assert [a.status_code for a in answers] == [200] * 6
    assert wall >= 1.4  # three waves of two, 500 ms each
    assert cpu < 0.5 * wall  # timers, not a busy loop


# -- over real sockets -------------------------------------------------------------------


async def closed_loop(base_url: str, connections: int, requests: int) -> list[tuple[int, float]]:
    """`connections` keep-alive connections, each sending the next request as soon as
    its answer is in, until `requests` are answered: (status, latency) of each."""
    host, port = base_url.removeprefix("http://").split(":")
    request = (
        f"GET /api/kittens HTTP/1.1\r\nHost: {host}\r\nAuthorization: {API_TOKEN}\r\n\r\n"
    ).encode()
    results: list[tuple[int, float]] = []
    left = requests

    async def connection() -> None:
        nonlocal left
        reader, writer = await asyncio.open_connection(host, int(port))
        try:
            while left > 0:
                left -= 1
                sent = time.monotonic()
                writer.write(request)
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                length = next(
                    int(v) for k, _, v in (ln.partition(":") for ln in lines)
                    if k.lower() == "content-length"
                )  # fmt: skip
                await reader.readexactly(length)
                results.append((int(lines[0].split()[1]), time.monotonic() - sent))
        finally:
            writer.close()

    await asyncio.gather(*(connection() for _ in range(connections)))
    return results


def saturate(base_url: str, connections: int, requests: int) -> tuple[float, float]:
    """Throughput (requests/s, counted) and median latency (s) of a closed loop."""
    started = time.monotonic()
    results = asyncio.run(closed_loop(base_url, connections, requests))
    elapsed = time.monotonic() - started
    assert [status for status, _ in results] == [200] * requests
    latencies = sorted(latency for _, latency in results)
    return requests / elapsed, latencies[len(latencies) // 2]


@pytest.mark.socket
@pytest.mark.parametrize("workers", [1, 2])
def test_the_served_mock_saturates_at_its_capacity(workers: int) -> None:
    # 8 workers x 20 ms: 400 requests/s at most, however many granian workers serve it.
    with serve_mock(faults=["capacity=8x20ms"], workers=workers) as server:
        throughput, _ = saturate(server.base_url, connections=32, requests=800)
        _, light = saturate(server.base_url, connections=4, requests=100)
        _, heavy = saturate(server.base_url, connections=48, requests=480)
    # The ceiling is a property of the queue: 800 requests need 100 waves of 20 ms.
    assert throughput <= 400 * 1.02
    # The floor leaves room for a busy machine; an unqueued mock would be far above
    # (thousands/s) and a per-process queue with 2 workers would reach 800.
    assert throughput >= 400 * 0.5
    # Below the knee an answer takes the service time; past it, the queue's wait:
    # by Little's law 48 in flight at <= 400/s wait >= 120 ms in the median.
    assert light >= 0.020
    assert heavy >= 0.9 * 48 / 400
    assert heavy >= 4 * 0.020
