"""Benchmark: what our checks cost locust. Bare FastHttpUser vs our browsing scenario.

    python benchmarks/load_overhead.py [--duration 15] [--users 20] [--rounds 3]

Serves the mock's bytes (the list and each kitten) as static files from nginx (one
worker process) on a free loopback port, then runs locust twice, one process each,
the same users with no think time, against it:

  bare  a FastHttpUser that GETs the list and one kitten with the token, no checks
  ours  loadtests/locustfile.py's BrowsingUser: a flag combination, contract checks
        on every response, HDR recording, per-second series, the SLO gates

alternately for --rounds rounds, and prints the median requests/s of each (locust's own
count), their ratio and the CPU time per request (start-up included). Goals: ours >= 0.9
of bare, and >= 10,000 requests/s in one process. Needs nginx (Debian: nginx-light).
Prints figures, asserts nothing: a benchmark, not a test.
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx
from nginx_static import serve_static

from vanceqa import resources
from vanceqa.mock.launcher import serve_mock

BARE = """
from locust import FastHttpUser, task


class Bare(FastHttpUser):
    @task
    def browse(self):
        self.client.get("/api/kittens")
        self.client.get("/api/kittens/3")
"""


def run_locust(
    locustfile: Path, host: str, users: int, duration: int, tmp: Path, name: str, extra: list[str]
) -> tuple[float, float]:
    """(requests/s, CPU microseconds per request) of one locust process."""
    prefix = tmp / name
    cmd = [sys.executable, "-m", "locust", "-f", str(locustfile), "--headless", "--host", host]
    cmd += ["-u", str(users), "-r", str(users), "-t", f"{duration}s", "--only-summary"]
    cmd += ["--csv", str(prefix), *extra]
    env = dict(os.environ, VANCEQA_API_TOKEN="benchmark-token", VANCEQA_SLO="none")  # noqa: S106
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(cmd, env=env, cwd=tmp, check=False, timeout=duration + 120, capture_output=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    with open(f"{prefix}_stats.csv", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["Name"] == "Aggregated":
                failures = int(row["Failure Count"])
                if failures:
                    print(f"  ({name}: {failures} failures)")
                requests = int(row["Request Count"])
                return float(row["Requests/s"]), cpu / max(requests, 1) * 1e6
    raise RuntimeError(f"no Aggregated row in {prefix}_stats.csv")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=15)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3, help="alternate runs; medians count")
    args = parser.parse_args()
    if not shutil.which("nginx"):
        print("missing: nginx (apt-get install nginx-light)", file=sys.stderr)
        return 2
    with serve_mock() as mock:
        headers = {"Authorization": mock.api_token}
        list_body = httpx.get(f"{mock.base_url}/api/kittens", headers=headers).content
        ids = [k["id"] for k in httpx.get(f"{mock.base_url}/api/kittens", headers=headers).json()]
        items = {
            i: httpx.get(f"{mock.base_url}/api/kittens/{i}", headers=headers).content for i in ids
        }
    with tempfile.TemporaryDirectory(prefix="vanceqa-bench-") as name:
        tmp = Path(name)
        routes = {"/api/kittens": list_body}
        routes.update({f"/api/kittens/{i}": body for i, body in items.items()})
        with serve_static(routes) as base:
            bare_file = tmp / "bare_locustfile.py"
            bare_file.write_text(BARE)
            ours_file = resources.loadtests_dir() / "locustfile.py"
            ours_args = ["--shape", "smoke", "--think-time", "0", "--report-dir", str(tmp / "r")]
            ours_args += ["BrowsingUser"]
            run_locust(bare_file, base, args.users, 3, tmp, "warmup", [])
            runs: dict[str, list[tuple[float, float]]] = {"bare": [], "ours": []}
            for _ in range(args.rounds):  # alternate, so a busy spell hits both alike
                runs["bare"].append(
                    run_locust(bare_file, base, args.users, args.duration, tmp, "bare", [])
                )
                runs["ours"].append(
                    run_locust(ours_file, base, args.users, args.duration, tmp, "ours", ours_args)
                )
            bare, bare_cpu = (statistics.median(x) for x in zip(*runs["bare"], strict=True))
            ours, ours_cpu = (statistics.median(x) for x in zip(*runs["ours"], strict=True))
    ratio = ours / bare if bare else float("nan")
    print(
        f"locust, 1 process, {args.users} users, no think time, {args.rounds} x {args.duration}s "
        f"each, nginx serving the list ({len(list_body)} bytes) and {len(items)} kittens"
    )
    for name, results in runs.items():
        print(f"  {name} runs: " + ", ".join(f"{rps:.0f}" for rps, _ in results) + " req/s")
    print(
        f"  bare FastHttpUser (no checks)        : {bare:>9.0f} req/s  {bare_cpu:6.1f} us CPU/req"
    )
    print(
        f"  ours (contract checks, HDR, series)  : {ours:>9.0f} req/s  {ours_cpu:6.1f} us CPU/req"
    )
    print(f"  ratio ours/bare                      : {ratio:.2f}  (goal >= 0.90)")
    print(
        f"  CPU per request, bare/ours           : {bare_cpu / ours_cpu:.2f}  (start-up included)"
    )
    goal = ratio >= 0.9 and ours >= 10_000
    print(f"  goal (ratio >= 0.90 and >= 10,000 req/s): {'met' if goal else 'NOT met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
