"""The capacity search inside locust: a steered arrival rate, a generator probe, the hooks.

    LiveDispatcher  the open model at a rate set while it runs: the master (or lone
                    process) sets each step's rate for exactly its duration, then 0
    GeneratorProbe  per generator process: CPU time, busy time (running or waiting for
                    a CPU), event-loop lag (a greenlet that sleeps 50 ms and notes how
                    late it wakes) and requests in flight
                    (scheduled - dropped - finished); workers send a snapshot with every
                    report to the master, a lone process takes one each second
    LocustRun       what the search's driver needs of the run (driver.SearchRun)

`install()` (called by the plugin after its own listeners, so these run after them)
adds the search's options to locust's parser and wires the rest in. Imports locust and
gevent: only locust processes import it.
"""

from __future__ import annotations

import logging
import platform
import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import gevent
import locust
from gevent.event import Event
from locust import events
from locust.runners import WORKER_REPORT_INTERVAL, WorkerRunner

from vanceqa import __version__, resources
from vanceqa.load.capacity import document, settings
from vanceqa.load.dispatch import Choice, Dispatcher
from vanceqa.load.load_json import iso
from vanceqa.load.metrics import Aggregate, Collector
from vanceqa.load.schedule import ArrivalSchedule
from vanceqa.load.shapes import Capacity

if TYPE_CHECKING:
    import random

    from vanceqa.load.process_state import LoadState

log = logging.getLogger("vanceqa.load")

LAG_PERIOD_S = 0.05
_YIELD_EVERY = 64
RATE_MESSAGE = "vanceqa_rate"


class LiveDispatcher(Dispatcher):
    """Tickets at a rate that changes during the run: N(t) grows at the current rate, and
    this process takes every arrival k with k % count == index, as ArrivalSchedule does."""

    def __init__(
        self,
        choices: Sequence[Choice],
        collector: Collector,
        rng: random.Random,
        max_lateness: float,
        share: tuple[int, int],
        clock: Callable[[], float] = time.time,
    ) -> None:
        index, count = share
        # The base class wants a schedule: a placeholder, never walked (`_run` is ours).
        placeholder = ArrivalSchedule(1.0, 1.0, 1.0, index, count)
        super().__init__(placeholder, choices, collector, rng, max_lateness, clock)
        self.count = count
        self.rate = 0.0
        self.since = 0.0  # when the rate was set
        self.base = 0.0  # arrivals the whole run expected by `since`
        self.next_k = index  # the next arrival this process puts on the queue
        self.changed = Event()
        self.timer: gevent.Greenlet[..., Any] | None = None

    def start(self) -> None:
        if self.greenlet is not None or self.stopped:
            return
        self.started_at = self.since = self.clock()
        self.collector.open_window(self.started_at)
        self.greenlet = gevent.spawn(self._run, self.started_at)
        log.info(
            "open model: the rate follows the capacity search (process share 1/%d)", self.count
        )

    def set_rate(self, rate: float, duration_s: float | None = None) -> None:
        """Offer `rate` from now (for `duration_s`, then 0)."""
        now = self.clock()
        if self.greenlet is not None:
            self._catch_up(now)
            self.base += self.rate * (now - self.since)
        self.rate, self.since = max(rate, 0.0), now
        if self.timer is not None:
            self.timer.kill(block=False)
            self.timer = None
        if duration_s is not None and rate > 0:
            self.timer = gevent.spawn_later(duration_s, self.set_rate, 0.0)
        self.changed.set()

    def _due(self) -> float:
        return self.since + (self.next_k + 0.5 - self.base) / self.rate

    def _put(self, due: float) -> None:
        self.queue.put_nowait((due, self._choose()))
        self.scheduled += 1
        self.next_k += self.count

    def _catch_up(self, now: float) -> None:
        """Arrivals already due at the old rate go on the queue before the rate changes."""
        if self.rate <= 0:
            return
        while (due := self._due()) <= now:
            self._put(due)

    def _run(self, start: float) -> None:
        unslept = 0
        while not self.stopped:
            if self.rate <= 0:
                self.changed.clear()
                self.changed.wait()
                continue
            due = self._due()
            wait = due - self.clock()
            if wait > 0:
                self.changed.clear()
                if self.changed.wait(wait):
                    continue  # the rate changed meanwhile: this arrival moved
                unslept = 0
            else:
                unslept += 1
                if unslept >= _YIELD_EVERY:  # behind: still let the users run
                    gevent.sleep(0)
                    unslept = 0
                    continue
            self._put(due)

    def stop_scheduling(self) -> None:
        if self.timer is not None:
            self.timer.kill(block=False)
        super().stop_scheduling()


class GeneratorProbe:
    """What one generator process knows of its own limits."""

    def __init__(self) -> None:
        self.finished = 0
        self.lags: list[float] = []
        self.greenlet: gevent.Greenlet[..., Any] | None = None

    def start(self) -> None:
        if self.greenlet is None:
            self.greenlet = gevent.spawn(self._watch_lag)

    def stop(self) -> None:
        if self.greenlet is not None:
            self.greenlet.kill(block=False)
            self.greenlet = None

    def _watch_lag(self) -> None:
        while True:
            began = time.perf_counter()
            gevent.sleep(LAG_PERIOD_S)
            late = (time.perf_counter() - began - LAG_PERIOD_S) * 1000.0
            self.lags.append(round(max(late, 0.0), 2))

    def snapshot(self, dispatcher: Dispatcher | None) -> dict[str, Any]:
        lags, self.lags = self.lags, []
        return {
            "at": time.time(),
            "cpu_s": time.process_time(),
            "busy_s": _busy_s(),
            "scheduled": dispatcher.scheduled if dispatcher else 0,
            "dropped": dispatcher.dropped if dispatcher else 0,
            "finished": self.finished,
            "lags_ms": lags,
        }


def _busy_s() -> float | None:
    """Seconds this process's main thread (gevent's loop) spent running or runnable but
    waiting for a CPU (Linux schedstat); None elsewhere. Near 100% of the wall clock, the
    generator had no idle moment: it was the limit, whatever share of a core it got."""
    try:
        with open("/proc/self/schedstat", encoding="ascii") as handle:
            running, waiting = handle.read().split()[:2]
    except (OSError, ValueError):
        return None
    return (int(running) + int(waiting)) / 1e9


class _Process:
    """The search's part of one locust process."""

    def __init__(self) -> None:
        self.state: LoadState | None = None
        self.probe = GeneratorProbe()
        self.timelines: dict[str, list[dict[str, Any]]] = {}  # master / lone process
        self.pending: tuple[float, float] | None = None  # (rate, until) before a dispatcher

    @property
    def searching(self) -> bool:
        state = self.state
        return state is not None and state.options is not None and state.options.shape.live

    def apply(self, rate: float, duration_s: float) -> None:
        dispatcher = self.state.dispatcher if self.state else None
        if isinstance(dispatcher, LiveDispatcher):
            dispatcher.set_rate(rate, duration_s)
        else:
            self.pending = (rate, time.time() + duration_s)


_PROCESS = _Process()


def live_dispatcher(state: LoadState, choices: Sequence[Choice]) -> LiveDispatcher:
    """This process's dispatcher for a steered shape (LoadState.open_dispatcher)."""
    assert state.options is not None
    dispatcher = LiveDispatcher(
        choices, state.collector, state.rng, state.options.max_lateness, state.share
    )
    if _PROCESS.pending is not None:
        rate, until = _PROCESS.pending
        _PROCESS.pending = None
        if until > time.time():
            dispatcher.set_rate(rate, until - time.time())
    return dispatcher


class LocustRun:
    """driver.SearchRun over the plugin's LoadState (master or lone process)."""

    def __init__(self, state: LoadState, process: _Process) -> None:
        assert state.options is not None
        self.state = state
        self.process = process
        self.slo = state.slo
        self.request_timeout_s = state.target.request_timeout_s
        self.max_lateness_s = state.options.max_lateness
        self.report_lag_s = 0.0 if state.is_local else WORKER_REPORT_INTERVAL + 1.0

    def clock(self) -> float:
        return time.time()

    def aggregate(self) -> Aggregate:
        return self.state.aggregate

    def refresh(self) -> None:
        state = self.state
        if state.is_local:  # the snapshot first: the fold then holds all it counted
            snap = self.process.probe.snapshot(state.dispatcher)
            self.process.timelines.setdefault("local", []).append(snap)
            state.aggregate.add(state.collector.delta())

    def generators(self) -> Mapping[str, Sequence[dict[str, Any]]]:
        return self.process.timelines

    def set_rate(self, rate: float, duration_s: float) -> None:
        if self.state.is_master:
            self.state.runner.send_message(RATE_MESSAGE, {"rate": rate, "duration": duration_s})
        else:
            self.process.apply(rate, duration_s)

    def publish(self, data: dict[str, Any]) -> None:
        assert self.state.options is not None
        document.write(data, self.state.options.report_dir, self.state.secrets)

    def describe(self) -> dict[str, Any]:
        state = self.state
        connection = state.route.describe() if state.route is not None else {}
        locustfile = getattr(state.environment.parsed_options, "locustfile", None)
        options = state.options
        return {
            "sources": resources.sources_record(
                ["contract", "locustfile", "slo", *(["data"] if state.is_mock else [])],
                {
                    "locustfile": locustfile if isinstance(locustfile, str) else None,
                    "slo": options.slo_path if options else None,
                },
            ),
            "target": {
                "base_url": state.base_url,
                "mock": state.is_mock,
                "insecure": connection.get("tls_verified") is False,
            },
            "connection": connection,
            "started_at": iso(state.started_at or time.time()),
            "seed": state.options.seed if state.options else None,
            "workers": state.workers,
            "versions": {
                "vanceqa": __version__,
                "locust": locust.__version__,
                "python": platform.python_version(),
            },
        }


# -- locust's events -------------------------------------------------------------------------


def _add_options(parser: Any, **_: Any) -> None:
    settings.add_arguments(parser, locust=True)


def _on_init(environment: Any, **_: Any) -> None:
    _PROCESS.state = environment.vanceqa
    if isinstance(environment.runner, WorkerRunner):
        environment.runner.register_message(RATE_MESSAGE, _on_rate)


def _on_rate(environment: Any, msg: Any, **_: Any) -> None:
    _PROCESS.apply(float(msg.data["rate"]), float(msg.data["duration"]))


def _on_test_start(environment: Any, **_: Any) -> None:
    if environment.parsed_options is None or not _PROCESS.searching:
        return
    state = _PROCESS.state
    assert state is not None
    assert state.options is not None
    _PROCESS.timelines = {}
    _PROCESS.probe.finished = 0
    if not state.is_master:
        _PROCESS.probe.start()
    if not state.is_worker:
        shape = state.options.shape
        assert isinstance(shape, Capacity)
        shape.start(LocustRun(state, _PROCESS))


def _on_request(**_: Any) -> None:
    _PROCESS.probe.finished += 1


def _on_report_to_master(client_id: str, data: dict[str, Any], **_: Any) -> None:
    if _PROCESS.searching and _PROCESS.state is not None:
        data["vanceqa_probe"] = _PROCESS.probe.snapshot(_PROCESS.state.dispatcher)


def _on_worker_report(client_id: str, data: dict[str, Any], **_: Any) -> None:
    probe = data.get("vanceqa_probe")
    if probe:
        _PROCESS.timelines.setdefault(str(client_id), []).append(probe)


def _on_test_stop(**_: Any) -> None:
    _PROCESS.probe.stop()


def install() -> None:
    """Wire the search into locust (after the plugin's own listeners)."""
    for hook, listener in (
        (events.init_command_line_parser, _add_options),
        (events.init, _on_init),
        (events.test_start, _on_test_start),
        (events.request, _on_request),
        (events.report_to_master, _on_report_to_master),
        (events.worker_report, _on_worker_report),
        (events.test_stop, _on_test_stop),
    ):
        hook.add_listener(listener)  # type: ignore[no-untyped-call]


__all__ = ["LiveDispatcher", "LocustRun", "install", "live_dispatcher"]
