"""Run the conformance suites, as a staging user would, against served defects.

One server serves the whole catalogue, each defect under its own path prefix
(serve.py); suite runs go to worker processes that each run many suites in turn
(runner.py), so the seconds of imports are paid once per worker, not once per run.
Shared by tests/test_conformance_defects.py, tests/test_conformance_runs.py and
benchmarks/conformance_speed.py.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from tests.defects.catalogue import BY_NAME
from vanceqa.conformance.session import mock_delete_ids
from vanceqa.mock.data import load_dataset
from vanceqa.processes import free_port, stop_process, wait_until_ready

ROOT = Path(__file__).resolve().parents[2]
SUITE_TIMEOUT_S = 240  # one suite run; the worker running it is stopped after this
WORKERS = 2  # the machines we run on have two cores


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
def serve_catalogue(data: str | Path | None = None, timeout: float = 30) -> Iterator[str]:
    """Every defect on one free loopback port; yields the root URL (see `defect_url`)."""
    port = free_port()
    cmd = [sys.executable, "-m", "tests.defects.serve", "--port", str(port)]
    if data is not None:
        cmd += ["--data", str(data)]
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        root = f"http://127.0.0.1:{port}"
        try:
            try:
                wait_until_ready(f"{root}/__vanceqa__/health", timeout, process)
            except Exception as exc:
                log.seek(0)
                tail = log.read()[-2000:].decode(errors="replace")
                raise RuntimeError(f"the defect server did not start:\n{tail}") from exc
            yield root
        finally:
            stop_process(process)


def defect_url(root: str, name: str) -> str:
    """The base URL of defect `name` on the catalogue's server."""
    if name not in BY_NAME:
        raise KeyError(f"no defect named {name!r} in the catalogue")
    return f"{root}/{name}"


@contextlib.contextmanager
def serve_defect(name: str, data: str | Path | None = None, timeout: float = 30) -> Iterator[str]:
    """The mock with defect `name` planted, on a free loopback port; yields its base URL."""
    with serve_catalogue(data, timeout) as root:
        yield defect_url(root, name)


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
    env: Mapping[str, str] | None = None,
) -> SuiteRun:
    """`pytest conformance/` with the given options, in a worker process; bounded in time."""
    runs = run_suites({"run": options}, profile=profile, seed=seed, extra=extra, env=env, workers=1)
    return runs["run"]


def run_suites(
    jobs: Mapping[str, Sequence[str]],
    *,
    profile: str = "conformance-quick",
    seed: int = 1,
    extra: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
    workers: int = WORKERS,
    timeout_s: float = SUITE_TIMEOUT_S,
) -> dict[str, SuiteRun]:
    """Each job's suite run (`pytest conformance/` with its options), `workers` at a time.

    The workers start without any VANCEQA_* variable of ours (plus `env`), so each run
    is told its target by its options alone. A run over `timeout_s` stops its worker
    (the next run gets a fresh one) and reads as exit code -1 with the reason.
    """
    pending: queue.Queue[str] = queue.Queue()
    for key in jobs:
        pending.put(key)
    runs: dict[str, SuiteRun] = {}
    suite_args = [f"--hypothesis-profile={profile}", f"--hypothesis-seed={seed}", *extra]
    worker_env = {k: v for k, v in os.environ.items() if not k.startswith("VANCEQA_")}
    worker_env.update(env or {})
    with tempfile.TemporaryDirectory(prefix="vanceqa-suites-") as tmp:

        def serve() -> None:
            worker = _POOL.take(worker_env)
            try:
                while True:
                    try:
                        key = pending.get_nowait()
                    except queue.Empty:
                        return
                    folder = Path(tmp) / f"run-{key}"
                    folder.mkdir()
                    job = {"id": key, "dir": str(folder), "options": [*jobs[key], *suite_args]}
                    runs[key] = worker.run(job, timeout_s)
            finally:
                _POOL.give(worker)

        threads = [threading.Thread(target=serve) for _ in range(max(1, workers))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    return {key: runs[key] for key in jobs}


class _Pool:
    """Idle workers, kept warm for the rest of the test session, by their environment.

    A worker that finished its runs waits for the next `run_suites` or `run_suite` with
    the same environment, so even a lone run pays no imports after the first. At exit
    the workers are told there is no more work (their stdin closes) and they end; they
    end too if this process dies, since their stdin closes with it.
    """

    def __init__(self) -> None:
        self._idle: dict[tuple[tuple[str, str], ...], list[_Worker]] = {}
        self._lock = threading.Lock()
        self._home: Path | None = None
        self._count = 0
        atexit.register(self.close)

    def take(self, env: Mapping[str, str]) -> _Worker:
        key = tuple(sorted(env.items()))
        with self._lock:
            idle = self._idle.get(key)
            if idle:
                return idle.pop()
            if self._home is None:
                self._home = Path(tempfile.mkdtemp(prefix="vanceqa-suite-workers-"))
            self._count += 1
            return _Worker(self._home / f"worker-{self._count}", dict(env))

    def give(self, worker: _Worker) -> None:
        if not worker.alive():
            worker.close()
            return
        with self._lock:
            self._idle.setdefault(tuple(sorted(worker.env.items())), []).append(worker)

    def close(self) -> None:
        with self._lock:
            workers = [w for idle in self._idle.values() for w in idle]
            self._idle.clear()
        for worker in workers:
            worker.close()
        if self._home is not None:
            shutil.rmtree(self._home, ignore_errors=True)
            self._home = None


class _Worker:
    """One runner.py process, restarted after a run it did not finish."""

    def __init__(self, folder: Path, env: dict[str, str]) -> None:
        self.folder = folder
        self.folder.mkdir()
        self.env = env
        self.process: subprocess.Popen[str] | None = None
        self.results: queue.Queue[str | None] = queue.Queue()
        self.stderr: IO[str] | None = None
        self.reader: threading.Thread | None = None
        self.starts = 0

    def _start(self) -> subprocess.Popen[str]:
        self.starts += 1
        self.stderr = (self.folder / f"stderr-{self.starts}.txt").open("w+", encoding="utf-8")
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.defects.runner", str(self.folder)],
            cwd=ROOT,
            env=self.env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.stderr,
            text=True,
        )
        self.results = queue.Queue()
        self.reader = threading.Thread(target=_read_lines, args=(process.stdout, self.results))
        self.reader.daemon = True
        self.reader.start()
        self.process = process
        return process

    def run(self, job: dict[str, Any], timeout_s: float) -> SuiteRun:
        process = self.process if self.process and self.process.poll() is None else self._start()
        assert process.stdin is not None
        process.stdin.write(json.dumps(job) + "\n")
        process.stdin.flush()
        deadline = time.monotonic() + timeout_s
        folder = Path(job["dir"])
        code: int | None = None
        why = ""
        while code is None:
            try:
                line = self.results.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                why = f"the suite run took over {timeout_s:.0f} s: its worker was stopped"
                break
            if line is None:
                why = f"the worker ended during the run (exit code {process.wait()})"
                break
            answer = json.loads(line)
            if answer["id"] == job["id"]:
                code = int(answer["returncode"])
        output = _read(folder / "output.txt")
        if code is None:
            stop_process(process)
            output += f"\n{why}\nworker stderr:\n{self._stderr_tail()}"
            self.close()
        document_path = folder / "conformance.json"
        document = json.loads(document_path.read_text()) if document_path.exists() else None
        return SuiteRun(-1 if code is None else code, document, output)

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def _stderr_tail(self) -> str:
        if self.stderr is None:
            return ""
        self.stderr.flush()
        return _read(Path(self.stderr.name))[-3000:]

    def close(self) -> None:
        if self.process is not None:
            if self.process.stdin is not None:
                with contextlib.suppress(OSError):
                    self.process.stdin.close()  # end of jobs: the worker returns
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                stop_process(self.process)
            if self.reader is not None:
                self.reader.join(10)  # it ends at the end of the worker's output
            if self.process.stdout is not None:
                self.process.stdout.close()
            self.process = None
        if self.stderr is not None:
            self.stderr.close()
            self.stderr = None


_POOL = _Pool()


def _read_lines(stream: IO[str], lines: queue.Queue[str | None]) -> None:
    for line in stream:
        lines.put(line)
    lines.put(None)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
