"""Waiting for a server we started: an answer counts only from that server.

`free_port` closes its probe socket before the server binds; another program may take
the port in between. Our server then fails to bind, while the other one answers. Taking
that answer for ours would send our requests (the bundled mock's DELETEs on any id
included) to a program we never started.
"""

from __future__ import annotations

import contextlib
import http.server
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator

import psutil
import pytest

from vanceqa.errors import TargetUnavailable
from vanceqa.processes import free_port, stop_process, wait_until_ready

pytestmark = pytest.mark.socket


@pytest.fixture
def foreign_server() -> Iterator[int]:
    """Another program's HTTP server on a loopback port; yields the port."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def _child(code: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", code])


def test_an_answer_from_a_server_we_did_not_start_does_not_count(foreign_server: int) -> None:
    # Our "server" finds its port taken: it fails to bind after a moment and exits.
    ours = _child(
        "import socket, time; time.sleep(0.5); "
        f"socket.create_server(('127.0.0.1', {foreign_server}))"
    )
    try:
        with pytest.raises(TargetUnavailable, match="exited"):
            wait_until_ready(f"http://127.0.0.1:{foreign_server}/", 30, ours)
    finally:
        stop_process(ours)


def test_our_own_server_is_awaited_until_it_answers() -> None:
    port = free_port()
    ours = _child(
        "import http.server, time; time.sleep(0.5); http.server.ThreadingHTTPServer("
        f"('127.0.0.1', {port}), http.server.BaseHTTPRequestHandler).serve_forever()"
    )
    try:
        wait_until_ready(f"http://127.0.0.1:{port}/", 30, ours)
        assert ours.poll() is None
    finally:
        stop_process(ours)


def test_stopping_a_group_waits_for_members_that_outlive_the_leader() -> None:
    # The leader exits on SIGTERM at once; its child ignores SIGTERM and runs on, as a
    # browser's renderer or a test run's worker may. Stopping the group must not return
    # while that child still runs (it would go on writing where we are about to clean up).
    member_code = (
        "import os, signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
        "print(os.getpid(), 'ignores SIGTERM', flush=True); time.sleep(300)"
    )
    leader_code = (
        "import subprocess, sys, time; "
        f"subprocess.Popen([sys.executable, '-c', {member_code!r}]); time.sleep(300)"
    )
    leader = subprocess.Popen(
        [sys.executable, "-c", leader_code], stdout=subprocess.PIPE, start_new_session=True
    )
    member = None
    try:
        assert leader.stdout is not None
        pid, said = leader.stdout.readline().split(maxsplit=1)
        assert said == b"ignores SIGTERM\n"
        member = psutil.Process(int(pid))
        stop_process(leader, grace=1.0, group=True)
        assert leader.poll() is not None
        assert not member.is_running() or member.status() == psutil.STATUS_ZOMBIE
    finally:
        if leader.poll() is None:  # only when the test failed before stopping it
            with contextlib.suppress(ProcessLookupError):
                os.killpg(leader.pid, signal.SIGKILL)
            leader.wait(5)
        if member is not None and member.is_running():
            member.kill()
        assert leader.stdout is not None
        leader.stdout.close()


def test_a_process_that_leads_no_group_is_stopped_alone() -> None:
    # Asked to stop a group, given a process started without a session of its own (it is
    # in ours): it is stopped by itself at once, and our own group is left alone.
    ours = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"])
    try:
        stop_process(ours, grace=60.0, group=True)
        assert ours.poll() is not None
    finally:
        if ours.poll() is None:
            ours.kill()
            ours.wait(5)
