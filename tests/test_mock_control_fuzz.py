"""Hypothesis against the control API: arbitrary JSON (and bytes) at every endpoint.

Two properties, in-process through raw ASGI:

1. No control request is answered 5xx; a refused fault change (400) changes nothing,
   and an accepted one (200) is exactly what the mock then reports.
2. No fault state reachable through the control API makes the API answer 5xx beyond
   what a fault was set to produce: a 500 only with `error_rate` above 0 (detail
   "injected fault"), a 503 only with `maintenance` on (detail "maintenance") or a
   capacity queue refusing (detail "over capacity"). So with error_rate 0, maintenance
   off and no capacity fault, the API never answers 5xx. And no answer is held longer
   than the documented bounds allow, so no state stops the mock from answering.

Answers are "held" by a stub that records the hold instead of sleeping.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import orjson
from hypothesis import event, given
from hypothesis import strategies as st

from tests.conftest import ADMIN_TOKEN, API_TOKEN, asgi_call
from vanceqa.mock import MockConfig
from vanceqa.mock.app import MockApp
from vanceqa.mock.fault_spec import Setting
from vanceqa.mock.faults import FAULTS, Capacity, ErrorRate, FaultConfig, Maintenance

FIELDS = FAULTS.field_names()
ENDPOINTS = ["health", "reset", "state", "faults", "counters", "faults/", "nothing"]
METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
MAX_HOLD_S = 60 + 60 + 60 + 60  # latency, stall, capacity wait and service: each <= 60 s


def dumps(value: object) -> bytes:
    return json.dumps(value).encode()  # unlike orjson, integers beyond 64 bits too


scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.integers(min_value=-2, max_value=2000)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.floats(min_value=-1.0, max_value=70_000.0)
    | st.text(max_size=12)
    | st.sampled_from(["uniform", "normal", "exponential", "lognormal", "on", "no", "20ms"])
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=8,
)
field_values = (
    scalars | st.lists(st.floats(min_value=-1.0, max_value=70_000.0), max_size=3) | json_values
)


def in_range(spec: Setting) -> st.SearchStrategy[Any]:
    """Values of a setting's own type within its range: states the mock accepts."""
    high = min(spec.high, 1e12)
    if spec.kind == "flag":
        return st.booleans()
    if spec.kind == "choice":
        return st.sampled_from(spec.choices)
    if spec.kind == "count":
        return st.integers(min_value=int(spec.low), max_value=int(high))
    number = st.floats(
        min_value=spec.low, max_value=high, exclude_min=spec.above_low, allow_nan=False
    )
    if spec.kind == "numbers":
        return st.lists(number, max_size=spec.max_items)
    return number


VALID = {name: in_range(spec) for kind in FAULTS for name, spec in kind.settings().items()}
fault_objects = st.dictionaries(
    st.sampled_from(FIELDS) | st.text(max_size=8), field_values, max_size=len(FIELDS)
) | st.fixed_dictionaries({}, optional=VALID)
bodies = (
    fault_objects.map(dumps)
    | json_values.map(dumps)
    | st.binary(max_size=40)
    | st.sampled_from([b"", b"{}", b"NaN", b'{"latency_ms": 1e400}', b"[" * 2000])
)


control_requests = st.tuples(st.sampled_from(METHODS), st.sampled_from(ENDPOINTS), bodies)

# One of each kind of API request, so every stage of the decision order is reached.
API_REQUESTS: list[tuple[str, bytes, bytes, list[tuple[bytes, bytes]]]] = [
    ("GET", b"/api/kittens", b"", [(b"authorization", API_TOKEN.encode())]),
    ("GET", b"/api/kittens", b"include_cats=true", [(b"authorization", ADMIN_TOKEN.encode())]),
    ("GET", b"/api/kittens", b"available=banana", [(b"authorization", API_TOKEN.encode())]),
    ("GET", b"/api/kittens/1", b"", [(b"authorization", API_TOKEN.encode())]),
    ("GET", b"/api/kittens/99999", b"", [(b"authorization", API_TOKEN.encode())]),
    ("GET", b"/api/kittens/abc", b"", [(b"authorization", API_TOKEN.encode())]),
    ("DELETE", b"/api/kittens/2", b"", [(b"authorization", API_TOKEN.encode())]),
    ("PUT", b"/api/kittens", b"", [(b"authorization", API_TOKEN.encode())]),
    ("GET", b"/api/kittens", b"", [(b"accept", b"application/xml")]),
    ("GET", b"/api/kittens", b"", []),
]


def fresh_app() -> tuple[MockApp, list[float]]:
    holds: list[float] = []

    async def hold(seconds: float) -> None:
        holds.append(seconds)
        await asyncio.sleep(0)

    return MockApp(MockConfig(seed=5), sleep=hold), holds


def control(app: MockApp, method: str, name: str, body: bytes) -> tuple[int, Any]:
    status, headers, answer = asgi_call(app, method, f"/__vanceqa__/{name}".encode(), body=body)
    assert status < 500, (method, name, body, answer)
    assert headers[b"content-type"] == b"application/json"
    return status, orjson.loads(answer) if answer else None


@given(st.lists(control_requests, min_size=1, max_size=6))
def test_no_control_request_answers_5xx_and_refusals_change_nothing(
    requests: list[tuple[str, str, bytes]],
) -> None:
    app, _ = fresh_app()
    for method, name, body in requests:
        version, before = app.state.fault_version(), app.state.faults()
        status, answer = control(app, method, name, body)
        if name == "faults" and method in ("PUT", "PATCH"):
            if status == 200:
                assert answer == app.state.faults().to_json()
            else:
                assert status in (400, 413)
                assert app.state.fault_version() == version
                assert app.state.faults() == before


def explained(status: int, body: bytes, faults: FaultConfig) -> bool:
    """Whether a 5xx is one a fault was set to produce (see the module docstring)."""
    if status < 500:
        return True
    detail = orjson.loads(body)["error"].get("detail")
    if status == 500:
        return faults.get(ErrorRate).error_rate > 0 and detail == "injected fault"
    if status == 503 and detail == "maintenance":
        return faults.get(Maintenance).maintenance
    if status == 503 and detail == "over capacity":
        return faults.get(Capacity).on
    return False


@given(st.lists(st.tuples(st.sampled_from(["PUT", "PATCH"]), fault_objects), max_size=4))
def test_no_reachable_fault_state_makes_the_api_answer_an_unexplained_5xx(
    changes: list[tuple[str, dict[str, Any]]],
) -> None:
    app, holds = fresh_app()
    for method, fields in changes:
        status, _ = control(app, method, "faults", dumps(fields))
        event(f"fault change answered {status}")
    faults = FaultConfig.from_json(control(app, "GET", "faults", b"")[1])
    for method, path, query, headers in API_REQUESTS * 2:
        status, answer_headers, body = asgi_call(app, method, path, query, headers)
        assert explained(status, body, faults), (status, body, faults.to_json())
        assert answer_headers[b"content-type"] == b"application/json"
        orjson.loads(body)
        if status in (429, 503):
            assert int(answer_headers[b"retry-after"]) >= 1
    assert all(0 < hold <= MAX_HOLD_S for hold in holds), holds


@given(fault_objects)
def test_the_fault_state_round_trips_through_json(fields: dict[str, Any]) -> None:
    app, _ = fresh_app()
    status, answer = control(app, "PUT", "faults", dumps(fields))
    if status == 200:
        assert FaultConfig.from_json(answer) == app.state.faults()
        assert FaultConfig.from_json(answer).to_json() == answer
