"""How long the toolkit's own test suite takes, next to an older checkout's, in one run.

    python benchmarks/suite_time.py                                 # today's full suite
    python benchmarks/suite_time.py --baseline DIR                  # and DIR's, back to back
    python benchmarks/suite_time.py --baseline DIR --same-files     # and today's tests in
                                                                    # the files DIR had
    python benchmarks/suite_time.py --breakdown                     # CPU by kind of process

Today's suite runs as `tox -e tests` runs it (`pytest -n 4 --dist loadgroup`), in this
interpreter's environment; an older checkout runs as its own README said then, `pytest -q`,
in its own virtual environment (DIR/.venv: its dependencies differ). Each line printed is
one run: tests passed and failed, wall seconds, CPU seconds of the whole process tree
(user + system, as `time` counts it) and the wall time as a share of the baseline's.

On two cores the CPU figure bounds the wall time from below (CPU / 2): a suite that needs
900 CPU-seconds cannot end in less than about 450 s however it is scheduled.
--breakdown samples the process tree every 0.3 s (psutil) and sums CPU by kind of
process; the sampling itself costs CPU, so its wall time reads higher than a plain run's.
Each run's whole output is kept in reports/suite-time/, to read what failed.
"""

from __future__ import annotations

import argparse
import collections
import configparser
import os
import re
import resource
import shlex
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from vanceqa.processes import stop_process

ROOT = Path(__file__).resolve().parent.parent

RUN_TIMEOUT_S = 3600
LOGS = ROOT / "reports" / "suite-time"  # each run's whole output, to read its failures


@dataclass
class Measured:
    label: str
    passed: int
    failed: int
    wall_s: float
    cpu_s: float
    log: Path
    by_kind: dict[str, float] = field(default_factory=dict)


def kind_of(cmdline: list[str]) -> str:
    """A short name for a process of the suite's tree, by what it runs."""
    text = " ".join(cmdline)
    if "execnet" in text or "exec(eval(sys.stdin" in text:
        return "pytest-xdist workers (the tests' own code)"
    if "tests.defects.runner" in text:
        return "suite runner (catalogue, framework servers)"
    if "granian" in text or re.search(r"vanceqa\S* mock\b", text):
        return "bundled mock servers"
    match = re.search(r"-m vanceqa (\w+)|bin/vanceqa (\w+)", text)
    if match:
        return f"vanceqa {match.group(1) or match.group(2)}"
    if "locust" in text:
        return "locust"
    if "pytest" in text:
        return "pytest (as a subprocess)"
    if "tests/servers/" in text or "tests.defects.serve" in text or "tests/hostile" in text:
        return "test servers (frameworks, defects, hostile)"
    name = Path(cmdline[0]).name if cmdline else "?"
    return name


class Sampler(threading.Thread):
    """CPU per process of `root`'s tree, read every `period` seconds until it ends."""

    def __init__(self, root: int, period: float = 0.3) -> None:
        super().__init__(daemon=True)
        self.root = root
        self.period = period
        self.seen: dict[tuple[int, float], tuple[str, float]] = {}

    def run(self) -> None:
        while True:
            try:
                top = psutil.Process(self.root)
                tree = [top, *top.children(recursive=True)]
            except psutil.NoSuchProcess:
                return
            for process in tree:
                try:
                    with process.oneshot():
                        key = (process.pid, process.create_time())
                        times = process.cpu_times()
                        known = self.seen.get(key)
                        kind = known[0] if known else kind_of(process.cmdline())
                        self.seen[key] = (kind, times.user + times.system)
                except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
                    continue
            time.sleep(self.period)

    def by_kind(self) -> dict[str, float]:
        totals: dict[str, float] = collections.defaultdict(float)
        for kind, cpu in self.seen.values():
            totals[kind] += cpu
        return dict(sorted(totals.items(), key=lambda item: -item[1]))


def todays_options() -> list[str]:
    """pytest's options in tox.ini's [testenv:tests], the README's test command."""
    tox = configparser.ConfigParser(interpolation=None)
    tox.read(ROOT / "tox.ini")
    words = shlex.split(tox["testenv:tests"]["commands"].replace("{posargs}", ""))
    if words[:1] != ["pytest"]:
        sys.exit(f"tox.ini: [testenv:tests] no longer runs pytest: {' '.join(words)}")
    return words[1:]


def run(label: str, argv: list[str], cwd: Path, *, breakdown: bool) -> Measured:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    env = {k: v for k, v in os.environ.items() if not k.startswith("VANCEQA_")}
    log = LOGS / f"{re.sub(r'[^a-z0-9]+', '-', label.lower()).strip('-')}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        process = subprocess.Popen(
            argv, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        sampler = Sampler(process.pid) if breakdown else None
        if sampler:
            sampler.start()
        try:
            process.wait(RUN_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            stop_process(process, group=True)  # the workers and servers it started too
            sys.exit(f"{label}: still running after {RUN_TIMEOUT_S} s, stopped; see {log}")
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    with log.open("rb") as written:
        written.seek(max(0, log.stat().st_size - 4000))
        tail = written.read().decode(errors="replace")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    counts = {word: int(n) for n, word in re.findall(r"(\d+) (passed|failed|error)", tail)}
    if not counts:
        print(f"{label}: no pytest summary in its output:\n{tail}", file=sys.stderr)
    return Measured(
        label,
        counts.get("passed", 0),
        counts.get("failed", 0) + counts.get("error", 0),
        wall,
        cpu,
        log,
        sampler.by_kind() if sampler else {},
    )


def files_of(checkout: Path) -> list[str]:
    """Today's test files that `checkout` had too (same path)."""
    listed = subprocess.run(
        ["git", "-C", str(checkout), "ls-files", "tests"],
        capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    return sorted(
        p for p in listed if re.fullmatch(r"test_\w+\.py", Path(p).name) and (ROOT / p).exists()
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", type=Path, help="an older checkout with its own .venv")
    parser.add_argument(
        "--same-files",
        action="store_true",
        help="also run today's tests in the files the baseline had (needs --baseline)",
    )
    parser.add_argument("--breakdown", action="store_true", help="CPU by kind of process")
    args = parser.parse_args()
    if args.same_files and args.baseline is None:
        parser.error("--same-files needs --baseline")
    if args.baseline is not None and not (args.baseline / ".venv" / "bin" / "pytest").exists():
        parser.error(f"{args.baseline}/.venv/bin/pytest: no such file (make its venv first)")

    pytest = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    reference: float | None = None
    if args.baseline is not None:
        old = [str(args.baseline / ".venv" / "bin" / "pytest"), "-q", "-p", "no:cacheprovider"]
        reference = show(run("baseline, its full suite", old, args.baseline, breakdown=False))
    today = todays_options()
    show(run("today, full suite", [*pytest, *today], ROOT, breakdown=args.breakdown), reference)
    if args.same_files:
        files = files_of(args.baseline)
        label = f"today, the {len(files)} files the baseline had"
        show(run(label, [*pytest, *today, *files], ROOT, breakdown=False), reference)


def show(m: Measured, reference: float | None = None) -> float:
    """Print one run's line as soon as it ends; returns its wall time."""
    share = f"  {m.wall_s / reference:4.0%} of the baseline's wall" if reference else ""
    print(
        f"{m.label:40s} {m.passed:5d} passed {m.failed:3d} failed  "
        f"{m.wall_s:6.0f} s wall  {m.cpu_s:6.0f} s CPU  (CPU/2 = {m.cpu_s / 2:4.0f} s){share}",
        flush=True,
    )
    for kind, cpu in m.by_kind.items():
        print(f"    {cpu:7.1f} CPU-s  {kind}", flush=True)
    if m.failed or not m.passed:
        print(f"    what failed: {m.log}", flush=True)
    return m.wall_s


if __name__ == "__main__":
    main()
