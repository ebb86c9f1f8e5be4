"""Wiring vanceqa into locust's events; imported by the locustfile, so only under locust.

One `LoadState` per locust process (as `environment.vanceqa`) holds the options, the
target, the contract check, the `Collector` of this process and, on the master (or a
lone process), the `Aggregate` of all of them. The life of a run:

    init            parse our options; master: find or start the target, preflight, SLO
    test_start      reset; master: tell each worker its share of the open model
    spawning_complete   open model: start the arrival schedule
    request         record every response into the Collector (HDR, reasons, 429s)
    report_to_master / worker_report   deltas from workers, merged on the master
    test_stop       master: ask every worker for its last delta and wait for it
    quitting        master: judge the SLOs, write load.json, set the exit code
    quit            print the summary (after locust's own tables)
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import logging
import os
import random
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import gevent
import locust
import orjson
from locust import events
from locust.runners import LocalRunner, MasterRunner, WorkerRunner
from locust.shape import LoadTestShape

from vanceqa import resources
from vanceqa.contract import default_contract
from vanceqa.errors import UsageError
from vanceqa.load import report
from vanceqa.load.dispatch import Dispatcher
from vanceqa.load.metrics import OVERALL, Aggregate, Collector
from vanceqa.load.preflight import preflight
from vanceqa.load.schedule import ArrivalSchedule
from vanceqa.load.shapes import SHAPES, ShapePlan, plan_shape, shape_from_json
from vanceqa.load.slo import EXIT_SLO_BREACH, SLO, evaluate, load_slo
from vanceqa.load.units import parse_duration, parse_think_time, parse_weights
from vanceqa.load.validation import ResponseCheck
from vanceqa.redact import redact_text
from vanceqa.target import ENV, MockServer, TargetConfig, serve_mock

log = logging.getLogger("vanceqa.load")
Handler = TypeVar("Handler", bound=Callable[..., None])

MOCK_ENV = "VANCEQA_BUNDLED_MOCK"  # the URL of a bundled mock `vanceqa load` started
EXIT_INCOMPLETE = 1  # the run measured nothing (or crashed): no verdict
EXIT_USAGE = 2
FINAL_TIMEOUT_S = 15.0
FOLD_EVERY_TICKS = 2  # seconds between folds and SLO abort checks


def _on(hook: Any) -> Callable[[Handler], Handler]:
    """`@hook.add_listener`, typed (locust's EventHook is not)."""

    def register(handler: Handler) -> Handler:
        hook.add_listener(handler)
        return handler

    return register


@_on(events.init_command_line_parser)
def add_options(parser: Any) -> None:
    """Our options, on `locust` itself too; each also read from its VANCEQA_* variable."""
    parser.add_argument(
        "--shape",
        choices=SHAPES,
        default="smoke",
        env_var="VANCEQA_SHAPE",
        help="load shape: smoke, ramp, spike, soak, open, open-ramp",
    )
    parser.add_argument(
        "--rate",
        env_var="VANCEQA_RATE",
        help="open models: requests/s for the whole run, or FROM..TO to ramp",
    )
    parser.add_argument(
        "--max-lateness",
        default="5s",
        env_var="VANCEQA_MAX_LATENESS",
        help="open models: drop a request no user could start this late",
    )
    parser.add_argument(
        "--slo",
        env_var="VANCEQA_SLO",
        help="SLO file (default loadtests/slo.toml; 'none': no gates)",
    )
    parser.add_argument(
        "--report-dir",
        default="reports",
        env_var="VANCEQA_REPORT_DIR",
        help="where load.json goes (default reports/)",
    )
    parser.add_argument(
        "--seed",
        type=int,
        env_var="VANCEQA_SEED",
        help="seed of the random choices (flags, ids, open-model mix)",
    )
    parser.add_argument(
        "--weights",
        default="",
        env_var="VANCEQA_WEIGHTS",
        help="scenario weights, e.g. browse=8,admin=1,delete=1",
    )
    parser.add_argument(
        "--think-time",
        default="0.5s..1.5s",
        env_var="VANCEQA_THINK_TIME",
        help="closed shapes: pause between a user's tasks, e.g. 0 or 1s..3s",
    )
    parser.add_argument(
        "--api-token", env_var=ENV["api_token"], is_secret=True, help="regular API token"
    )
    parser.add_argument(
        "--admin-token",
        env_var=ENV["admin_token"],
        is_secret=True,
        help="administrator token (enables the admin scenario)",
    )
    parser.add_argument(
        "--hidden-id", env_var=ENV["hidden_ids"], help="ids hidden for administrators, e.g. 7,8"
    )
    parser.add_argument(
        "--destructive",
        nargs="?",
        const="1",
        default="",
        env_var=ENV["destructive"],
        help="allow DELETE of the --delete-id ids",
    )
    parser.add_argument(
        "--delete-id",
        env_var=ENV["delete_ids"],
        help="ids DELETE may touch, e.g. 3,4 (any id on the bundled mock)",
    )
    parser.add_argument(
        "--mock-fault",
        action="append",
        default=[],
        help="with no --host: a fault for the bundled mock, e.g. stall=10s:1s",
    )
    parser.add_argument(
        "--bundled-mock",
        env_var=MOCK_ENV,
        default="",
        include_in_web_ui=False,
        help=argparse.SUPPRESS,
    )


@dataclass(frozen=True)
class LoadOptions:
    shape: ShapePlan
    slo_path: str | None
    report_dir: str
    seed: int | None
    weights: dict[str, float]
    think_time: tuple[float, float]
    max_lateness: float

    @classmethod
    def from_parsed(cls, options: Any, shape: ShapePlan | None = None) -> LoadOptions:
        slo = options.slo
        if slo is None:
            slo = str(resources.loadtests_dir() / "slo.toml")
        elif slo.strip().lower() in ("", "none", "off"):
            slo = None
        run_time = float(options.run_time) if options.run_time else None
        return cls(
            shape=shape
            or plan_shape(
                options.shape,
                users=options.num_users,
                spawn_rate=options.spawn_rate,
                run_time_s=run_time,
                rate=options.rate,
            ),
            slo_path=slo,
            report_dir=options.report_dir,
            seed=options.seed,
            weights=parse_weights(options.weights or ""),
            think_time=parse_think_time(options.think_time or "0"),
            max_lateness=parse_duration(options.max_lateness, what="--max-lateness"),
        )


class LoadState:
    """What vanceqa keeps in one locust process."""

    def __init__(self, environment: Any) -> None:
        self.environment = environment
        self.contract = default_contract()
        self.check = ResponseCheck(self.contract)
        self.collector = Collector()
        self.aggregate = Aggregate(self.contract.operation_ids())
        self.options: LoadOptions | None = None
        self.planned_shape: ShapePlan | None = None  # a worker's, from the master
        self.target = TargetConfig()
        self.base_url = ""
        self.is_mock = False
        self.slo: SLO | None = None
        self.rng = random.Random()
        self.ids_cache: dict[bytes, list[int]] = {}
        self.known_ids: list[int] = []  # ids seen in regular lists, for open-model gets
        self.admin_ids: list[int] = []
        self.delete_queue: list[int] = []
        self.deleted_once: set[int] = set()
        self.dispatcher: Dispatcher | None = None
        self.share = (0, 1)  # this process's (index, count) of the open model
        self.workers = 1
        self.users: dict[int, int] = {}  # user count by epoch second (master, lone process)
        self.started_at: float | None = None
        self.stopped_at: float | None = None
        self.finals: set[str] = set()
        self.waiting: set[str] = set()
        self.aborted: str | None = None  # an SLO breach stopped the run
        self.stopped_early: str | None = None  # something else did (Ctrl-C, the web UI)
        self.document: dict[str, Any] | None = None
        self.exit_code: int | None = None
        self.background: gevent.Greenlet[..., Any] | None = None
        self.mock_stack = contextlib.ExitStack()

    # -- roles -------------------------------------------------------------------------
    @property
    def runner(self) -> Any:
        return self.environment.runner

    @property
    def is_worker(self) -> bool:
        return isinstance(self.runner, WorkerRunner)

    @property
    def is_master(self) -> bool:
        return isinstance(self.runner, MasterRunner)

    @property
    def is_local(self) -> bool:
        return isinstance(self.runner, LocalRunner)

    @property
    def secrets(self) -> tuple[str, ...]:
        return self.target.secrets

    # -- setup -------------------------------------------------------------------------
    def configure(self) -> None:
        """Read our options (again: a worker gets the master's with each spawn)."""
        parsed = self.environment.parsed_options
        self.options = LoadOptions.from_parsed(parsed, self.planned_shape)
        self.target = TargetConfig.from_sources(
            {
                "base_url": self.environment.host,
                "api_token": parsed.api_token,
                "admin_token": parsed.admin_token,
                "hidden_ids": parsed.hidden_id,
                "destructive": parsed.destructive,
                "delete_ids": parsed.delete_id,
            }
        )
        self.base_url = self.target.base_url or ""
        mock = (parsed.bundled_mock or "").rstrip("/")
        self.is_mock = bool(mock) and mock == self.base_url
        index = max(getattr(self.runner, "worker_index", 0), 0)
        self.rng = random.Random(
            f"{self.options.seed}/{index}" if self.options.seed is not None else None
        )
        self.delete_queue = []

    def enabled(self, scenario: str) -> bool:
        assert self.options is not None
        if self.options.weights.get(scenario, 0.0) <= 0:
            return False
        if scenario == "admin":
            return bool(self.target.admin_token)
        if scenario == "delete":
            return self.target.destructive and (bool(self.target.delete_ids) or self.is_mock)
        return True

    def describe_scenarios(self) -> str:
        """Which scenarios run, with their weights, and why the others do not."""
        assert self.options is not None
        why_not = {
            "admin": "no admin token",
            "delete": "needs --destructive, and --delete-id unless on the bundled mock",
        }
        parts = []
        for scenario, weight in self.options.weights.items():
            if self.enabled(scenario):
                parts.append(f"{scenario} (weight {weight:g})")
            elif weight <= 0:
                parts.append(f"{scenario} off (weight 0)")
            else:
                parts.append(f"{scenario} off ({why_not.get(scenario, 'disabled')})")
        return "scenarios: " + ", ".join(parts)

    def user_classes(self) -> list[Any]:
        """The user classes the shape runs: the open pool, or the enabled scenarios."""
        assert self.options is not None
        model = "open" if self.options.shape.open_model else "closed"
        chosen = []
        for cls in self.environment.user_classes:
            if getattr(cls, "model", None) != model:
                continue
            if model == "closed":
                if not self.enabled(cls.scenario):
                    continue
                cls.weight = max(1, round(self.options.weights[cls.scenario] * 10))
            chosen.append(cls)
        return chosen

    def start_bundled_mock(self, faults: list[str]) -> None:
        server: MockServer = self.mock_stack.enter_context(serve_mock(faults=faults))
        atexit.register(self.mock_stack.close)  # also when locust exits without quitting
        self.environment.host = server.base_url
        parsed = self.environment.parsed_options
        parsed.host = server.base_url
        parsed.bundled_mock = server.base_url
        parsed.api_token = parsed.api_token or server.api_token
        parsed.admin_token = parsed.admin_token or server.admin_token
        parsed.hidden_id = parsed.hidden_id or ",".join(map(str, server.hidden_ids))
        log.info("vanceqa: no --host given; started the bundled mock at %s", server.base_url)

    def next_delete_id(self) -> int | None:
        """The next id the destructive scenario may DELETE (shared by this process).

        Against a real target: only the ids the user named, round after round (a second
        DELETE answers 404 or 410, harmlessly). On the bundled mock: every kitten of the
        list; when none is left the mock's data is reset, so a long run never runs dry.
        """
        if not self.delete_queue:
            if self.target.delete_ids:
                self.delete_queue.extend(reversed(self.target.delete_ids))
            elif self.is_mock:
                self.delete_queue.extend(reversed(self._refill_mock()))
        return self.delete_queue.pop() if self.delete_queue else None

    def _refill_mock(self) -> list[int]:
        # Control-plane calls, outside locust's client: they are not part of the load.
        base = self.base_url
        # The base URL was validated as http(s) (TargetConfig), so S310's worry is moot.
        reset = urllib.request.Request(f"{base}/__vanceqa__/reset", method="POST")  # noqa: S310
        with urllib.request.urlopen(reset, timeout=10):  # noqa: S310
            pass
        listing = urllib.request.Request(  # noqa: S310
            f"{base}/api/kittens?include_cats=true&available=false",
            headers={"Authorization": self.target.api_token or ""},
        )
        with urllib.request.urlopen(listing, timeout=10) as answer:  # noqa: S310
            return [int(k["id"]) for k in orjson.loads(answer.read())]

    # -- the open model ------------------------------------------------------------------
    def open_dispatcher(self) -> None:
        assert self.options is not None
        shape = self.options.shape
        if not shape.open_model:
            self.dispatcher = None
            return
        pools = [c for c in self.environment.user_classes if getattr(c, "model", "") == "open"]
        if not pools:
            raise UsageError("the locustfile has no open-model user class (an OpenLoopUser)")
        weights = {s: (w if self.enabled(s) else 0.0) for s, w in self.options.weights.items()}
        choices = pools[0].choices(weights)
        index, count = self.share
        assert shape.rate_from is not None
        assert shape.rate_to is not None
        schedule = ArrivalSchedule(shape.rate_from, shape.rate_to, shape.run_time_s, index, count)
        self.dispatcher = Dispatcher(
            schedule, choices, self.collector, self.rng, self.options.max_lateness
        )

    # -- the end -----------------------------------------------------------------------
    def finish(self) -> None:
        """Judge and write load.json once, on the master or a lone process."""
        if self.document is not None or self.started_at is None or self.options is None:
            return
        end = self.stopped_at or time.time()
        duration = self.aggregate.duration_s(fallback=end - self.started_at)
        verdicts = evaluate(self.slo, self.aggregate, duration) if self.slo else []
        overall = self.aggregate.totals(OVERALL)
        measured = overall is not None and (overall.requests or overall.dropped)
        planned = self.options.shape.run_time_s
        if not self.aborted and end - self.started_at < planned * 0.9 - 1:
            self.stopped_early = (
                f"stopped after {end - self.started_at:.1f}s of {planned:g}s (interrupted)"
            )
        if not measured:
            code = EXIT_INCOMPLETE
            log.error("vanceqa: the run completed no request; there is nothing to judge")
        elif self.aborted or not all(v.passed for v in verdicts):
            code = EXIT_SLO_BREACH
        else:
            code = 0
        self.document = report.build_document(
            aggregate=self.aggregate,
            shape=self.options.shape,
            base_url=self.base_url,
            mock=self.is_mock,
            started_at=self.aggregate.window[0] if self.aggregate.window else self.started_at,
            duration_s=duration,
            seed=self.options.seed,
            workers=self.workers,
            slo=self.slo,
            verdicts=verdicts,
            exit_code=code,
            aborted=self.aborted,
            stopped_early=self.stopped_early,
            locust_version=locust.__version__,
            users=self.users,
        )
        path = report.write_document(self.document, self.options.report_dir, self.secrets)
        self.exit_code = code
        self.environment.process_exit_code = code
        log.info("vanceqa: wrote %s", path)


def state_of(environment: Any) -> LoadState:
    state: LoadState = environment.vanceqa
    return state


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
        if not (environment.host or os.environ.get(ENV["base_url"])):
            state.start_bundled_mock(parsed.mock_fault)
        elif parsed.mock_fault:
            raise UsageError("--mock-fault applies to the bundled mock only (no --host)")
        if not environment.host:
            environment.host = os.environ[ENV["base_url"]]
        state.configure()
        if state.options.slo_path:
            state.slo = load_slo(state.options.slo_path, state.contract.operation_ids())
        if runner is not None and not state.user_classes():  # None: run_single_user
            raise UsageError(
                f"no user class of this locustfile fits --shape {state.options.shape.name}"
            )
        log.info("vanceqa: %s", state.describe_scenarios())
        preflight(state.target, state.base_url)
    except UsageError as exc:
        state.mock_stack.close()
        _fail(exc.exit_code, str(exc), state.secrets)
    if isinstance(runner, MasterRunner):
        runner.register_message("vanceqa_final", _on_final)


class VanceqaShape(LoadTestShape):
    """The shape named by --shape; ends at the run time, whatever happens."""

    use_common_options = True

    def tick(self) -> tuple[int, float, list[Any]] | None:
        assert self.runner is not None
        state = state_of(self.runner.environment)
        if state.options is None:
            return None
        wanted = state.options.shape.at(time.perf_counter() - float(self.start_time))
        if wanted is None:
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
    state.stopped_early = None
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
        state.share, state.workers = (0, 1), 1
    if not state.is_master:
        state.open_dispatcher()
        if state.dispatcher is None:
            state.collector.open_window(state.started_at)
    if environment.runner is not None and not state.is_worker:
        state.background = gevent.spawn(_watch, state)


def _on_plan(environment: Any, msg: Any, **_: Any) -> None:
    """Worker: its share of the open model, and the shape as the master resolved it
    (locust sends workers our options, but not the master's -u, -r and -t)."""
    state = state_of(environment)
    state.share = (int(msg.data["index"]), int(msg.data["count"]))
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
    state.collector.record(name, latency_us, corrected_us, failure, throttled, time.time())


def _reason(exception: BaseException) -> str:
    if isinstance(exception, locust.exception.CatchResponseError):
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
        slo = state.slo
        if slo is None or not slo.aborts or state.started_at is None:
            continue
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
            environment.runner.stop()  # interrupted (Ctrl-C): stop, collect, then judge
        state.finish()
    finally:
        state.mock_stack.close()


@_on(events.quit)
def on_quit(exit_code: int, **_: Any) -> None:
    env = _ENVIRONMENT.get("env")
    state = getattr(env, "vanceqa", None)
    if state is None or state.document is None:
        return
    text = "\n".join(report.summary_lines(state.document))
    print(redact_text(text, state.secrets), flush=True)
