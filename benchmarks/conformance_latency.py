"""The full destructive conformance suite over a slow network: side by side vs one at a time.

    python benchmarks/conformance_latency.py [--latencies 0ms,20ms,50ms] [--rounds 1]

Starts the bundled mock with `--fault latency=L` for each L and runs `pytest conformance/`
against it as the bundled mock (every check runs, destructive ones included), once with
the default `--concurrency` and once with `--concurrency 1`. Prints the wall time of each
run, its request count and its verdict. A benchmark, not a test: it asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from vanceqa.conformance.session import mock_delete_ids  # noqa: E402
from vanceqa.mock.data import load_dataset  # noqa: E402
from vanceqa.mock.launcher import serve_mock  # noqa: E402
from vanceqa.target import DEFAULT_CONCURRENCY, clean_environment  # noqa: E402


def run_suite(base_env: dict[str, str], concurrency: int) -> tuple[float, dict[str, object]]:
    with tempfile.TemporaryDirectory() as tmp:
        result = Path(tmp) / "conformance.json"
        env = {**base_env, "VANCEQA_CONCURRENCY": str(concurrency)}
        started = time.monotonic()
        subprocess.run(
            [sys.executable, "-m", "pytest", str(ROOT / "conformance"), "-q",
             "-p", "no:cacheprovider", f"--conformance-json={result}"],
            env=env, capture_output=True, text=True, check=False, cwd=tmp,
        )  # fmt: skip
        wall = time.monotonic() - started
        return wall, json.loads(result.read_text())["summary"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latencies", default="0ms,20ms,50ms")
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    deletable = mock_delete_ids(load_dataset())
    print(f"{'latency':>8} {'concurrency':>11} {'wall s':>8} {'requests':>9}  verdict")
    for latency in args.latencies.split(","):
        faults = [f"latency={latency}"] if latency not in ("0", "0ms") else []
        for _ in range(args.rounds):
            for concurrency in (DEFAULT_CONCURRENCY, 1):
                with serve_mock(faults=faults) as mock:
                    target = mock.target(destructive=True, delete_ids=deletable)
                    env = clean_environment() | target.to_env()
                    env["HYPOTHESIS_PROFILE"] = os.environ.get("HYPOTHESIS_PROFILE", "conformance")
                    wall, summary = run_suite(env, concurrency)
                verdict = f"{summary['passed']} passed, {summary['failed']} failed"
                print(
                    f"{latency:>8} {concurrency:>11} {wall:>8.1f} {summary['requests']:>9}  "
                    f"{verdict}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
