"""Locust user bases: every request checked against the contract, and the open model.

`ContractUser` sends with the right token, names each request by its operation id,
and marks it a locust failure with a clear reason when the response breaks the
contract (see `validation`). `OpenLoopUser` sends one request per scheduled arrival.
The concrete scenarios live in loadtests/locustfile.py. Imports locust.

Every request goes through `ContractUser.call` and its `exchange.Connection`: the
DELETE guard, the request deadline, the body cap, TLS verification, the proxy, the
user's headers and `--max-rps` hold for each one. There is deliberately no
`self.client` (locust's FastHttpSession verifies no certificate by default and knows
none of these promises): a scenario sends with `self.call`.
"""

from __future__ import annotations

import time
from collections.abc import Collection
from typing import TYPE_CHECKING, Any, ClassVar

import orjson
from gevent import GreenletExit
from locust import User, task
from locust.exception import CatchResponseError, StopUser

from vanceqa.load.dispatch import Choice
from vanceqa.load.exchange import Connection, Reply, oversized

if TYPE_CHECKING:
    from vanceqa.load.process_state import LoadState

OK: frozenset[int] = frozenset({200})
_IDS_CACHE_LIMIT = 64


class Refused(Exception):
    """The DELETE guard kept this request from leaving the process (reading 14)."""


class NoAnswer(Exception):
    """The target sent no (complete) answer: deadline, reset, TLS, cut off by the end."""


class ContractUser(User):
    """A user whose every request is guarded, bounded and checked against the contract."""

    abstract = True
    scenario: ClassVar[str] = ""  # "browse" | "admin" | "delete": its weight in --weights
    model: ClassVar[str] = "closed"  # "closed" | "open"

    def __init__(self, environment: Any) -> None:
        super().__init__(environment)
        self.state: LoadState = environment.vanceqa
        target = self.state.target
        route = self.state.route
        self.connection = Connection(route)
        # No Accept header: leaving it out must give JSON (reading 9).
        self.headers = route.request_headers(target.api_token)
        self.admin_headers = route.request_headers(target.admin_token)
        self.max_body = target.max_body
        self.check = self.state.check
        self.rng = self.state.rng
        self._fire = environment.events.request.fire
        options = self.state.options
        self.think_time = options.think_time if options is not None else (0.0, 0.0)
        # a kitten may vanish under a concurrent DELETE: then 404 and 410 are fine answers
        self.gone_ok: frozenset[int] = (
            frozenset({200, 404, 410}) if self.state.enabled("delete") else OK
        )
        # Whether hidden kittens appear in a regular list is not documented (reading 3):
        # a listed id may be hidden, and a regular token then gets the documented 403.
        self.listed_ok: frozenset[int] = self.gone_ok | {403}

    def wait_time(self) -> float:
        low, high = self.think_time
        return low if low == high else self.rng.uniform(low, high)

    def on_stop(self) -> None:
        self.connection.close()

    def call(
        self,
        operation: str,
        path: str,
        *,
        method: str = "GET",
        admin: bool = False,
        expected: Collection[int] = OK,
    ) -> Reply:
        """Send one request (`path` below the base URL), judge it, report it to locust
        once; returns the reply. Timed as locust times: from the send to the body's end.

        A user stopped mid-request (the run ended) counts it as cut off (not a request:
        its answer may have been a millisecond away), then stops.
        """
        headers = self.admin_headers if admin else self.headers
        self.state.pace()
        start_time = time.time()
        started = time.perf_counter()
        try:
            reply = self.connection.send(method, path, headers)
        except GreenletExit:
            self.state.collector.cut(operation)
            raise
        self._report(operation, method, path, reply, start_time, started, expected)
        return reply

    def _report(
        self,
        operation: str,
        method: str,
        path: str,
        reply: Reply,
        start_time: float,
        started: float,
        expected: Collection[int] = OK,
    ) -> None:
        elapsed_ms = (time.perf_counter() - started) * 1000.0
        exception: Exception | None = None
        if reply.refused is not None:
            exception = Refused(reply.refused)
        elif reply.failure is not None:
            exception = NoAnswer(reply.failure)
        elif reply.oversized:
            exception = CatchResponseError(oversized(self.max_body))
        else:
            reason = self.check.failure(
                operation, reply.status, reply.content_type, reply.body, expected
            )
            if reason is not None:
                exception = CatchResponseError(reason)
        self._fire(
            request_type=method,
            name=operation,
            response_time=elapsed_ms,
            response_length=len(reply.body),
            response=reply,
            context=self.context(),
            exception=exception,
            start_time=start_time,
            url=self.connection.url(path),
        )

    def ids_in(self, reply: Reply) -> list[int]:
        """The kitten ids in a list response (empty unless it was a valid 200)."""
        if reply.status != 200 or not reply.body or reply.oversized:
            return []
        body = reply.body
        cache = self.state.ids_cache
        ids = cache.get(body)
        if ids is None:
            try:
                document = orjson.loads(body)
                ids = [k["id"] for k in document if isinstance(k, dict) and "id" in k]
            except (orjson.JSONDecodeError, TypeError):
                ids = []
            if len(cache) >= _IDS_CACHE_LIMIT:
                cache.clear()
            cache[body] = ids
        return ids


class OpenLoopUser(ContractUser):
    """One request per scheduled arrival: the pool of the open model.

    Subclasses name their `actions`: user methods sending exactly one request each,
    with the operation they call and the scenario whose weight they share.
    """

    abstract = True
    model = "open"
    actions: ClassVar[dict[str, tuple[str, str, float]]] = {}  # method -> (op, scenario, share)
    _due: float | None = None

    def wait_time(self) -> float:
        return 0.0

    def context(self) -> dict[str, Any]:
        # locust merges this into every request's context; the request listener reads
        # the due time from it to time the request from its slot, not from its send.
        return {"scheduled": self._due} if self._due is not None else {}

    @classmethod
    def choices(cls, weights: dict[str, float]) -> list[Choice]:
        return [
            Choice(action, operation, weights.get(scenario, 0.0) * share)
            for action, (operation, scenario, share) in cls.actions.items()
        ]

    @task
    def serve(self) -> None:
        dispatcher = self.state.dispatcher
        if dispatcher is None:  # the test is not open-model; nothing will ever be due
            raise StopUser()
        due, choice = dispatcher.next_ticket()
        self._due = due
        try:
            getattr(self, choice.action)()
        finally:
            self._due = None
