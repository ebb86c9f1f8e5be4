"""Running an entry point as a user does, against a hostile server: bounded, measured."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from vanceqa.mock.data import load_dataset
from vanceqa.mock.launcher import MockServer, serve_mock

DATASET = load_dataset()
HIDDEN = [k.id for k in DATASET.kittens if k.hidden and not k.removed]


@dataclass(frozen=True)
class Ran:
    """How a command ended: its code, output, wall time and peak memory."""

    returncode: int
    stdout: str
    stderr: str
    wall_s: float
    max_rss_mb: float

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


MEASURED = Path(__file__).with_name("measured.py")


def measured(argv: list[str], report: Path) -> list[str]:
    """`argv` run through `measured.py`, which writes its peak memory (KiB) to `report`:
    the kernel's figure would otherwise start from the test process's own memory."""
    return [sys.executable, "-S", str(MEASURED), str(report), *argv]


def run_command(
    argv: list[str], *, bound_s: float, cwd: Path, env: dict[str, str] | None = None
) -> Ran:
    """Run `argv`; a command still running after `bound_s` is killed and fails the test.

    The bound is the promise under test ("it stops by itself"), so it is generous: a
    busy machine may be slow, but a hung command never ends.
    """
    clean = {k: v for k, v in os.environ.items() if not k.startswith("VANCEQA_")}
    clean.update(env or {})
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
            tempfile.TemporaryDirectory() as tmp:  # fmt: skip
        rss = Path(tmp) / "rss"
        started = time.monotonic()
        process = subprocess.Popen(
            measured(argv, rss), stdout=out, stderr=err, cwd=cwd, env=clean,
            start_new_session=True,
        )  # fmt: skip
        deadline = started + bound_s
        while True:
            pid, status = os.waitpid(process.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                os.killpg(process.pid, signal.SIGKILL)
                os.waitpid(process.pid, 0)
                out.seek(0)
                err.seek(0)
                pytest.fail(
                    f"{' '.join(argv[2:5])} did not stop by itself within {bound_s:.0f}s\n"
                    f"{out.read()[-2000:].decode(errors='replace')}"
                    f"{err.read()[-2000:].decode(errors='replace')}"
                )
            time.sleep(0.1)
        wall = time.monotonic() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Ran(
            process.returncode,
            out.read().decode(errors="replace"),
            err.read().decode(errors="replace"),
            wall,
            int(rss.read_text()) / 1024 if rss.exists() else 0.0,
        )


def vanceqa(*args: str) -> list[str]:
    return [sys.executable, "-m", "vanceqa", *args]


def staging_options(base_url: str, *extra: str) -> list[str]:
    """What a staging user passes (tokens on the command line, as many do in a shell)."""
    options = ["--base-url", base_url, "--api-token", DATASET.api_token]
    options += ["--admin-token", DATASET.admin_token]
    for kitten_id in HIDDEN:
        options += ["--hidden-id", str(kitten_id)]
    return options + list(extra)


@pytest.fixture
def mock() -> Iterator[MockServer]:
    with serve_mock() as server:
        yield server
