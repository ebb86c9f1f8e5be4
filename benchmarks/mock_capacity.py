"""Benchmark: the mock's capacity fault seen by wrk, below and past the knee.

    python benchmarks/mock_capacity.py [--fault capacity=8x20ms] [--duration 5]
                                       [--workers 1,2] [--connections 4,8,16,32,64,128]

Starts the mock with the fault for each number of granian workers and drives it with
`wrk -t1 -cN` for each N: throughput should rise to WORKERS/SERVICE_TIME (400 req/s
for 8x20ms) and stay there, whatever the granian workers, while p50/p99 grow with the
queue (about N / capacity past the knee). Needs `wrk` (Debian: wrk). Prints figures,
asserts nothing: a benchmark, not a test.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys

from vanceqa.mock.faults import Capacity, FaultConfig
from vanceqa.mock.launcher import serve_mock

_UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk(url: str, duration: int, connections: int, token: str) -> dict[str, float]:
    cmd = ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "30s"]
    out = subprocess.run(
        [*cmd, "-H", f"Authorization: {token}", url],
        capture_output=True,
        text=True,
        check=True,
        timeout=duration + 60,
    ).stdout
    figures = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))}  # type: ignore[union-attr]
    for name, label in (("p50_ms", "50%"), ("p99_ms", "99%")):
        found = re.search(rf"{label}\s+([\d.]+)(us|ms|s)", out)
        figures[name] = float(found.group(1)) * _UNIT_MS[found.group(2)] if found else float("nan")
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    figures["non_2xx"] = float(errors.group(1)) if errors else 0.0
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fault", default="capacity=8x20ms")
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--connections", default="4,8,16,32,64,128")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        print("missing: wrk (apt-get install wrk)", file=sys.stderr)
        return 2
    capacity = FaultConfig.from_specs([args.fault]).get(Capacity)
    ceiling = capacity.capacity_workers / (capacity.capacity_service_ms / 1000)
    print(f"--fault {args.fault}: ceiling {ceiling:.0f} req/s; wrk -t1 -d{args.duration}s")
    print(
        f"{'workers':>7} {'conns':>5} {'req/s':>8} {'of ceiling':>10} {'p50 ms':>8} {'p99 ms':>8}"
    )
    for workers in (int(w) for w in args.workers.split(",")):
        with serve_mock(faults=[args.fault], workers=workers) as mock:
            url = f"{mock.base_url}/api/kittens"
            for connections in (int(c) for c in args.connections.split(",")):
                mock.control("DELETE", "counters")
                got = wrk(url, args.duration, connections, mock.api_token)
                print(
                    f"{workers:>7} {connections:>5} {got['rps']:>8.1f} "
                    f"{got['rps'] / ceiling:>10.2f} {got['p50_ms']:>8.1f} {got['p99_ms']:>8.1f}"
                    + (f"   non-2xx {got['non_2xx']:.0f}" if got["non_2xx"] else "")
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
