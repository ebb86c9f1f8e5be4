"""Each injectable fault, configured at start and at run time."""

from __future__ import annotations

import random
import time

import httpx
import pytest

from vanceqa.errors import UsageError
from vanceqa.mock import FaultConfig, MockConfig, create_app
from vanceqa.mock.app import MockApp

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
    app.state.set_faults(FaultConfig(rate_limit_rps=1000))
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
    faults = FaultConfig.from_specs([spec])
    rng = random.Random(7)
    samples = [faults.delay_s(rng, now=0.0) * 1000 for _ in range(2000)]
    assert len(set(samples)) > 100  # a distribution, not a constant
    inside = sum(low <= s <= high for s in samples) / len(samples)
    assert inside > 0.97


def test_stall_holds_answers_until_the_window_ends() -> None:
    faults = FaultConfig.from_specs(["stall=10s:1000ms"])
    epoch = faults.stall_epoch
    rng = random.Random(0)
    assert faults.delay_s(rng, epoch + 0.0) == pytest.approx(1.0)
    assert faults.delay_s(rng, epoch + 0.75) == pytest.approx(0.25)
    assert faults.delay_s(rng, epoch + 1.5) == 0.0
    assert faults.delay_s(rng, epoch + 10.2) == pytest.approx(0.8)


async def test_stall_applies_at_run_time(client: httpx.AsyncClient) -> None:
    await set_faults(client, stall_every_s=60, stall_ms=300, stall_epoch=time.time())
    started = time.perf_counter()
    assert (await client.get("/api/kittens")).status_code == 200
    assert time.perf_counter() - started >= 0.2


def test_faults_at_start_apply() -> None:
    app = create_app(MockConfig(faults=FaultConfig.from_specs(["maintenance=on"])))
    assert app.faults.maintenance


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
        "teapot=on",
    ],
)
def test_bad_fault_specs_are_usage_errors(spec: str) -> None:
    with pytest.raises(UsageError):
        FaultConfig.from_specs([spec])


def test_fault_specs_parse() -> None:
    faults = FaultConfig.from_specs(
        ["latency=20ms", "error_rate=5%", "rate_limit=20/s", "maintenance=off", "stall=4s:500ms"]
    )
    assert faults.latency_ms == 20
    assert faults.error_rate == pytest.approx(0.05)
    assert faults.rate_limit_rps == 20
    assert faults.stall_every_s == 4
    assert faults.stall_ms == 500
    assert FaultConfig.from_json(faults.to_json()) == faults
