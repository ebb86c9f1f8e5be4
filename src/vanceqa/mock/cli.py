"""`vanceqa mock`: serve the bundled mock on a real socket."""

from __future__ import annotations

import argparse
import ipaddress
import os

from vanceqa.errors import UsageError
from vanceqa.mock.config import MockConfig
from vanceqa.mock.faults import FaultConfig

# Tokens may come through the environment, so they never show in a process list.
TOKEN_ENV = {"api": "VANCEQA_MOCK_API_TOKEN", "admin": "VANCEQA_MOCK_ADMIN_TOKEN"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8080, help="port (default 8080)")
    parser.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    parser.add_argument(
        "--api-token",
        default=os.environ.get(TOKEN_ENV["api"]),
        help=f"regular token (env {TOKEN_ENV['api']}; default: the data file's)",
    )
    parser.add_argument(
        "--admin-token",
        default=os.environ.get(TOKEN_ENV["admin"]),
        help=f"administrator token (env {TOKEN_ENV['admin']}; default: the data file's)",
    )
    parser.add_argument("--data", help="data file (default: the bundled fixtures/kittens.json)")
    parser.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="inject a fault, repeatable: latency=20ms | latency=normal:20ms,5ms | "
        "stall=10s:1000ms | error_rate=0.05 | maintenance=on | rate_limit=20",
    )
    parser.add_argument("--seed", type=int, help="seed for random faults")
    parser.add_argument(
        "--no-control", action="store_true", help="do not serve the /__vanceqa__/ control API"
    )


def run(args: argparse.Namespace) -> int:
    if not 0 < args.port < 65536:
        raise UsageError(f"--port must be between 1 and 65535, got {args.port}")
    if args.workers < 1:
        raise UsageError("--workers must be at least 1")
    try:
        ipaddress.ip_address(args.host)
    except ValueError:
        if args.host != "localhost":
            raise UsageError(f"--host must be an IP address, got {args.host!r}") from None
    config = MockConfig(
        data_path=args.data,
        api_token=args.api_token,
        admin_token=args.admin_token,
        faults=FaultConfig.from_specs(args.fault),
        control=not args.no_control,
        seed=args.seed,
    )
    from vanceqa.mock.server import serve  # granian only when serving

    serve(config, args.host, args.port, args.workers)
    return 0
