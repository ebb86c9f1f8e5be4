"""Benchmark: how long the capacity search takes to 5% precision, against a linear sweep.

    python benchmarks/capacity_search.py [--fault capacity=8x20ms] [--slo "p(99) < 100ms"]
        [--step-time 10s] [--precision 5%] [--start-rate 20] [--max-rate 1600]

Against the bundled mock with a known capacity (8 requests in service, 20 ms each: 400
req/s), it measures the saturation throughput (offering twice the fault's ceiling), then
times `vanceqa capacity` (ramp x2, geometric bisection, rechecks, one confirming repeat)
and a k6-style linear sweep (stages of equal steps from the start rate, the first break
ends it) through the same steps, drains and verdicts
(`benchmarks/capacity_sweep_locustfile.py`). The sweep's step is the precision times the
capacity the search found, so both answers are equally precise; the sweep is even told
the scale. Prints the figures, asserts nothing: a benchmark, not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from vanceqa.load.capacity.settings import parse_precision
from vanceqa.mock.faults import Capacity, FaultConfig
from vanceqa.mock.launcher import MockServer, serve_mock
from vanceqa.target import ENV
from vanceqa.units import parse_duration

ROOT = Path(__file__).resolve().parent.parent


def environment(mock: MockServer, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VANCEQA_", "LOCUST_"))}
    env |= {ENV["api_token"]: mock.api_token, ENV["admin_token"]: mock.admin_token, **extra}
    return env


def saturation(mock: MockServer, ceiling: float, folder: Path) -> float:
    cmd = [sys.executable, "-m", "vanceqa", "load", "--base-url", mock.base_url, "--shape",
           "open", "--rate", f"{2 * ceiling:g}", "-t", "10s", "--slo", "none",
           "--report-dir", str(folder)]  # fmt: skip
    subprocess.run(cmd, env=environment(mock), capture_output=True, check=True, timeout=300)
    series = json.loads((folder / "load.json").read_text())["timeseries"]
    return float(statistics.median(row["rps"] for row in series[2:-2]))


def timed(cmd: list[str], env: dict[str, str], report: Path) -> tuple[float, dict[str, Any]]:
    began = time.monotonic()
    subprocess.run(cmd, env=env, capture_output=True, timeout=3600)
    took = time.monotonic() - began
    return took, json.loads((report / "capacity.json").read_text())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fault", default="capacity=8x20ms")
    parser.add_argument("--slo", default="p(99) < 100ms")
    parser.add_argument("--step-time", default="10s")
    parser.add_argument("--precision", default="5%")
    parser.add_argument("--start-rate", type=float, default=20.0)
    parser.add_argument("--max-rate", type=float, default=1600.0)
    args = parser.parse_args()
    precision = parse_precision(args.precision)
    step_s = parse_duration(args.step_time)
    fault = FaultConfig.from_specs([args.fault]).get(Capacity)
    ceiling = fault.capacity_workers / (fault.capacity_service_ms / 1000)
    with tempfile.TemporaryDirectory() as scratch, serve_mock(faults=[args.fault]) as mock:
        folder = Path(scratch)
        slo = folder / "slo.toml"
        slo.write_text(f"[overall]\nthresholds = [{json.dumps(args.slo)}]\n")
        saturated = saturation(mock, ceiling, folder / "saturation")
        common = ["--step-time", f"{step_s:g}s", "--warm-up", "2s", "--precision", args.precision]
        search_cmd = [sys.executable, "-m", "vanceqa", "capacity", "--base-url", mock.base_url,
                      "--slo", str(slo), "--start-rate", f"{args.start_rate:g}",
                      "--max-rate", f"{args.max_rate:g}", "--repeats", "1",
                      "--time-budget", "60m", "--report-dir", str(folder / "search"),
                      *common]  # fmt: skip
        search_s, found = timed(search_cmd, environment(mock), folder / "search")
        capacity = found["capacity_rps"] or saturated
        step = round(precision * capacity, 1)
        sweep_cmd = [sys.executable, "-m", "locust", "-f",
                     str(ROOT / "benchmarks" / "capacity_sweep_locustfile.py"), "--headless",
                     "--only-summary", "--host", mock.base_url, "--shape", "capacity",
                     "--rate", f"{step:g}..{args.max_rate:g}", "--repeats", "0", "-t", "3600s",
                     "--report-dir", str(folder / "sweep"), *common]  # fmt: skip
        env = environment(mock, VANCEQA_SLO=str(slo), VANCEQA_SWEEP_STEP=f"{step:g}")
        sweep_s, swept = timed(sweep_cmd, env, folder / "sweep")
    print(f"--fault {args.fault} (ceiling {ceiling:.0f} req/s), SLO {args.slo}, steps of "
          f"{step_s:g}s, precision {precision:.0%}")  # fmt: skip
    print(f"saturation throughput measured: {saturated:.1f} req/s")
    print(f"{'method':<34}{'wall s':>8}{'search s':>10}{'steps':>7}{'capacity':>10}"
          f"{'of saturation':>15}  answer")  # fmt: skip
    for name, took, data in (
        ("search (ramp x2, bisect, confirm)", search_s, found),
        (f"linear sweep (+{step:g} req/s)", sweep_s, swept),
    ):
        found_rps = data["capacity_rps"]
        share = f"{found_rps / saturated:.2f}" if found_rps else "-"
        print(
            f"{name:<34}{took:>8.0f}{data['duration_s']:>10.0f}{len(data['steps']):>7}"
            f"{found_rps if found_rps is not None else '-':>10}{share:>15}  {data['answer']}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
