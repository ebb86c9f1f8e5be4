"""Child processes and ports: a free loopback port, whether an address stays on this
machine, waiting for a server, stopping one.

Used by the mock launcher, the load command, `vanceqa run` and the toolkit's own tests,
so that every server we start is awaited and stopped the same way.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import signal
import socket
import subprocess
import time
from typing import Any
from urllib.parse import urlsplit

import httpx
import psutil

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
    """Poll `url` until `process` answers it (any status), the process dies, or `timeout`
    passes. An answer from another program that took the port between `free_port` and the
    bind does not count: then our server fails to bind and exits, and nothing is ever sent
    to a server we did not start believing it ours."""
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    port = urlsplit(url).port
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise TargetUnavailable(f"the server exited with code {process.returncode}")
        try:
            # Our own server on loopback: no proxy from the environment, no .netrc.
            httpx.get(url, timeout=1.0, verify=verify, trust_env=False)
            if process is None or port is None or _listens(process, port) is not False:
                return
            last = OSError(f"port {port} answers, but not from the server we started")
        except httpx.TransportError as exc:
            last = exc
        time.sleep(0.05)
    raise TargetUnavailable(f"{url} did not answer within {timeout:.0f}s ({last})")


def _listens(process: subprocess.Popen[Any], port: int) -> bool | None:
    """Whether `process` or one of its children listens on `port` (None: cannot tell)."""
    try:
        root = psutil.Process(process.pid)
        for member in (root, *root.children(recursive=True)):
            for connection in member.net_connections(kind="inet"):
                if connection.status == psutil.CONN_LISTEN and connection.laddr.port == port:
                    return True
    except psutil.NoSuchProcess:
        return False
    except (psutil.Error, OSError, NotImplementedError):
        return None
    return False


def stop_process(
    process: subprocess.Popen[Any], grace: float = 10.0, *, group: bool = False
) -> None:
    """SIGTERM, then SIGKILL after `grace` seconds.

    `group`: `process` leads a process group of its own (`start_new_session=True`); the
    whole group is signalled and awaited, members that outlive the leader included (a
    browser's renderers, a test run's workers), so that nothing it started still runs or
    writes when this returns."""
    if group and process.poll() is None and _group_of(process) != process.pid:
        group = False  # not started as a group's leader: stop it alone
    if not group:
        if process.poll() is not None:
            return
        for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
            try:
                process.send_signal(sig)
            except ProcessLookupError:
                return
            try:
                process.wait(wait)
                return
            except subprocess.TimeoutExpired:
                continue
        return
    pgid = process.pid
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
        if _group_gone(process, pgid):
            return
        # ProcessLookupError: the leader and every member have exited since we looked.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, sig)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if _group_gone(process, pgid):
                return
            time.sleep(0.1)


def _group_of(process: subprocess.Popen[Any]) -> int | None:
    try:
        return os.getpgid(process.pid)
    except OSError:
        return None


def _group_gone(process: subprocess.Popen[Any], pgid: int) -> bool:
    """Whether the leader has exited and no member of its group still runs."""
    if process.poll() is None:
        return False
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return True  # no process at all in the group
    except OSError:
        pass  # a member we may not signal: look at each
    # Zombies are members too, for the kernel, until their parent reaps them: skip them.
    for member in psutil.process_iter(["status"]):
        try:
            if member.info["status"] != psutil.STATUS_ZOMBIE and os.getpgid(member.pid) == pgid:
                return False
        except (OSError, psutil.Error):
            continue
    return True
