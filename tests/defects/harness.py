"""Run the conformance suite, as a staging user would, against a served defect.

Shared by tests/test_conformance_defects.py and benchmarks/conformance_speed.py.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vanceqa import resources
from vanceqa.conformance.session import mock_delete_ids
from vanceqa.mock.data import load_dataset
from vanceqa.processes import free_port, stop_process, wait_until_ready

HERE = Path(__file__).resolve().parent
SUITE_TIMEOUT_S = 240


@dataclass(frozen=True)
class StagingOptions:
    """What a staging user passes: URL, tokens, hidden ids, permitted deletes."""

    base_url: str
    api_token: str
    admin_token: str
    hidden_ids: tuple[int, ...]
    delete_ids: tuple[int, ...]

    def argv(self) -> list[str]:
        args = ["--base-url", self.base_url, "--api-token", self.api_token]
        args += ["--admin-token", self.admin_token]
        for kitten_id in self.hidden_ids:
            args += ["--hidden-id", str(kitten_id)]
        if self.delete_ids:
            args.append("--destructive")
        for kitten_id in self.delete_ids:
            args += ["--delete-id", str(kitten_id)]
        return args


def options_for(base_url: str, data: str | Path | None = None) -> StagingOptions:
    """Options derived from the data file the served mock loaded (never hard-coded)."""
    dataset = load_dataset(data)
    hidden = tuple(k.id for k in dataset.kittens if k.hidden and not k.removed)
    return StagingOptions(
        base_url, dataset.api_token, dataset.admin_token, hidden, mock_delete_ids(dataset)
    )


@contextlib.contextmanager
def serve_defect(name: str, data: str | Path | None = None, timeout: float = 30) -> Iterator[str]:
    """The mock with defect `name` planted, on a free loopback port; yields its URL."""
    port = free_port()
    cmd = [sys.executable, str(HERE / "serve.py"), "--defect", name, "--port", str(port)]
    if data is not None:
        cmd += ["--data", str(data)]
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
        base_url = f"http://127.0.0.1:{port}"
        try:
            try:
                wait_until_ready(f"{base_url}/__vanceqa__/health", timeout, process)
            except Exception as exc:
                log.seek(0)
                tail = log.read()[-2000:].decode(errors="replace")
                raise RuntimeError(f"defect server {name} did not start:\n{tail}") from exc
            yield base_url
        finally:
            stop_process(process)


@dataclass(frozen=True)
class SuiteRun:
    returncode: int
    document: dict[str, Any] | None
    output: str

    def failed_checks(self) -> set[str]:
        """Check names of failed results: the test's check and the finding's own."""
        names: set[str] = set()
        for result in (self.document or {}).get("results", []):
            if result["outcome"] == "failed":
                names.add(result["check"])
                failure = result.get("failure") or {}
                if failure.get("check"):
                    names.add(failure["check"])
        return names


def run_suite(
    options: Sequence[str],
    *,
    profile: str = "conformance-quick",
    seed: int = 1,
    extra: Sequence[str] = (),
    env: dict[str, str] | None = None,
) -> SuiteRun:
    """`pytest conformance/` in a subprocess with the given options; bounded in time."""
    with tempfile.TemporaryDirectory(prefix="vanceqa-suite-") as tmp:
        out = Path(tmp) / "conformance.json"
        cmd = [
            sys.executable, "-m", "pytest", str(resources.conformance_dir()), "-q",
            "-p", "no:cacheprovider", f"--conformance-json={out}",
            f"--hypothesis-profile={profile}", f"--hypothesis-seed={seed}",
            *options, *extra,
        ]  # fmt: skip
        run_env = {k: v for k, v in os.environ.items() if not k.startswith("VANCEQA_")}
        run_env.update(env or {})
        proc = subprocess.run(
            cmd, capture_output=True, text=True, timeout=SUITE_TIMEOUT_S, cwd=tmp, env=run_env
        )
        document = json.loads(out.read_text()) if out.exists() else None
        return SuiteRun(proc.returncode, document, proc.stdout + proc.stderr)
