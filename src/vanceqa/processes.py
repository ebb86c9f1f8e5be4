"""Child processes and ports: a free loopback port, whether an address stays on this
machine, waiting for a server, stopping one.

Used by the mock launcher, the load command, `vanceqa run` and the toolkit's own tests,
so that every server we start is awaited and stopped the same way.
"""

from __future__ import annotations

import ipaddress
import os
import signal
import socket
import subprocess
import time
from typing import Any

import httpx

from vanceqa.errors import TargetUnavailable


def is_loopback(host: str) -> bool:
    """Whether `host` (an address or `localhost`) is this machine's loopback."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def free_port(host: str = "127.0.0.1") -> int:
    """A port nobody listens on right now (someone may take it before we bind)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def wait_until_ready(
    url: str,
    timeout: float,
    process: subprocess.Popen[Any] | None = None,
    *,
    verify: Any = True,
) -> None:
    """Poll `url` until it answers (any status), the process dies, or `timeout` passes."""
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise TargetUnavailable(f"the server exited with code {process.returncode}")
        try:
            # Our own server on loopback: no proxy from the environment, no .netrc.
            httpx.get(url, timeout=1.0, verify=verify, trust_env=False)
            return
        except httpx.TransportError as exc:
            last = exc
            time.sleep(0.05)
    raise TargetUnavailable(f"{url} did not answer within {timeout:.0f}s ({last})")


def stop_process(
    process: subprocess.Popen[Any], grace: float = 10.0, *, group: bool = False
) -> None:
    """SIGTERM, then SIGKILL after `grace` seconds; `group`: the whole process group."""
    if process.poll() is not None:
        return
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
        try:
            if group:
                os.killpg(process.pid, sig)
            else:
                process.send_signal(sig)
        except ProcessLookupError:
            return
        try:
            process.wait(wait)
            return
        except subprocess.TimeoutExpired:
            continue
