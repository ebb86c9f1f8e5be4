"""Our options on locust's command line, and the settings a run derives from them.

The load options are also read from their VANCEQA_* variables (configargparse). The
target options come from the one table in `vanceqa.target` (locust's own --host is the
base URL): `TargetConfig.from_sources` reads them and their variables, so plain
`locust -f loadtests/locustfile.py` takes the same target settings as every other entry
point; `vanceqa load` passes them in the environment, never on a command line.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import Any

from vanceqa import resources
from vanceqa.load.shapes import DEFAULT_SHAPE, LoadShape, plan_shape, shape_help, shape_names
from vanceqa.load.units import parse_think_time, parse_weights
from vanceqa.mock.faults import FAULTS
from vanceqa.target import BUNDLED_MOCK_ENV, OPTIONS
from vanceqa.units import parse_duration

MOCK_ENV = BUNDLED_MOCK_ENV  # the URL of a bundled mock `vanceqa load` started
# Target options locust does not take: --host is locust's own; --strict judges checks.
NOT_FOR_LOCUST = frozenset({"base_url", "strict"})

# How long a run may take, whatever the target does (docs/load.md, "Every run ends").
STOP_GRACE_S = 10.0  # past the run time: the users are stopped by then (in locust)
START_UP_S = 20.0  # importing locust, starting a bundled mock, spawning
WRAP_UP_S = 30.0  # workers' last numbers (15 s at most), the verdicts, load.json, load.html


def run_bound_s(run_time_s: float, request_timeout_s: float) -> float:
    """Seconds after which `vanceqa load` stops locust as a last resort: the start, the
    preflight (one request per token, each within its deadline), the run, the grace
    and the wrap-up. A run normally ends a second or two after its run time."""
    return START_UP_S + 2 * request_timeout_s + run_time_s + STOP_GRACE_S + WRAP_UP_S


def add_options(parser: Any) -> None:
    """Our options, on `locust` itself too; each also read from its VANCEQA_* variable."""
    parser.add_argument(
        "--shape",
        choices=shape_names(),
        default=DEFAULT_SHAPE,
        env_var="VANCEQA_SHAPE",
        help=shape_help(),
    )
    parser.add_argument(
        "--rate",
        env_var="VANCEQA_RATE",
        help="open models: requests/s for the whole run, or FROM..TO to ramp",
    )
    parser.add_argument(
        "--max-lateness",
        default="5s",
        env_var="VANCEQA_MAX_LATENESS",
        help="open models: drop a request no user could start this late",
    )
    parser.add_argument(
        "--slo",
        env_var="VANCEQA_SLO",
        help="SLO file (default loadtests/slo.toml; 'none': no gates)",
    )
    parser.add_argument(
        "--report-dir",
        default="reports",
        env_var="VANCEQA_REPORT_DIR",
        help="where load.json goes (default reports/)",
    )
    parser.add_argument(
        "--seed",
        type=int,
        env_var="VANCEQA_SEED",
        help="seed of the random choices (flags, ids, open-model mix)",
    )
    parser.add_argument(
        "--weights",
        default="",
        env_var="VANCEQA_WEIGHTS",
        help="scenario weights, e.g. browse=8,admin=1,delete=1",
    )
    parser.add_argument(
        "--think-time",
        default="0.5s..1.5s",
        env_var="VANCEQA_THINK_TIME",
        help="closed shapes: pause between a user's tasks, e.g. 0 or 1s..3s",
    )
    for option in OPTIONS:
        if option.name not in NOT_FOR_LOCUST:
            # Not in the web UI: it would show tokens and header values.
            parser.add_argument(option.flag, include_in_web_ui=False, **option.argparse_keywords())
    parser.add_argument(
        "--mock-fault",
        action="append",
        default=[],
        help=FAULTS.option_help(),
    )
    parser.add_argument(
        "--bundled-mock",
        env_var=MOCK_ENV,
        default="",
        include_in_web_ui=False,
        help=argparse.SUPPRESS,
    )


@dataclass(frozen=True)
class LoadOptions:
    shape: LoadShape
    slo_path: str | None
    report_dir: str
    seed: int | None
    weights: dict[str, float]
    think_time: tuple[float, float]
    max_lateness: float

    @classmethod
    def from_parsed(cls, options: Any, shape: LoadShape | None = None) -> LoadOptions:
        slo = options.slo
        if slo is None:
            slo = str(resources.slo_path())
        elif slo.strip().lower() in ("", "none", "off"):
            slo = None
        run_time = float(options.run_time) if options.run_time else None
        return cls(
            shape=shape
            or plan_shape(
                options.shape,
                users=options.num_users,
                spawn_rate=options.spawn_rate,
                run_time_s=run_time,
                rate=options.rate,
            ),
            slo_path=slo,
            report_dir=options.report_dir,
            seed=options.seed,
            weights=parse_weights(options.weights or ""),
            think_time=parse_think_time(options.think_time or "0"),
            max_lateness=parse_duration(options.max_lateness, what="--max-lateness"),
        )
