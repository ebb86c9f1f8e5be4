"""Each injectable fault, configured at start and at run time."""

from __future__ import annotations

import random
import time

import httpx
import pytest

from vanceqa.errors import UsageError
from vanceqa.mock import FaultConfig, MockConfig, create_app
from vanceqa.mock.app import MockApp
from vanceqa.mock.fault_spec import FaultContext
from vanceqa.mock.faults import ErrorRate, Latency, Maintenance, RateLimit, Stall
from vanceqa.mock.shared_state import SharedState

pytestmark = pytest.mark.anyio


async def set_faults(client: httpx.AsyncClient, **faults: object) -> httpx.Response:
    response = await client.put("/__vanceqa__/faults", json=faults)
    assert response.status_code == 200, response.text
    return response


async def test_maintenance_is_503_with_retry_after(client: httpx.AsyncClient) -> None:
    await set_faults(client, maintenance=True)
    for method, path in (
        ("GET", "/api/kittens"),
        ("GET", "/api/kittens/1"),
        ("DELETE", "/api/kittens/1"),
    ):
        response = await client.request(method, path)
        assert response.status_code == 503
        assert int(response.headers["retry-after"]) > 0
        assert response.headers["content-type"] == "application/json"
    # The control API ignores faults, so maintenance can end.
    await client.delete("/__vanceqa__/faults")
    assert (await client.get("/api/kittens/1")).status_code == 200


async def test_error_rate_one_answers_500(client: httpx.AsyncClient) -> None:
    await set_faults(client, error_rate=1.0)
    assert (await client.get("/api/kittens")).status_code == 500


async def test_error_rate_is_a_fraction(client: httpx.AsyncClient) -> None:
    await set_faults(client, error_rate=0.3)
    statuses = [(await client.get("/api/kittens")).status_code for _ in range(400)]
    share = statuses.count(500) / len(statuses)
    assert set(statuses) == {200, 500}
    assert 0.15 < share < 0.45  # seeded: deterministic, bounds leave room for any seed


async def test_rate_limit_is_429_with_retry_after_per_token(client: httpx.AsyncClient) -> None:
    await set_faults(client, rate_limit_rps=5)
    statuses = [(await client.get("/api/kittens")).status_code for _ in range(12)]
    assert statuses[:5] == [200] * 5  # a burst of one second's worth
    assert 429 in statuses
    limited = await client.get("/api/kittens")
    assert limited.status_code == 429
    assert int(limited.headers["retry-after"]) >= 1
    # The admin token has a bucket of its own.
    from tests.conftest import ADMIN_TOKEN

    admin = await client.get("/api/kittens", headers={"Authorization": ADMIN_TOKEN})
    assert admin.status_code == 200


async def test_rate_limit_refills(app: MockApp) -> None:
    app.state.set_faults(FaultConfig.from_json({"rate_limit_rps": 1000}))
    now = time.time()
    waits = [app.state.take_token(0, 1000, now) for _ in range(1001)]
    assert waits[:1000] == [0.0] * 1000
    assert waits[1000] > 0
    assert app.state.take_token(0, 1000, now + 0.01) == 0.0  # 10 ms buys 10 tokens


async def test_fixed_latency_holds_answers(client: httpx.AsyncClient) -> None:
    await set_faults(client, latency_ms=150)
    started = time.perf_counter()
    assert (await client.get("/api/kittens")).status_code == 200
    assert time.perf_counter() - started >= 0.14


@pytest.mark.parametrize(
    ("spec", "low", "high"),
    [
        ("latency=uniform:10ms..20ms", 10, 20),
        ("latency=normal:50ms,5ms", 20, 80),
        ("latency=exponential:10ms", 0, 200),
        ("latency=lognormal:10ms,0.2", 3, 40),
    ],
)
def test_latency_distributions_sample_in_range(spec: str, low: float, high: float) -> None:
    latency = FaultConfig.from_specs([spec]).get(Latency)
    context = FaultContext(SharedState(), random.Random(7), now=0.0, clock=0.0)
    samples = [latency.effect(context) * 1000 for _ in range(2000)]
    assert len(set(samples)) > 100  # a distribution, not a constant
    inside = sum(low <= s <= high for s in samples) / len(samples)
    assert inside > 0.97


def test_a_latency_draw_is_held_at_most_a_minute() -> None:
    latency = FaultConfig.from_specs(["latency=60s", "latency=lognormal:60s,10"]).get(Latency)
    context = FaultContext(SharedState(), random.Random(1), now=0.0, clock=0.0)
    assert max(latency.effect(context) for _ in range(200)) == 60.0


def test_stall_holds_answers_until_the_window_ends() -> None:
    stall = FaultConfig.from_specs(["stall=10s:1000ms"]).get(Stall)
    epoch = stall.stall_epoch

    def hold(now: float) -> float:
        return stall.effect(FaultContext(SharedState(), random.Random(0), now=now, clock=0.0))

    assert hold(epoch + 0.0) == pytest.approx(1.0)
    assert hold(epoch + 0.75) == pytest.approx(0.25)
    assert hold(epoch + 1.5) == 0.0
    assert hold(epoch + 10.2) == pytest.approx(0.8)


async def test_stall_applies_at_run_time(client: httpx.AsyncClient) -> None:
    # A 1 s window from now: the GET lands in it even after a busy machine's pause.
    await set_faults(client, stall_every_s=60, stall_ms=1000, stall_epoch=time.time())
    started = time.perf_counter()
    assert (await client.get("/api/kittens")).status_code == 200
    assert time.perf_counter() - started >= 0.2


def test_faults_at_start_apply() -> None:
    app = create_app(MockConfig(faults=FaultConfig.from_specs(["maintenance=on"])))
    assert app.faults.get(Maintenance).maintenance


@pytest.mark.parametrize(
    "spec",
    [
        "latency",
        "latency=fast",
        "latency=gamma:1ms",
        "latency=uniform:5ms",
        "stall=10s",
        "stall=1s:2000ms",
        "error_rate=2",
        "error_rate=lots",
        "maintenance=maybe",
        "rate_limit=-3",
        "rate_limit=nan",
        "rate_limit=inf",
        "teapot=on",
        "latency=61s",
        "latency=uniform:50ms..10ms",
        "latency=exponential:0ms",
        "latency=lognormal:10ms,11",
        "stall=0s:10ms",
        "stall=2d:10ms",
        "error_rate=nan",
        "error_rate=-0.1",
        "capacity=8",
        "capacity=0x20ms",
        "capacity=8x0ms",
        "capacity=1025x20ms",
        "capacity=8x61s",
        "capacity=8x20ms,max_wait=0s",
        "capacity=8x20ms,max_wait=2m",
        "capacity=8x20ms,queue=5",
        "capacity=-8x20ms",
    ],
)
def test_bad_fault_specs_are_usage_errors(spec: str) -> None:
    with pytest.raises(UsageError):
        FaultConfig.from_specs([spec])


def test_fault_specs_parse() -> None:
    faults = FaultConfig.from_specs(
        ["latency=20ms", "error_rate=5%", "rate_limit=20/s", "maintenance=off", "stall=4s:500ms"]
    )
    fields = faults.to_json()
    assert fields["latency_ms"] == 20
    assert fields["error_rate"] == pytest.approx(0.05)
    assert fields["rate_limit_rps"] == 20
    assert fields["stall_every_s"] == 4
    assert fields["stall_ms"] == 500
    assert FaultConfig.from_json(faults.to_json()) == faults


def test_each_spec_changes_only_the_fields_it_names() -> None:
    # A fixed latency and a distribution on top: two specs, both kept.
    faults = FaultConfig.from_specs(["latency=20ms", "latency=normal:5ms,1ms", "error_rate=1"])
    assert faults.get(Latency) == Latency(20.0, "normal", (5.0, 1.0))
    # NAME=off puts one fault back to its defaults, leaving the others alone.
    off = FaultConfig.from_specs(["latency=off"], base=faults)
    assert off.get(Latency) == Latency()
    assert off.get(ErrorRate).error_rate == 1.0
    assert FaultConfig.from_specs(["rate_limit=20", "rate_limit=off"]).get(RateLimit) == RateLimit()
