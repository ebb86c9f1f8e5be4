"""Wiring vanceqa into locust's events; imported by the locustfile, so only under locust.

One `LoadState` per locust process (as `environment.vanceqa`) holds the options, the
target, the contract check, the `Collector` of this process and, on the master (or a
lone process), the `Aggregate` of all of them. The life of a run:

    init            parse our options; master: find or start the target, preflight, SLO
    test_start      reset; master: tell each worker its share of the open model (and
                    of --max-rps); master or lone process: arm the run's deadline
    spawning_complete   open model: start the arrival schedule
    request         record every response into the Collector (HDR, reasons, 429s,
                    unanswered requests, refused DELETEs)
    report_to_master / worker_report   deltas from workers, merged on the master
    test_stop       master: ask every worker for its last delta and wait for it
    quitting        master: judge the SLOs, write load.json, set the exit code
    quit            print the summary (after locust's own tables)

Every run ends on time: the shape ends at the run time and locust stops the users,
cutting off the requests in flight (recorded as such). Should the run still be going
`STOP_GRACE_S` later (a task that outlives the stop, a slow listener), the deadline
greenlet kills the users and load.json says the run overran (exit 5); should even that
not end it (a user that survives a kill), it writes load.json and ends the process
`STOP_GRACE_S` after that.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import time
from collections.abc import Callable
from typing import Any, TypeVar

import gevent
import locust
from locust import events
from locust.runners import MasterRunner, WorkerRunner
from locust.shape import LoadTestShape

from vanceqa.client import TargetClient
from vanceqa.errors import UsageError
from vanceqa.load import load_json
from vanceqa.load.capacity import live
from vanceqa.load.metrics import Aggregate, Collector
from vanceqa.load.options import STOP_GRACE_S, LoadOptions, add_options
from vanceqa.load.outcome import EXIT_OVERRUN
from vanceqa.load.process_state import LoadState, state_of
from vanceqa.load.shapes import shape_from_json
from vanceqa.load.slo import evaluate, load_slo
from vanceqa.load.users import NoAnswer, Refused
from vanceqa.preflight import preflight
from vanceqa.redact import redact_text
from vanceqa.resources import ensure_report_dir
from vanceqa.target import ENV

log = logging.getLogger("vanceqa.load")
Handler = TypeVar("Handler", bound=Callable[..., None])

FINAL_TIMEOUT_S = 15.0
FOLD_EVERY_TICKS = 2  # seconds between folds and SLO abort checks


def _on(hook: Any) -> Callable[[Handler], Handler]:
    """`@hook.add_listener`, typed (locust's EventHook is not)."""

    def register(handler: Handler) -> Handler:
        hook.add_listener(handler)
        return handler

    return register


_on(events.init_command_line_parser)(add_options)


def _fail(code: int, message: str, secrets: tuple[str, ...] = ()) -> None:
    log.error("vanceqa: %s", redact_text(message, secrets))
    sys.stderr.flush()
    sys.exit(code)


# -- events ------------------------------------------------------------------------------


# The one Environment of this locust process; hot listeners find the state through it.
_ENVIRONMENT: dict[str, Any] = {}


@_on(events.init)
def on_init(environment: Any, **_: Any) -> None:
    state = LoadState(environment)
    environment.vanceqa = state
    _ENVIRONMENT["env"] = environment
    logging.getLogger("httpx").setLevel(logging.WARNING)  # our preflight is not news
    if environment.parsed_options is None:  # run_single_user or a library user
        return
    runner = environment.runner
    if isinstance(runner, WorkerRunner):
        runner.register_message("vanceqa_plan", _on_plan)
        runner.register_message("vanceqa_flush", _on_flush, concurrent=True)
        return
    try:
        parsed = environment.parsed_options
        state.options = LoadOptions.from_parsed(parsed)  # before locust defaults -u/-r
        ensure_report_dir(state.options.report_dir)  # before any load, not at the end
        if not (environment.host or os.environ.get(ENV["base_url"])):
            state.start_bundled_mock(parsed.mock_fault)
        elif parsed.mock_fault:
            raise UsageError("--mock-fault applies to the bundled mock only (no --host)")
        if not environment.host:
            environment.host = os.environ[ENV["base_url"]]
        state.configure()
        state.options.shape.check(state.target.max_rps)  # also under plain locust
        if state.options.slo_path:
            state.slo = load_slo(state.options.slo_path, state.contract.operation_ids())
        if runner is not None and not state.user_classes():  # None: run_single_user
            raise UsageError(
                f"no user class of this locustfile fits --shape {state.options.shape.name}"
            )
        log.info("vanceqa: %s", state.describe_scenarios())
        with TargetClient(state.target) as client:
            preflight(client)
        state.share_target()  # workers get the resolved target with each spawn
    except UsageError as exc:
        state.mock_stack.close()
        _fail(exc.exit_code, str(exc), state.secrets)
    if isinstance(runner, MasterRunner):
        runner.register_message("vanceqa_final", _on_final)
    # locust 2.47 installs its SIGTERM handler only once a shape test is over, so until
    # then SIGTERM killed the process with nothing written (and the bundled mock left
    # running). Quit as on Ctrl-C: stop, judge, write the result file, exit.
    gevent.signal_handler(signal.SIGTERM, _terminated, environment)


def _terminated(environment: Any) -> None:
    log.warning("vanceqa: SIGTERM: stopping the run and keeping what it measured")
    gevent.spawn(environment.runner.quit)


class VanceqaShape(LoadTestShape):
    """The shape named by --shape; ends at the run time, whatever happens."""

    use_common_options = True

    def tick(self) -> tuple[int, float, list[Any]] | None:
        assert self.runner is not None
        state = state_of(self.runner.environment)
        if state.options is None:
            return None
        elapsed = time.perf_counter() - float(self.start_time)
        limit = state.target.time_limit_s
        if limit is not None and elapsed >= limit < state.options.shape.run_time_s:
            state.stopped_early = (
                f"stopped by --time-limit {limit:g}s, before its run time "
                f"{state.options.shape.run_time_s:g}s"
            )
            return None
        wanted = state.options.shape.at(elapsed)
        if wanted is None:
            state.shape_ended = True  # the shape's own end, early or at its run time
            return None
        users, spawn_rate = wanted
        return users, spawn_rate, state.user_classes()


@_on(events.test_start)
def on_test_start(environment: Any, **_: Any) -> None:
    state = state_of(environment)
    if environment.parsed_options is None:
        return
    if state.is_worker:
        state.configure()  # the master's options arrived with this spawn
    state.collector = Collector()
    state.aggregate = Aggregate(state.contract.operation_ids())
    state.finals, state.waiting = set(), set()
    state.document, state.aborted, state.exit_code = None, None, None
    state.stopped_early, state.overrun, state.shape_ended = None, None, False
    state.started_at, state.stopped_at = time.time(), None
    state.known_ids, state.admin_ids = [], []
    state.users = {}
    if state.is_master:
        clients = [c.id for c in environment.runner.clients.all]
        state.workers = len(clients)
        assert state.options is not None
        shape = state.options.shape.to_json()
        for index, client_id in enumerate(clients):
            environment.runner.send_message(
                "vanceqa_plan", {"index": index, "count": len(clients), "shape": shape}, client_id
            )
    elif state.is_local:
        state.set_share(0, 1)
        state.workers = 1
    if not state.is_master:
        state.open_dispatcher()
        if state.dispatcher is None:
            state.collector.open_window(state.started_at)
    if environment.runner is not None and not state.is_worker:
        state.background = gevent.spawn(_watch, state)
        assert state.options is not None
        run_time = state.options.shape.run_time_s
        if state.target.time_limit_s is not None:
            run_time = min(run_time, state.target.time_limit_s)
        limit = run_time + STOP_GRACE_S
        state.deadline = gevent.spawn_later(limit, _overran, state, limit)


def _on_plan(environment: Any, msg: Any, **_: Any) -> None:
    """Worker: its share of the open model, and the shape as the master resolved it
    (locust sends workers our options, but not the master's -u, -r and -t)."""
    state = state_of(environment)
    state.set_share(int(msg.data["index"]), int(msg.data["count"]))
    state.planned_shape = shape_from_json(msg.data["shape"])


@_on(events.spawning_complete)
def on_spawning_complete(user_count: int, **_: Any) -> None:
    state = getattr(_ENVIRONMENT.get("env"), "vanceqa", None)
    if state is not None and state.dispatcher is not None:
        state.dispatcher.start()


@_on(events.request)
def on_request(
    request_type: str,
    name: str,
    response_time: float,
    response_length: int,
    response: Any = None,
    context: Any = None,
    exception: BaseException | None = None,
    start_time: float | None = None,
    **_: Any,
) -> None:
    state = _ENVIRONMENT["env"].vanceqa
    if isinstance(exception, Refused):  # never sent: not a request, not a latency
        state.collector.refuse(name, str(exception))
        return
    latency_us = int(response_time * 1000.0)
    corrected_us = None
    if context:
        due = context.get("scheduled")
        if due is not None and start_time is not None:
            corrected_us = max(latency_us, int((start_time - due) * 1e6) + latency_us)
    failure = None
    throttled = False
    if exception is not None:
        failure = _reason(exception)
    elif response is not None and response.status_code == 429:
        throttled = True
    answered = not isinstance(exception, NoAnswer)
    state.collector.record(
        name, latency_us, corrected_us, failure, throttled, time.time(), answered
    )


def _reason(exception: BaseException) -> str:
    if isinstance(exception, locust.exception.CatchResponseError | NoAnswer):
        return str(exception)
    text = str(exception)
    return f"{type(exception).__name__}: {text}" if text else type(exception).__name__


@_on(events.report_to_master)
def on_report_to_master(client_id: str, data: dict[str, Any], **_: Any) -> None:
    state = _ENVIRONMENT["env"].vanceqa
    data["vanceqa"] = state.collector.delta()


@_on(events.worker_report)
def on_worker_report(client_id: str, data: dict[str, Any], **_: Any) -> None:
    delta = data.get("vanceqa")
    if delta:
        _ENVIRONMENT["env"].vanceqa.aggregate.add(delta)


def _on_final(environment: Any, msg: Any, **_: Any) -> None:
    state = state_of(environment)
    state.aggregate.add(msg.data)
    state.finals.add(msg.node_id)
    state.waiting.discard(msg.node_id)


def _on_flush(environment: Any, msg: Any, **_: Any) -> None:
    """Worker: stop, then hand the master everything not yet sent."""
    state = state_of(environment)
    environment.runner.stop()  # fires test_stop: the queue is drained into `dropped`
    delta = state.collector.delta(final=True)
    environment.runner.send_message("vanceqa_final", delta)
    sent = state.collector.sent
    log.info(
        "vanceqa worker: sent requests=%d failures=%d throttled=%d dropped=%d",
        sent["requests"],
        sent["failures"],
        sent["throttled"],
        sent["dropped"],
    )


@_on(events.test_stopping)
def on_test_stopping(environment: Any, **_: Any) -> None:
    state = state_of(environment)
    if state.dispatcher is not None:
        state.dispatcher.stop_scheduling()


def _stop_local(state: LoadState) -> None:
    if state.dispatcher is not None:
        dropped = state.dispatcher.drain()
        if dropped:
            log.info("vanceqa: %d scheduled requests never started before the stop", dropped)
    elif state.started_at is not None:
        state.collector.close_window(time.time())


@_on(events.test_stop)
def on_test_stop(environment: Any, **_: Any) -> None:
    state = state_of(environment)
    if environment.parsed_options is None or state.started_at is None:
        return
    state.stopped_at = time.time()
    if state.background is not None:
        state.background.kill(block=False)
        state.background = None
    if state.deadline is not None:
        state.deadline.kill(block=False)
        state.deadline = None
    if state.is_master:
        _collect_finals(state)
        return
    _stop_local(state)
    if state.is_local:
        state.aggregate.add(state.collector.delta(final=True))


def _collect_finals(state: LoadState) -> None:
    runner = state.runner
    state.waiting = {c.id for c in runner.clients.all} - state.finals
    for client_id in state.waiting:
        runner.send_message("vanceqa_flush", None, client_id)
    deadline = time.monotonic() + FINAL_TIMEOUT_S
    while state.waiting and time.monotonic() < deadline:
        gevent.sleep(0.05)
    if state.waiting:
        log.warning(
            "vanceqa: no final report from %d worker(s) within %.0fs; their last seconds are "
            "missing from load.json",
            len(state.waiting),
            FINAL_TIMEOUT_S,
        )


def _overran(state: LoadState, limit: float) -> None:
    """The run is still going `STOP_GRACE_S` past its run time: stop it now."""
    if state.stopped_at is not None:
        return
    runner = state.runner
    state.overrun = (
        f"still running {limit:.0f}s after the start (run time "
        f"{limit - STOP_GRACE_S:g}s); stopped by the run's deadline"
    )
    log.error("vanceqa: the run overran: %s", state.overrun)
    if runner.state in ("spawning", "running"):
        gevent.spawn(runner.quit)
    else:  # stuck stopping (users ignoring the stop): cut them off
        runner.user_greenlets.kill(block=False)
    gevent.sleep(STOP_GRACE_S)
    # Still here, so test_stop never came: users that survive even a kill. End the
    # process with what was measured rather than never.
    log.error("vanceqa: the users did not stop; ending the process")
    _close_books(state)
    state.finish()
    if state.document is not None:
        print(redact_text("\n".join(_summary(state)), state.secrets))
    state.mock_stack.close()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(state.exit_code if state.exit_code is not None else EXIT_OVERRUN)


def _close_books(state: LoadState) -> None:
    """test_stop's bookkeeping, for a stop that never completed."""
    if state.stopped_at is not None:
        return
    state.stopped_at = time.time()
    if not state.is_master:
        _stop_local(state)
    if state.is_local:
        state.aggregate.add(state.collector.delta(final=True))


def _watch(state: LoadState) -> None:
    """Master or lone process: note the user count each second, fold local deltas, and
    abort on an SLO breach if the SLO file asks for it."""
    tick = 0
    while True:
        gevent.sleep(1.0)
        if state.runner.state in ("spawning", "running"):  # not while stopping
            state.users[int(time.time())] = int(state.runner.user_count)
        tick += 1
        if tick % FOLD_EVERY_TICKS:
            continue
        if state.is_local:
            state.aggregate.add(state.collector.delta())
        if state.options is not None:
            state.options.shape.observe(state.aggregate)
        slo = state.slo
        if slo is None or not slo.aborts or state.started_at is None:
            continue
        if state.options is not None and state.options.shape.judges_itself:
            continue  # its steps break the SLO on purpose; it judges each one itself
        elapsed = time.time() - state.started_at
        if elapsed < slo.abort_delay_s:
            continue
        duration = state.aggregate.duration_s(fallback=elapsed)
        for verdict in evaluate(slo, state.aggregate, duration, only_abortable=True):
            if verdict.measured is not None and not verdict.passed:
                t = verdict.threshold
                state.aborted = f"{t.scope} {t.expression} (measured {verdict.measured:g})"
                log.error("vanceqa: SLO breached, aborting the run: %s", state.aborted)
                gevent.spawn(state.runner.quit)
                return


@_on(events.quitting)
def on_quitting(environment: Any, **_: Any) -> None:
    state = getattr(environment, "vanceqa", None)
    if state is None or state.is_worker or environment.parsed_options is None:
        return
    try:
        if state.started_at is not None and state.stopped_at is None:
            # Interrupted (Ctrl-C, SIGTERM): stop, collect, then judge; users that will
            # not stop are given up on after STOP_GRACE_S, keeping what was measured.
            with gevent.Timeout(STOP_GRACE_S, False):
                environment.runner.stop()
            if state.stopped_at is None:
                state.overrun = state.overrun or (
                    f"the users did not stop within {STOP_GRACE_S:g}s of the interruption"
                )
                _close_books(state)
        state.finish()
    finally:
        state.mock_stack.close()


@_on(events.quit)
def on_quit(exit_code: int, **_: Any) -> None:
    env = _ENVIRONMENT.get("env")
    state = getattr(env, "vanceqa", None)
    if state is None or state.document is None:
        return
    print(redact_text("\n".join(_summary(state)), state.secrets), flush=True)


def _summary(state: LoadState) -> list[str]:
    """The run's summary: a self-judging shape's own (capacity), else load.json's."""
    assert state.document is not None
    return state.summary or load_json.summary_lines(state.document)


live.install()  # the capacity search's listeners, after the ones above
