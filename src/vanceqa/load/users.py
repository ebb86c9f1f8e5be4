"""Locust user bases: every request checked against the contract, and the open model.

`ContractUser` sends with the right token, names each request by its operation id,
and marks it a locust failure with a clear reason when the response breaks the
contract (see `validation`). `OpenLoopUser` sends one request per scheduled arrival.
The concrete scenarios live in loadtests/locustfile.py. Imports locust.
"""

from __future__ import annotations

import time
from collections.abc import Collection
from typing import TYPE_CHECKING, Any, ClassVar

import orjson
from locust import task
from locust.contrib.fasthttp import FAILURE_EXCEPTIONS, FastHttpUser
from locust.exception import CatchResponseError, StopUser

from vanceqa.load.dispatch import Choice

if TYPE_CHECKING:
    from vanceqa.load.state import LoadState

OK: frozenset[int] = frozenset({200})
_IDS_CACHE_LIMIT = 64


class ContractUser(FastHttpUser):
    """A user whose every request is checked against the contract."""

    abstract = True
    scenario: ClassVar[str] = ""  # "browse" | "admin" | "delete": its weight in --weights
    model: ClassVar[str] = "closed"  # "closed" | "open"

    def __init__(self, environment: Any) -> None:
        super().__init__(environment)
        self.state: LoadState = environment.vanceqa
        target = self.state.target
        # No Accept header: leaving it out must give JSON (reading 9), and every header
        # costs the load generator a little on each request.
        self.headers = {"Authorization": target.api_token or ""}
        self.admin_headers = {"Authorization": target.admin_token or ""}
        self.check = self.state.check
        self.rng = self.state.rng
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

    def call(
        self,
        operation: str,
        path: str,
        *,
        method: str = "GET",
        admin: bool = False,
        expected: Collection[int] = OK,
    ) -> Any:
        """Send one request, judge it, report it to locust once; returns the response.

        This is `FastHttpSession.request` with a verdict of our own and without what we
        do not use (a context manager per request, header copies, cookie and redirect
        options): on the hot path it saves more than the contract check costs. The
        timing is locust's: from just before the send to the end of the body.
        """
        session: Any = self.client
        url = f"{session.base_url}{path}"
        headers = self.admin_headers if admin else self.headers
        start_time = time.time()
        started = time.perf_counter()
        response = session._send_request_safe_mode(method, url, headers=headers)
        exception: BaseException | None = None
        try:
            body: bytes = response.content or b""
        except FAILURE_EXCEPTIONS as exc:  # the answer broke off
            body, exception = b"", exc
        elapsed_ms = (time.perf_counter() - started) * 1000.0
        if exception is None:
            status = response.status_code
            if status:
                reason = self.check.failure(
                    operation,
                    status,
                    response.headers.get("content-type") if response.headers else None,
                    body,
                    expected,
                )
                if reason is not None:
                    exception = CatchResponseError(reason)
            else:  # no answer at all: keep the transport's own error
                exception = getattr(response, "error", None) or ConnectionError("no response")
        session.request_event.fire(
            request_type=method,
            name=operation,
            response_time=elapsed_ms,
            response_length=len(body),
            response=response,
            context=self.context(),
            exception=exception,
            start_time=start_time,
            url=url,
        )
        return response

    def ids_in(self, response: Any) -> list[int]:
        """The kitten ids in a list response (empty unless it was a valid 200)."""
        if response.status_code != 200 or not response.content:
            return []
        body: bytes = response.content
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
