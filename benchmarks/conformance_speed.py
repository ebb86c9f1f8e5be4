"""How fast the conformance suite is, and how much it catches, next to `st run`.

    python benchmarks/conformance_speed.py             # full suite vs st run, bundled mock
    python benchmarks/conformance_speed.py --defects   # plus the kill rate on the catalogue

Prints wall time and requests per second of `vanceqa check` (the full suite, default
Hypothesis profile) against the bundled mock, and of `st run` (schemathesis CLI) over the
same contract, settings (conformance/schemathesis.toml) and kind of target. With
--defects, each defect of tests/defects/ is served fresh and both tools run against it,
one after the other; a defect counts as caught when the tool exits non-zero (neither
reports anything against the correct mock, which the first part shows).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # a script: the repository's tests/ package is not installed

from tests.defects.catalogue import DEFECTS  # noqa: E402
from tests.defects.harness import options_for, serve_defect  # noqa: E402
from vanceqa import resources  # noqa: E402
from vanceqa.mock.launcher import serve_mock  # noqa: E402
from vanceqa.redact import redact_text  # noqa: E402

RUN_TIMEOUT_S = 600


def run_check(extra: list[str], seed: int, profile: str) -> tuple[int, float, dict]:
    """`vanceqa check` in a subprocess: (exit code, wall seconds, conformance.json)."""
    with tempfile.TemporaryDirectory(prefix="vanceqa-bench-") as tmp:
        cmd = [sys.executable, "-m", "vanceqa", "check", "--report-dir", tmp, "--seed", str(seed)]
        cmd += [*extra, "--", "-q", f"--hypothesis-profile={profile}"]
        started = time.monotonic()
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=RUN_TIMEOUT_S, cwd=tmp)
        wall = time.monotonic() - started
        path = Path(tmp) / "conformance.json"
        document = json.loads(path.read_text()) if path.exists() else {}
    return proc.returncode, wall, document


def run_st(base_url: str, token: str, seed: int) -> tuple[int, float, str]:
    """`st run` over the same contract and settings: (exit code, wall seconds, summary)."""
    cmd = [
        sys.executable, "-m", "schemathesis.cli",
        "--config-file", str(resources.suite_file("schemathesis.toml")),
        "run", str(resources.openapi_path()), "--url", base_url,
        "-H", f"Authorization: {token}", "--checks", "all", "--seed", str(seed),
    ]  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="vanceqa-bench-st-") as tmp:
        started = time.monotonic()
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=RUN_TIMEOUT_S, cwd=tmp)
        wall = time.monotonic() - started
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    return proc.returncode, wall, redact_text(lines[-1] if lines else proc.stderr[-200:], [token])


def speed(seed: int, profile: str) -> None:
    print("== the full suite against the bundled mock ==")
    code, wall, document = run_check([], seed, profile)
    summary = document.get("summary", {})
    requests = summary.get("requests", 0)
    inside = document.get("duration_s") or wall
    print(
        f"vanceqa check: exit {code}, wall {wall:.1f} s (pytest session {inside:.1f} s), "
        f"{summary.get('passed')} passed / {summary.get('failed')} failed / "
        f"{summary.get('skipped')} skipped, {requests} requests by the suite's client "
        f"({requests / inside:.0f} req/s in session), throttled retries "
        f"{summary.get('throttled_retries')}"
    )
    with serve_mock() as mock:
        mock.control("DELETE", "counters")
        code, wall, last = run_st(mock.base_url, mock.api_token, seed)
        total = mock.counters()["total"]
    rate = total / wall
    print(f"st run:        exit {code}, wall {wall:.1f} s, {total} requests ({rate:.0f} req/s)")
    print(f"               {last}")


def kill_rate(seed: int, profile: str) -> None:
    print(f"\n== kill rate on the defect catalogue ({len(DEFECTS)} defects) ==")
    print(f"{'defect':34} {'expected check':24} {'vanceqa':>12} {'st run':>12}")
    ours = theirs = 0
    ours_s = theirs_s = 0.0
    for defect in DEFECTS:
        with serve_defect(defect.name) as base_url:
            options = options_for(base_url)
            code, wall, document = run_check(options.argv(), seed, profile)
        failed = {r["check"] for r in document.get("results", []) if r["outcome"] == "failed"}
        failed |= {
            (r.get("failure") or {}).get("check")
            for r in document.get("results", [])
            if r["outcome"] == "failed"
        }
        caught = code == 1 and defect.expected_check in failed
        with serve_defect(defect.name) as base_url:
            st_code, st_wall, _ = run_st(base_url, options.api_token, seed)
        st_caught = st_code != 0
        ours += caught
        theirs += st_caught
        ours_s += wall
        theirs_s += st_wall
        mark = {True: "caught", False: "MISSED"}
        print(
            f"{defect.name:34} {defect.expected_check:24} "
            f"{mark[caught]:>7} {wall:4.1f}s {mark[st_caught]:>7} {st_wall:4.1f}s",
            flush=True,
        )
    n = len(DEFECTS)
    print(
        f"\nvanceqa check: {ours}/{n} caught ({100 * ours / n:.0f}%), {ours_s:.0f} s in all\n"
        f"st run:        {theirs}/{n} caught ({100 * theirs / n:.0f}%), {theirs_s:.0f} s in all"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--defects", action="store_true", help="also measure the kill rate")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profile", default="conformance", help="Hypothesis profile")
    args = parser.parse_args()
    speed(args.seed, args.profile)
    if args.defects:
        kill_rate(args.seed, args.profile)


if __name__ == "__main__":
    main()
