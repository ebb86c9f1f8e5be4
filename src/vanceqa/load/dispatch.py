"""The open model in one locust process: requests put on a queue when they are due.

A greenlet walks the `ArrivalSchedule` and puts a ticket (due time, action) on a queue
at each due time, however slow the server is. Pool users take tickets; a ticket a user
takes late is still timed from its due time (wrk2's correction of coordinated
omission). A ticket no user could start within `max_lateness` of its due time is
*dropped*, and so is every ticket still queued when the run stops: counted per
operation, never silently skipped. Imports gevent, so only locust processes import it.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import gevent
from gevent.queue import Empty, Queue

from vanceqa.load.metrics import Collector
from vanceqa.load.schedule import ArrivalSchedule

log = logging.getLogger("vanceqa.load")
_YIELD_EVERY = 64  # tickets put without sleeping before the scheduler lets users run


@dataclass(frozen=True)
class Choice:
    action: str  # name of the user method that sends one request
    operation: str  # the operation id it calls, for drop accounting
    weight: float


class Dispatcher:
    def __init__(
        self,
        schedule: ArrivalSchedule,
        choices: Sequence[Choice],
        collector: Collector,
        rng: random.Random,
        max_lateness: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not choices or not any(c.weight > 0 for c in choices):
            raise ValueError("the open model needs at least one action with a positive weight")
        self.schedule = schedule
        self.choices = [c for c in choices if c.weight > 0]
        self.weights = [c.weight for c in self.choices]
        self.collector = collector
        self.rng = rng
        self.max_lateness = max_lateness
        self.clock = clock
        self.queue: Queue[tuple[float, Choice]] = Queue()
        self.greenlet: gevent.Greenlet[[], None] | None = None
        self.started_at: float | None = None
        self.scheduled = 0
        self.dropped = 0
        self.stopped = False

    def start(self) -> None:
        if self.greenlet is not None or self.stopped:
            return
        self.started_at = self.clock()
        self.collector.open_window(self.started_at)
        self.greenlet = gevent.spawn(self._run, self.started_at)
        log.info(
            "open model: %d requests due over %.0fs in this process (%.4g..%.4g req/s in all)",
            self.schedule.total(),
            self.schedule.duration,
            self.schedule.rate_from,
            self.schedule.rate_to,
        )

    def _run(self, start: float) -> None:
        put, choose, clock = self.queue.put_nowait, self._choose, self.clock
        unslept = 0
        for offset in self.schedule.offsets():
            due = start + offset
            wait = due - clock()
            if wait > 0:
                gevent.sleep(wait)
                unslept = 0
            else:
                unslept += 1
                if unslept >= _YIELD_EVERY:  # behind schedule: still let the users run
                    gevent.sleep(0)
                    unslept = 0
            put((due, choose()))
            self.scheduled += 1

    def _choose(self) -> Choice:
        if len(self.choices) == 1:
            return self.choices[0]
        return self.rng.choices(self.choices, self.weights)[0]

    def next_ticket(self) -> tuple[float, Choice]:
        """Block until a ticket is due; tickets already too late are dropped on the way."""
        while True:
            due, choice = self.queue.get()
            if self.clock() - due <= self.max_lateness:
                return due, choice
            self._drop(due, choice)

    def _drop(self, due: float, choice: Choice) -> None:
        self.dropped += 1
        self.collector.drop(choice.operation, due)

    def stop_scheduling(self) -> None:
        """No new tickets (the test is stopping); queued ones wait for `drain`."""
        self.stopped = True
        if self.greenlet is not None:
            self.greenlet.kill(block=False)

    def drain(self) -> int:
        """Count every ticket never started as dropped; returns how many."""
        self.stop_scheduling()
        drained = 0
        while True:
            try:
                due, choice = self.queue.get_nowait()
            except Empty:
                break
            self._drop(due, choice)
            drained += 1
        if self.started_at is not None:
            self.collector.close_window(self.clock())
        return drained
