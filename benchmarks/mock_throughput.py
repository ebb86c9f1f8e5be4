"""Benchmark: the mock's GET /api/kittens against nginx serving the same bytes.

    python benchmarks/mock_throughput.py [--duration 10] [--connections 32]

Starts the mock (one granian worker) and nginx (one worker process, the list's bytes as
a static file) on free loopback ports, drives each with `wrk -t1 -cN -dDs --latency`,
prints requests/s and p99 for both and the ratio. Goal: the mock reaches >= 0.4 of
nginx's requests/s with p99 < 5 ms. Needs `wrk` and `nginx` (Debian: wrk, nginx-light).
Prints figures, asserts nothing: a benchmark, not a test.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import time

import httpx
from nginx_static import serve_static

from vanceqa.mock.launcher import serve_mock

_UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk(url: str, duration: int, connections: int, token: str | None) -> dict[str, float]:
    cmd = ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--latency"]
    if token:
        cmd += ["-H", f"Authorization: {token}"]
    out = subprocess.run(
        [*cmd, url], capture_output=True, text=True, check=True, timeout=duration + 60
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return {
        "rps": rps,
        "p99_ms": float(p99.group(1)) * _UNIT_MS[p99.group(2)] if p99 else float("nan"),
        "non_2xx": float(errors.group(1)) if errors else 0.0,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()
    missing = [tool for tool in ("wrk", "nginx") if not shutil.which(tool)]
    if missing:
        print(f"missing: {', '.join(missing)} (apt-get install wrk nginx-light)", file=sys.stderr)
        return 2
    with serve_mock() as mock:
        url = f"{mock.base_url}/api/kittens"
        body = httpx.get(url, headers={"Authorization": mock.api_token}).content
        with serve_static({"/api/kittens": body}) as nginx_base:
            nginx_url = f"{nginx_base}/api/kittens"
            wrk(url, 2, args.connections, mock.api_token)  # warm both up
            wrk(nginx_url, 2, args.connections, None)
            time.sleep(1)
            ours = wrk(url, args.duration, args.connections, mock.api_token)
            theirs = wrk(nginx_url, args.duration, args.connections, None)
    ratio = ours["rps"] / theirs["rps"]
    print(f"wrk -t1 -c{args.connections} -d{args.duration}s, GET /api/kittens ({len(body)} bytes)")
    print(
        f"  mock (granian, 1 worker): {ours['rps']:>10.0f} req/s   p99 {ours['p99_ms']:.2f} ms"
        f"   non-2xx {ours['non_2xx']:.0f}"
    )
    print(
        f"  nginx (static file)     : {theirs['rps']:>10.0f} req/s   p99 {theirs['p99_ms']:.2f} ms"
    )
    print(f"  ratio mock/nginx        : {ratio:.2f}  (goal >= 0.40, p99 < 5 ms)")
    goal = ratio >= 0.4 and ours["p99_ms"] < 5 and ours["non_2xx"] == 0
    print(f"  goal {'met' if goal else 'NOT met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
