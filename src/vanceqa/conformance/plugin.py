"""The pytest plugin (entry point `pytest11`): target options and the `vanceqa_*` fixtures.

It is loaded in every pytest session of an environment where vanceqa is installed, so it
only adds options, markers and fixtures; the mock starts only when a test asks for the
target, and the hooks below do nothing for tests that never touch it. What it adds to a
conformance run: ordering (destructive checks last), token redaction in every report,
conformance.json (`--conformance-json`), and one clear exit (code 3) when the target
cannot be tested at all, or stops answering (or the run's time limit passes) midway: then
every check not yet run is reported as not run, with the reason, and the results so far
are kept.
"""

from __future__ import annotations

import contextlib
import os
import re
import time
from collections.abc import Callable, Generator, Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from vanceqa import resources
from vanceqa.client import DeleteRefused, TargetClient
from vanceqa.conformance.conformance_json import ResultBook, failure_record, write_json
from vanceqa.conformance.registry import WARNING, level_of
from vanceqa.conformance.session import ConformanceSession, Inventory
from vanceqa.contract import Contract
from vanceqa.errors import Finding, TargetUnavailable, UsageError
from vanceqa.mock.launcher import MockServer
from vanceqa.pacing import StillThrottled
from vanceqa.redact import redact_text
from vanceqa.target import ENV, INSECURE_NOTE, OPTIONS, TargetConfig
from vanceqa.workspace import resolve_target

EXIT_UNAVAILABLE = 3
_LABEL = re.compile(r"\[(GET|PUT|POST|PATCH|DELETE|HEAD|OPTIONS|TRACE) ([^\]\s]+)")


@dataclass
class PluginState:
    config: pytest.Config
    session: ConformanceSession | None = None
    book: ResultBook = field(default_factory=ResultBook)
    json_path: Path | None = None
    meta: dict[str, tuple[str, str]] = field(default_factory=dict)  # nodeid -> (op, check)
    stopped: str | None = None  # why the checks left are not run (the target, the clock)
    ends_at: float | None = None  # monotonic time of the run's time limit
    limit_s: float = 0.0
    started: float = field(default_factory=time.monotonic)  # the run's clock starts here
    suites: Path | None = None  # the folder of the conformance tests collected

    def sources(self) -> dict[str, dict[str, str]]:
        """Which contract, suites, docs page (and mock data) this session used."""
        kinds = ["contract", "suites", "docs"]
        if self.session is not None and self.session.mock is not None:
            kinds.append("data")
        return resources.sources_record(kinds, {"suites": self.suites})

    @property
    def strict(self) -> bool:
        """--strict (--vanceqa-strict under pytest): warnings fail the run (reading 15)."""
        target = self.session.target if self.session is not None else None
        return bool(target.strict) if target is not None else False

    @property
    def secrets(self) -> tuple[str, ...]:
        session = self.session
        if session is None:
            return ()
        options = (
            self.config.getoption("api_token"),
            self.config.getoption("admin_token"),
            os.environ.get(ENV["api_token"]),
            os.environ.get(ENV["admin_token"]),
        )
        given = tuple(str(v) for v in options if v)
        return tuple(dict.fromkeys(session.secrets + given))

    def ensure_session(self) -> ConformanceSession:
        if self.session is None:
            options = {o.name: self.config.getoption(o.name) for o in OPTIONS}
            self.session = ConformanceSession(resolve_target(options), started=self.started)
        return self.session

    def start_clock(self, client: TargetClient) -> None:
        """The run's time limit, as the session's client keeps it (set from the start)."""
        self.limit_s = client.time_limit_s
        self.ends_at = client.ends_at

    def why_not_run(self) -> str | None:
        """Why the next check must not run, if it must not: set once, kept."""
        if self.stopped is None and self.ends_at is not None and time.monotonic() > self.ends_at:
            self.stopped = f"the run's time limit ({self.limit_s:g}s, --time-limit) passed"
        client = self.session.client if self.session is not None else None
        if self.stopped is None and client is not None and client.stopped is not None:
            self.stopped = client.stopped
        return self.stopped


STATE = pytest.StashKey[PluginState]()


class Deferred:
    """A check's requests sent side by side (at most --concurrency in flight), judged
    once the test body has returned: `defer(fn, *args)` runs `fn` (a request and its
    check) in the client's pool. A Hypothesis test then only generates and submits its
    examples; the first finding, in submission order, fails the test."""

    def __init__(self, client: TargetClient) -> None:
        self.client = client
        self.futures: list[Future[Any]] = []

    def __call__(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> None:
        self.futures.append(self.client.submit(fn, *args, **kwargs))

    def settle(self) -> None:
        """Wait for every call; raise the first finding (else the first other error)."""
        errors = [e for f in self.futures if (e := f.exception()) is not None]
        self.futures = []
        findings = [e for e in errors if isinstance(e, Finding)]
        if findings:
            first = findings[0]
            if len(findings) > 1:
                first.details = (
                    f"{first.details}\n({len(findings) - 1} more requests of this check failed too)"
                ).lstrip()
            raise first
        if errors:
            raise errors[0]

    def drain(self) -> None:
        """Wait for every call, ignoring the results (the test failed already)."""
        for future in self.futures:
            future.exception()
        self.futures = []


DEFERRED = pytest.StashKey[Deferred]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("vanceqa", "vanceqa conformance target (default: the bundled mock)")
    for option in OPTIONS:
        flag = option.flag_for(pytest=True)
        if flag == "--base-url":
            # pytest-base-url may already add --base-url, with the same meaning and dest.
            with contextlib.suppress(ValueError):
                group.addoption(flag, **option.argparse_keywords())
        else:
            group.addoption(flag, **option.argparse_keywords())
    group.addoption(
        "--conformance-json",
        default=None,
        metavar="PATH",
        help="write the vanceqa.conformance/1 result file here",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "conformance(check, operation=None, stage=0): a named conformance check; "
        "stage orders it (0 reads, 1 generated, 2 destructive)",
    )
    state = PluginState(config)
    path = config.getoption("conformance_json")
    if path:
        state.json_path = Path(path)
    config.stash[STATE] = state


def pytest_unconfigure(config: pytest.Config) -> None:
    state = config.stash.get(STATE, None)
    if state is not None and state.session is not None:
        state.session.close()


# -- fixtures -------------------------------------------------------------------------


def _state(request: pytest.FixtureRequest) -> PluginState:
    return request.config.stash[STATE]


@pytest.fixture(scope="session")
def vanceqa_session(request: pytest.FixtureRequest) -> Iterator[ConformanceSession]:
    """The opened conformance session (target resolved, mock started, preflight passed)."""
    state = _state(request)
    try:
        session = state.ensure_session()
        session.open()
        assert session.client is not None
        state.start_clock(session.client)
    except TargetUnavailable as exc:
        pytest.exit(f"vanceqa: target unavailable: {exc}", returncode=EXIT_UNAVAILABLE)
    except UsageError as exc:
        pytest.exit(f"vanceqa: {exc}", returncode=pytest.ExitCode.USAGE_ERROR)
    yield session
    session.close()


@pytest.fixture(scope="session")
def vanceqa_target(vanceqa_session: ConformanceSession) -> TargetConfig:
    """The target under test; base_url is always set (the bundled mock's when none given)."""
    assert vanceqa_session.target is not None
    return vanceqa_session.target


@pytest.fixture(scope="session")
def vanceqa_client(vanceqa_session: ConformanceSession) -> TargetClient:
    """The paced, 429-patient client every hand-written check sends through."""
    assert vanceqa_session.client is not None
    return vanceqa_session.client


@pytest.fixture
def vanceqa_defer(request: pytest.FixtureRequest, vanceqa_client: TargetClient) -> Deferred:
    """Send this check's requests side by side; they are judged after the test body."""
    deferred = request.node.stash[DEFERRED] = Deferred(vanceqa_client)
    return deferred


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    try:
        yield
    except BaseException:
        deferred = item.stash.get(DEFERRED, None)
        if deferred is not None:
            deferred.drain()  # no request of a failed test keeps running behind it
        raise
    deferred = item.stash.get(DEFERRED, None)
    if deferred is not None:
        deferred.settle()


@pytest.fixture(scope="session")
def vanceqa_mock(vanceqa_session: ConformanceSession) -> MockServer | None:
    """The bundled mock when the session started one (its control API), else None."""
    return vanceqa_session.mock


@pytest.fixture(scope="session")
def vanceqa_contract(vanceqa_session: ConformanceSession) -> Contract:
    return vanceqa_session.contract


@pytest.fixture(scope="session")
def vanceqa_inventory(vanceqa_session: ConformanceSession) -> Inventory:
    """What the target listed before any check deleted anything."""
    return vanceqa_session.inventory


# -- collection: names and order ---------------------------------------------------------


def item_meta(item: pytest.Item, contract: Contract | None = None) -> tuple[str, str]:
    """(operation, check) of a test, from its marker, parameters or schemathesis label."""
    marker = item.get_closest_marker("conformance")
    check = str(marker.args[0]) if marker and marker.args else item.name.split("[")[0]
    check = check.removeprefix("test_")
    operation = marker.kwargs.get("operation") if marker else None
    callspec = getattr(item, "callspec", None)
    if operation is None and callspec is not None:
        value = callspec.params.get("operation")
        operation = getattr(value, "operation_id", value)
        if operation is None and contract is not None:
            # Ids such as "getKitten-hidden" name their operation first.
            first = str(callspec.id).split("-", 1)[0]
            operation = first if first in contract.operation_ids() else None
    if operation is None:
        match = _LABEL.search(item.name)
        if match and contract is not None:
            for op in contract.operations:
                if op.method == match.group(1) and op.path == match.group(2):
                    operation = op.operation_id
    return str(operation or "*"), check


DESTRUCTIVE_STAGE = 2


def _stage(item: pytest.Item, operation: str) -> int:
    """When a check runs: its marker's stage, and never before the destructive stage when
    it sends a DELETE. A DELETE a correct server refuses (no token, no JSON accepted, an
    undocumented path) is honoured by a broken one: then the kitten is gone, and every
    read check after it would fail too, on the wrong check."""
    marker = item.get_closest_marker("conformance")
    stage = int(marker.kwargs.get("stage", 0)) if marker else 0
    sends_delete = operation == "deleteKitten" or "DELETE" in item.name
    return max(stage, DESTRUCTIVE_STAGE) if sends_delete and marker else stage


def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    if not any(item.get_closest_marker("conformance") for item in items):
        return
    state = config.stash[STATE]
    from vanceqa.contract import default_contract

    contract = default_contract()
    folders = {item.path.parent for item in items if item.get_closest_marker("conformance")}
    state.suites = min(folders, key=lambda f: len(f.parts)) if folders else None
    for item in items:
        operation, check = item_meta(item, contract)
        state.meta[item.nodeid] = (operation, check)
        item.user_properties.append(("operation", operation))
        item.user_properties.append(("check", check))
    # Checks that send DELETE run last, so the read checks see the data as it was.
    items.sort(key=lambda item: _stage(item, state.meta[item.nodeid][0]))


# -- reports: redaction and the JSON record ------------------------------------------------


def _all_of(exc: BaseException, kind: type[BaseException]) -> bool:
    """Whether `exc` is a `kind`, or a group (Hypothesis) made only of them."""
    if isinstance(exc, BaseExceptionGroup):
        return all(_all_of(e, kind) for e in exc.exceptions)
    return isinstance(exc, kind)


def _skip(
    report: pytest.TestReport, item: pytest.Item, reason: str, secrets: tuple[str, ...]
) -> None:
    report.outcome = "skipped"
    report.longrepr = (str(item.path), item.location[1] or 0, redact_text(reason, secrets))


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """A check left when the target stopped answering, or past the time limit, is not run."""
    state = item.config.stash.get(STATE, None)
    if state is None or state.session is None or item.get_closest_marker("conformance") is None:
        return
    why = state.why_not_run()
    if why is not None:
        pytest.skip(f"not run: {why}")


def _first_finding(exc: BaseException) -> BaseException:
    if isinstance(exc, BaseExceptionGroup):
        for inner in exc.exceptions:
            found = _first_finding(inner)
            if isinstance(found, Finding):
                return found
        return exc.exceptions[0] if exc.exceptions else exc
    return exc


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, Any, None]:
    outcome = yield
    state = item.config.stash.get(STATE, None)
    if state is None or state.session is None:
        return
    report: pytest.TestReport = outcome.get_result()
    secrets = state.secrets
    error = call.excinfo.value if report.failed and call.excinfo is not None else None
    if error is not None and _all_of(error, StillThrottled):
        # A 429 is never a conformance failure (reading 11); nor is it a pass.
        reason = f"target stayed throttled (429) past the retry bound: {error}"
        _skip(report, item, reason, secrets)
        return
    if error is not None and _all_of(error, DeleteRefused):
        # Reading 14: off the bundled mock, DELETE goes to the named ids only.
        _skip(report, item, str(_first_finding(error)), secrets)
        return
    if error is not None and _all_of(error, TargetUnavailable):
        state.stopped = state.stopped or str(_first_finding(error))
        _skip(report, item, f"not run: {state.stopped}", secrets)
        return
    first = _first_finding(error) if error is not None else None
    if isinstance(first, Finding) and first.check == "transport" and state.why_not_run():
        # The request that made the client give up on the target: no verdict on the
        # check it served, like the checks after it.
        _skip(report, item, f"not run: {state.stopped}", secrets)
        return
    if report.failed and call.excinfo is not None:
        exc = _first_finding(call.excinfo.value)
        record = failure_record(exc, secrets)
        if _only_warnings(call.excinfo.value) and not state.strict:
            # Reading 15: beyond the docs, a finding warns; --strict makes it fail.
            report.outcome = "passed"
            report.longrepr = None
            report.vanceqa_warning = record  # type: ignore[attr-defined]
            report.user_properties.append(("warning", f"[{record['check']}] {record['message']}"))
            report.sections.append(("vanceqa warning", str(record["message"])))
        else:
            report.vanceqa_failure = record  # type: ignore[attr-defined]
    if secrets:
        if report.longrepr is not None:
            text = str(report.longrepr)
            if any(s in text for s in secrets):
                report.longrepr = redact_text(text, secrets)
        report.sections = [(title, redact_text(body, secrets)) for title, body in report.sections]


def _only_warnings(exc: BaseException) -> bool:
    """Whether `exc` is made only of findings of warning-level checks."""
    if isinstance(exc, BaseExceptionGroup):
        return all(_only_warnings(e) for e in exc.exceptions)
    return isinstance(exc, Finding) and level_of(exc.check) == WARNING


def _skip_reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    state = _active[-1] if _active else None
    if state is None or state.session is None:
        return
    operation, check = state.meta.get(report.nodeid, ("*", report.nodeid.split("::")[-1]))
    record = state.book.record(report.nodeid, operation, check)
    record.duration_s += report.duration
    warning = getattr(report, "vanceqa_warning", None)
    if warning is not None and record.outcome == "passed":
        record.outcome = "warning"
        record.failure = warning
    elif report.skipped and record.outcome != "failed":
        record.outcome = "skipped"
        record.reason = redact_text(_skip_reason(report), state.secrets)
    elif report.failed:
        record.outcome = "failed"
        record.reason = None
        failure = getattr(report, "vanceqa_failure", None)
        if failure is None:
            failure = failure_record(Exception(str(report.longrepr)), state.secrets)
        if report.when != "call":
            failure["message"] = f"error in {report.when}: {failure['message']}"
        record.failure = record.failure or failure


# pytest_runtest_logreport gets no config: sessions push their state here (a stack, so a
# pytester run inside a session does not steal the outer session's records).
_active: list[PluginState] = []


def pytest_sessionstart(session: pytest.Session) -> None:
    state = session.config.stash.get(STATE, None)
    if state is not None:
        _active.append(state)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    state = session.config.stash.get(STATE, None)
    if state is not None and state in _active:
        _active.remove(state)
    if state is not None and state.why_not_run() is not None:
        # Cut short: the results so far stand, but the run is no verdict on the target.
        session.exitstatus = EXIT_UNAVAILABLE
    if state is None or state.json_path is None:
        return
    conformance = state.session
    target = conformance.target if conformance else None
    clients = conformance.clients() if conformance else []
    write_json(
        state.json_path,
        state.book.document(
            base_url=target.base_url if target else None,
            mock=bool(conformance and conformance.mock),
            seed=_seed(session.config),
            requests=sum(c.stats.requests for c in clients),
            throttled_retries=sum(c.stats.throttled_retries for c in clients),
            secrets=state.secrets,
            aborted=(conformance.unavailable if conformance else None) or state.stopped,
            strict=state.strict,
            insecure=bool(conformance and conformance.given.insecure),
            sources=state.sources(),
        ),
        state.secrets,
    )


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """The checks run at each level, every warning (reading 15), the files the checks
    came from, and whether certificates went unverified."""
    state = config.stash.get(STATE, None)
    if state is None or state.session is None:
        return  # no conformance target in this session
    write = terminalreporter.write_line
    if state.book.records:
        levels = state.book.levels()
        warnings = [r for r in state.book.records.values() if r.outcome == "warning"]
        terminalreporter.section("vanceqa", sep="-")
        mode = "failing the run (--strict)" if state.strict else "not failing the run"
        write(
            f"checks run: {levels['failure']} at level failure, {levels['warning']} at level "
            f"warning ({mode}); {len(warnings)} warnings"
        )
        for record in warnings:
            # The finding's first line is its behaviour, the second what was seen.
            lines = str((record.failure or {}).get("message", "")).splitlines()
            write(f"WARNING {record.check} {record.nodeid}: {' / '.join(lines[:2])}")
    write(f"vanceqa: sources: {resources.sources_text(state.sources())}")
    if state.session.given.insecure:
        write(f"vanceqa: {INSECURE_NOTE}", yellow=True, bold=True)


def _seed(config: pytest.Config) -> int | str | None:
    value = config.getoption("hypothesis_seed", None)
    if value is None:
        return None
    text = str(value)
    return int(text) if text.isdigit() else text
