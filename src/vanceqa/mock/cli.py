"""`vanceqa mock`: serve the bundled mock on a real socket."""

from __future__ import annotations

import argparse
import ipaddress
import os
import secrets
import sys

from vanceqa.errors import UsageError
from vanceqa.mock.config import (
    ADMIN_TOKEN_ENV,
    API_TOKEN_ENV,
    CONTROL_TOKEN_ENV,
    CONTROL_TOKEN_HEADER,
    MockConfig,
)
from vanceqa.mock.faults import FAULTS, FaultConfig
from vanceqa.mock.tls import ServerTLS
from vanceqa.processes import is_loopback


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = FAULTS.epilog()
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8080, help="port (default 8080)")
    parser.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    # Tokens may come through the environment, so they never show in a process list.
    parser.add_argument(
        "--api-token",
        default=os.environ.get(API_TOKEN_ENV),
        help=f"regular token (env {API_TOKEN_ENV}; default: the data file's)",
    )
    parser.add_argument(
        "--admin-token",
        default=os.environ.get(ADMIN_TOKEN_ENV),
        help=f"administrator token (env {ADMIN_TOKEN_ENV}; default: the data file's)",
    )
    parser.add_argument("--data", help="data file (default: the bundled fixtures/kittens.json)")
    parser.add_argument(
        "--fault", action="append", default=[], metavar="NAME=VALUE", help=FAULTS.option_help()
    )
    parser.add_argument("--seed", type=int, help="seed for random faults")
    parser.add_argument(
        "--no-control", action="store_true", help="do not serve the /__vanceqa__/ control API"
    )
    parser.add_argument(
        "--control-token",
        default=os.environ.get(CONTROL_TOKEN_ENV) or None,
        help=f"require this token in the {CONTROL_TOKEN_HEADER} header of every control API "
        f"request (env {CONTROL_TOKEN_ENV}). Off a loopback address one is required: "
        "generated and printed when not given",
    )
    tls = parser.add_argument_group("HTTPS")
    tls.add_argument("--tls-cert", metavar="FILE", help="serve HTTPS with this certificate (PEM)")
    tls.add_argument("--tls-key", metavar="FILE", help="the certificate's private key (PEM)")
    tls.add_argument(
        "--tls-client-ca",
        metavar="FILE",
        help="require client certificates signed by this CA (mutual TLS)",
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
    try:
        faults = FaultConfig.from_specs(args.fault)
    except UsageError as exc:
        raise UsageError(f"--fault: {exc}") from None
    tls = ServerTLS.from_options(args.tls_cert, args.tls_key, args.tls_client_ca)
    token = args.control_token
    if token is not None and (not token.strip() or not token.isprintable()):
        raise UsageError("--control-token must be printable and not blank")
    generated = False
    if not is_loopback(args.host):
        print(
            f"vanceqa mock: warning: listening on {args.host}, beyond this machine: anyone "
            "who reaches the port can call the API with the data file's tokens"
            + ("" if args.no_control else f"; the control API needs {CONTROL_TOKEN_HEADER}"),
            file=sys.stderr,
            flush=True,
        )
        if token is None and not args.no_control:
            token, generated = secrets.token_urlsafe(24), True
    config = MockConfig(
        data_path=args.data,
        api_token=args.api_token,
        admin_token=args.admin_token,
        faults=faults,
        control=not args.no_control,
        control_token=token,
        seed=args.seed,
    )
    if generated:
        # Printed only when we made it up: a token the user gave (or the launcher passed
        # in the environment) never reaches a log.
        print(f"vanceqa mock: control token ({CONTROL_TOKEN_HEADER}): {token}", flush=True)
    from vanceqa.mock.server import serve  # granian only when serving

    serve(config, args.host, args.port, args.workers, tls)
    return 0
