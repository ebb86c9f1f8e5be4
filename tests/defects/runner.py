"""A worker that runs `pytest conformance/` many times in one process, one run per job.

    python -m tests.defects.runner WORKDIR     (from the repository root; run_suites starts it)

Importing pytest, schemathesis, Hypothesis and the plugin costs seconds; a fresh process
per suite run paid them every time. Here they are paid once per worker. Jobs arrive on
stdin, one JSON object per line: {"id": ..., "dir": ..., "options": [...]}. Each run
writes DIR/conformance.json and DIR/output.txt (what pytest printed); then the worker
writes {"id": ..., "returncode": N} on its result channel (the stdout it started with).
Anything else that reaches file descriptors 1 or 2 goes to stderr, never into the channel.

Between runs the suites' own modules (conformance/'s tests and conftest) are dropped, so
each run imports them afresh as a new process would; libraries stay loaded.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest

from vanceqa import resources

SUITE_ARGS = ("-q", "-p", "no:cacheprovider")


def run_job(job: dict[str, Any]) -> int:
    """One suite run; what pytest prints goes to DIR/output.txt."""
    folder = Path(job["dir"])
    suites = resources.conformance_dir()
    argv = [str(suites), *SUITE_ARGS, f"--conformance-json={folder / 'conformance.json'}"]
    argv += job["options"]
    before = set(sys.modules)
    output = io.StringIO()
    try:
        with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
            code = int(pytest.main(argv))
    except Exception as exc:  # a crash of the run is this job's result, not the worker's end
        output.write(f"\nthe suite run crashed: {exc!r}\n")
        code = -1
    finally:
        _forget_suite_modules(before, suites)
    (folder / "output.txt").write_text(output.getvalue(), encoding="utf-8")
    return code


def _forget_suite_modules(before: set[str], suites: Path) -> None:
    for name in set(sys.modules) - before:
        path = getattr(sys.modules[name], "__file__", None) or ""
        if path and Path(path).resolve().is_relative_to(suites.resolve()):
            del sys.modules[name]


def main() -> None:
    # Stray files (Hypothesis' .hypothesis/) land in a scratch folder, as in a fresh run.
    os.chdir(sys.argv[1])
    # The result channel is the stdout we were started with; fd 1 and 2 (pytest's fd
    # capture, stray prints) go to stderr from here on.
    channel = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    for line in sys.stdin:
        if not line.strip():
            continue
        job = json.loads(line)
        code = run_job(job)
        channel.write(json.dumps({"id": job["id"], "returncode": code}) + "\n")


if __name__ == "__main__":
    main()
