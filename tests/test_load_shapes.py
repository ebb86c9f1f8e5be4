"""Load shapes: one registered class each; names, help and errors come from the registry."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import pytest

from vanceqa.errors import UsageError
from vanceqa.load import shapes
from vanceqa.load.shapes import (
    SHAPES,
    ClosedShape,
    LoadShape,
    Step,
    default_pool,
    open_shapes,
    plan_shape,
    shape,
    shape_from_json,
    shape_help,
    shape_names,
)

ROOT = Path(__file__).resolve().parent.parent


def test_every_shape_has_defaults_and_ends() -> None:
    for name, cls in SHAPES.items():
        plan = plan_shape(name)
        assert plan.name == name
        assert plan.run_time_s == cls.default_run_time_s > 0
        assert plan.at(0) is not None
        assert plan.at(plan.run_time_s) is None  # every run ends
        assert shape_from_json(plan.to_json()) == plan


def test_ramp_climbs_in_steps_then_holds() -> None:
    plan = plan_shape("ramp", users=50, run_time_s=100)
    users = [plan.at(t)[0] for t in range(0, 100, 4)]  # type: ignore[index]
    assert users == sorted(users)
    assert users[0] == 10
    assert set(users) == {10, 20, 30, 40, 50}
    assert plan.at(85) == (50, plan.spawn_rate)


def test_spike_is_higher_in_the_middle() -> None:
    plan = plan_shape("spike", users=40, run_time_s=100)
    assert plan.at(10) == (4, 200.0)
    assert plan.at(40) == (40, 200.0)
    assert plan.at(70) == (4, 200.0)


def test_open_shapes() -> None:
    plan = plan_shape("open", rate="200", run_time_s=10)
    assert plan.open_model
    assert plan.to_json()["rate"] == 200.0
    assert (plan.to_json()["rate_from"], plan.to_json()["rate_to"]) == (200.0, 200.0)
    assert plan.users == default_pool(200) == 20
    ramp = plan_shape("open-ramp", rate="300")
    assert (ramp.to_json()["rate_from"], ramp.to_json()["rate_to"]) == (0.0, 300.0)
    assert ramp.to_json()["rate"] is None
    assert plan_shape("open-ramp", rate="10..50").to_json()["rate_from"] == 10.0
    assert shape_from_json(ramp.to_json()) == ramp
    with pytest.raises(UsageError, match="open-ramp"):
        plan_shape("open", rate="10..50")


def test_errors_name_the_registered_shapes() -> None:
    with pytest.raises(UsageError, match=r"unknown shape 'wave' \(one of smoke, ramp, spike"):
        plan_shape("wave")
    with pytest.raises(UsageError, match=r"--rate is for the open models \(open, open-ramp\)"):
        plan_shape("soak", rate="10")
    for bad in ({"users": 0}, {"spawn_rate": 0.0}):
        with pytest.raises(UsageError):
            plan_shape("smoke", **bad)  # type: ignore[arg-type]


def test_max_rps_refuses_an_open_rate_above_it_and_paces_closed_shapes() -> None:
    with pytest.raises(UsageError, match="--rate 100 req/s exceeds --max-rps 50"):
        plan_shape("open", rate="100", max_rps=50)
    with pytest.raises(UsageError, match="--rate 80 req/s exceeds --max-rps 50"):
        plan_shape("open-ramp", rate="10..80", max_rps=50)
    assert plan_shape("open", rate="50", max_rps=50).users == 10
    # A closed shape's rate is what its users reach: paced under the ceiling, not refused.
    plan_shape("ramp", users=500, max_rps=1)
    plan_shape("smoke").check(0.5)


def test_help_and_name_lists_come_from_the_registry() -> None:
    # The built-in shapes, in their order; a shape declared later only adds to the list.
    builtin = ("smoke", "ramp", "spike", "soak", "open", "open-ramp")
    assert shape_names() == tuple(SHAPES)
    assert tuple(n for n in shape_names() if n in builtin) == builtin
    assert {"open", "open-ramp"} <= open_shapes()
    assert not {"smoke", "ramp", "spike", "soak"} & open_shapes()
    text = shape_help().replace("%%", "%")  # argparse reads % as a format
    for name, cls in SHAPES.items():
        assert f"{name}: {cls.help} ({cls.defaults})" in text


def test_docs_have_a_row_for_every_shape() -> None:
    docs = (ROOT / "docs" / "load.md").read_text()
    rows = set(re.findall(r"^\| `([a-z-]+)` \|", docs, re.MULTILINE))
    assert set(SHAPES) <= rows


# -- adding a shape: one declaration ----------------------------------------------------


@pytest.fixture
def registry() -> Iterator[dict[str, type[LoadShape]]]:
    saved = dict(SHAPES)
    yield SHAPES
    SHAPES.clear()
    SHAPES.update(saved)


def test_a_new_shape_is_one_class(registry: dict[str, type[LoadShape]]) -> None:
    """A stateful shape that ends early (as a capacity search would): one declaration."""

    @shape
    @dataclass
    class Stairs(ClosedShape):
        name = "stairs"
        help = "one more user every second until 3, then stop"
        defaults = "3 users, 1 m"
        default_users = 3
        default_run_time_s = 60.0
        seen: ClassVar[list[float]] = []

        def at(self, t: float) -> Step | None:
            self.seen.append(t)
            step = int(t) + 1
            return None if step > self.users else (step, 1.0)

    assert "stairs" in shape_names()
    assert "stairs: one more user every second until 3, then stop (3 users, 1 m)" in shape_help()
    plan = plan_shape("stairs")
    assert [plan.at(t) for t in (0, 1, 2, 3)] == [(1, 1.0), (2, 1.0), (3, 1.0), None]
    assert plan.run_time_s == 60.0  # ended early, long before its bound
    with pytest.raises(UsageError, match=r"one of smoke, ramp, .*open-ramp, .*stairs"):
        plan_shape("stair")
    with pytest.raises(ValueError, match="two load shapes are named 'stairs'"):
        shape(Stairs)
    assert shapes.SHAPES["stairs"] is Stairs
