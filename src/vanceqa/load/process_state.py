"""What vanceqa keeps in one locust process: options, target, collector, aggregate.

One `LoadState` per process lives on the locust Environment as `environment.vanceqa`.
The master (or a lone process) also judges the run and writes load.json from it.
Imports locust (its runner classes), so only locust processes import it.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import random
import time
from typing import Any

import gevent
import locust
from locust.runners import LocalRunner, MasterRunner, WorkerRunner

from vanceqa import resources
from vanceqa.client import TargetClient
from vanceqa.contract import default_contract
from vanceqa.errors import UsageError
from vanceqa.load import load_json
from vanceqa.load.capacity.live import live_dispatcher
from vanceqa.load.dispatch import Dispatcher
from vanceqa.load.exchange import Route
from vanceqa.load.metrics import Aggregate, Collector
from vanceqa.load.options import LoadOptions
from vanceqa.load.outcome import judge
from vanceqa.load.schedule import ArrivalSchedule
from vanceqa.load.shapes import LoadShape, OpenShape
from vanceqa.load.slo import SLO, evaluate
from vanceqa.load.units import check_mock_faults
from vanceqa.load.validation import ResponseCheck
from vanceqa.mock.launcher import MockServer, serve_mock
from vanceqa.pacing import Pacer
from vanceqa.paths import LIST_PATH
from vanceqa.target import OPTIONS, TargetConfig
from vanceqa.workspace import resolve_target

log = logging.getLogger("vanceqa.load")


class LoadState:
    """What vanceqa keeps in one locust process."""

    def __init__(self, environment: Any) -> None:
        self.environment = environment
        self.contract = default_contract()
        self.check = ResponseCheck(self.contract)
        self.collector = Collector()
        self.aggregate = Aggregate(self.contract.operation_ids())
        self.options: LoadOptions | None = None
        self.planned_shape: LoadShape | None = None  # a worker's, from the master
        self.target = TargetConfig()
        self.route: Route | None = None  # TLS, proxy, headers: shared by every user
        self.pacer = Pacer(None)
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
        self.overrun: str | None = None  # the run's deadline had to stop it
        self.shape_ended = False  # the shape ended the run itself (not an interruption)
        self.deadline: gevent.Greenlet[..., Any] | None = None
        self.document: dict[str, Any] | None = None
        self.summary: list[str] | None = None  # a self-judging shape's, instead of load's
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
        options = {o.name: getattr(parsed, o.name, None) for o in OPTIONS}
        options["base_url"] = self.environment.host
        options["bundled_mock"] = parsed.bundled_mock
        self.target = resolve_target(options)  # the workspace's vanceqa.toml included
        self.route = Route.of(self.target)
        self.base_url = self.target.base_url or ""
        self.is_mock = self.target.bundled_mock
        index = max(getattr(self.runner, "worker_index", 0), 0)
        self.rng = random.Random(
            f"{self.options.seed}/{index}" if self.options.seed is not None else None
        )
        self.delete_queue = []
        self.set_share(*self.share)  # the pacer follows this target's --max-rps

    def set_share(self, index: int, count: int) -> None:
        """This process's part of the open model and of --max-rps (a ceiling for all)."""
        self.share = (index, count)
        rate = self.target.max_rps
        self.pacer = Pacer(rate / count if rate else None, sleep=gevent.sleep)

    def pace(self) -> None:
        """Wait for this request's turn under --max-rps (no wait without one)."""
        self.pacer()

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

    def share_target(self) -> None:
        """Write the resolved target into the parsed options, which the master sends to
        every worker: a worker's environment may not hold the user's variables."""
        parsed = self.environment.parsed_options
        for name, value in self.target.option_values().items():
            if name != "base_url" and hasattr(parsed, name):
                setattr(parsed, name, value)

    def start_bundled_mock(self, faults: list[str]) -> None:
        check_mock_faults(faults)
        server: MockServer = self.mock_stack.enter_context(serve_mock(faults=faults))
        atexit.register(self.mock_stack.close)  # also when locust exits without quitting
        self.environment.host = server.base_url
        parsed = self.environment.parsed_options
        parsed.host = server.base_url
        parsed.bundled_mock = server.base_url
        parsed.api_token = parsed.api_token or server.api_token
        parsed.admin_token = parsed.admin_token or server.admin_token
        parsed.hidden_ids = parsed.hidden_ids or [str(i) for i in server.hidden_ids]
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
        with TargetClient(self.target) as client:
            client.send("POST", client.url_for("/__vanceqa__/reset"), {})
            answer = client.get(LIST_PATH, query="include_cats=true&available=false")
            return [int(k["id"]) for k in answer.json()]

    # -- the open model ------------------------------------------------------------------
    def open_dispatcher(self) -> None:
        assert self.options is not None
        shape = self.options.shape
        if not isinstance(shape, OpenShape):
            self.dispatcher = None
            return
        pools = [c for c in self.environment.user_classes if getattr(c, "model", "") == "open"]
        if not pools:
            raise UsageError("the locustfile has no open-model user class (an OpenLoopUser)")
        weights = {s: (w if self.enabled(s) else 0.0) for s, w in self.options.weights.items()}
        choices = pools[0].choices(weights)
        if shape.live:  # the rate follows the search step by step (capacity.live)
            self.dispatcher = live_dispatcher(self, choices)
            return
        index, count = self.share
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
        planned = self.options.shape.run_time_s
        if (
            not (self.aborted or self.overrun or self.shape_ended or self.stopped_early)
            and end - self.started_at < planned * 0.9 - 1
        ):
            self.stopped_early = (
                f"stopped after {end - self.started_at:.1f}s of {planned:g}s (interrupted)"
            )
        outcome = judge(
            self.aggregate,
            verdicts,
            end=end,
            duration_s=end - self.started_at,
            request_timeout_s=self.target.request_timeout_s,
            aborted=self.aborted,
            overrun=self.overrun,
        )
        if outcome.message:
            log.error("vanceqa: %s", outcome.message)
        assert self.route is not None
        self.document = load_json.build_document(
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
            exit_code=outcome.exit_code,
            aborted=self.aborted,
            stopped_early=self.stopped_early,
            overrun=self.overrun,
            stopped_answering=outcome.stopped_answering,
            connection=self.route.describe(),
            locust_version=locust.__version__,
            users=self.users,
        )
        # Which contract, locustfile, SLO file (and mock data) this run used.
        locustfile = getattr(self.environment.parsed_options, "locustfile", None)
        self.document["sources"] = resources.sources_record(
            ["contract", "locustfile", "slo", *(["data"] if self.is_mock else [])],
            {"locustfile": locustfile if isinstance(locustfile, str) else None,
             "slo": self.options.slo_path},
        )  # fmt: skip
        self.exit_code = outcome.exit_code
        own = self.options.shape.conclude(outcome.exit_code, ended_by_itself=self.shape_ended)
        if own is None:
            path = load_json.write_document(self.document, self.options.report_dir, self.secrets)
            log.info("vanceqa: wrote %s", path)
        else:  # a shape with a verdict of its own wrote its own file (capacity.json)
            self.exit_code, self.summary = own
        self.environment.process_exit_code = self.exit_code


def state_of(environment: Any) -> LoadState:
    state: LoadState = environment.vanceqa
    return state
