"""One conformance session: the target (a given server or the bundled mock), its client,
and the inventory of what the target lists before any check changes it.
"""

from __future__ import annotations

import contextlib
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from vanceqa.client import Exchange, TargetClient
from vanceqa.contract import Contract, default_contract
from vanceqa.errors import Finding, TargetUnavailable
from vanceqa.mock.data import Dataset, load_dataset
from vanceqa.mock.launcher import MockServer, serve_mock
from vanceqa.pacing import StillThrottled
from vanceqa.paths import LIST_PATH
from vanceqa.preflight import preflight
from vanceqa.target import TargetConfig

FLAG_COMBINATIONS = ((False, True), (True, True), (False, False), (True, False))
# How many deletable ids the bundled mock offers the destructive checks.
MOCK_DELETE_IDS = 3


def flag_query(include_cats: bool, available: bool) -> str:
    return f"include_cats={str(include_cats).lower()}&available={str(available).lower()}"


def mock_delete_ids(dataset: Dataset, count: int = MOCK_DELETE_IDS) -> tuple[int, ...]:
    """Deletable ids from the mock's own data: visible ones, varied in kind when possible.

    One of each (species, availability) first, so that "gone from every list" is tested
    on lists that need the flags to show the kitten.
    """
    candidates = [k for k in dataset.kittens if not k.hidden and not k.removed]
    chosen: list[int] = []
    seen_kinds: set[tuple[str, bool]] = set()
    for kitten in candidates:
        kind = (kitten.species, kitten.available)
        if kind not in seen_kinds:
            seen_kinds.add(kind)
            chosen.append(kitten.id)
    chosen += [k.id for k in candidates if k.id not in chosen]
    return tuple(chosen[:count])


@dataclass
class Inventory:
    """What the target lists, read once at the start (before anything is deleted)."""

    lists: dict[tuple[bool, bool], list[dict[str, Any]]] = field(default_factory=dict)
    admin_lists: dict[tuple[bool, bool], list[dict[str, Any]]] = field(default_factory=dict)
    # Ids DELETE may touch: the read checks use other ids first, so that they still find
    # their kitten when a server wrongly honours a DELETE it should have refused.
    reserved: frozenset[int] = frozenset()

    def read_ids(self) -> list[int]:
        """Regularly listed ids, the ones DELETE may touch last."""
        ids = self.regular_ids()
        return [i for i in ids if i not in self.reserved] + [i for i in ids if i in self.reserved]

    def regular_ids(self) -> list[int]:
        ids: dict[int, None] = {}
        for entries in self.lists.values():
            ids.update((e["id"], None) for e in entries if isinstance(e.get("id"), int))
        return list(ids)

    def all_ids(self) -> list[int]:
        ids = dict.fromkeys(self.regular_ids())
        for entries in self.admin_lists.values():
            ids.update((e["id"], None) for e in entries if isinstance(e.get("id"), int))
        return list(ids)


class ConformanceSession:
    """Opens the target lazily, once; closes the mock it started."""

    def __init__(
        self,
        given: TargetConfig,
        mock_data: str | Path | None = None,
        *,
        started: float | None = None,
    ) -> None:
        self.given = given
        self.mock_data = mock_data
        # The run's clock (monotonic) starts when the session is made, before the mock
        # starts or the preflight runs: --time-limit bounds all of it.
        self.started = time.monotonic() if started is None else started
        self.target: TargetConfig | None = None
        self.mock: MockServer | None = None
        self.client: TargetClient | None = None
        self.unavailable: str | None = None
        self._stack = contextlib.ExitStack()
        self._sandboxes: list[tuple[MockServer, TargetClient]] = []
        self._lock = threading.Lock()

    @property
    def secrets(self) -> tuple[str, ...]:
        return self.target.secrets if self.target else ()

    @cached_property
    def contract(self) -> Contract:
        return default_contract()

    def open(self) -> TargetConfig:
        """Resolve the target, start the mock if needed, and run the preflight."""
        if self.target is not None:
            return self.target
        if self.unavailable is not None:
            raise TargetUnavailable(self.unavailable)
        try:
            given = self.given
            target = self._start_mock(given) if given.starts_mock else given
            self.target = target
            self.client = self._clocked(self._stack.enter_context(TargetClient(target)))
            preflight(self.client)
            try:
                _ = self.inventory  # read before any check can change the data
            except (Finding, StillThrottled) as exc:
                raise TargetUnavailable(
                    f"cannot list the kittens before the checks: {exc}"
                ) from None
        except TargetUnavailable as exc:
            self.unavailable = str(exc)
            self.target = None
            raise
        return target

    def _start_mock(self, given: TargetConfig) -> TargetConfig:
        dataset = load_dataset(self.mock_data)
        self.mock = self._stack.enter_context(
            serve_mock(
                data=self.mock_data, api_token=given.api_token, admin_token=given.admin_token
            )
        )
        # The user's other options (pacing, deadlines, caps, headers) hold on the mock too.
        return self.mock.stand_in_for(given, destructive=True, delete_ids=mock_delete_ids(dataset))

    @cached_property
    def inventory(self) -> Inventory:
        assert self.client is not None
        assert self.target is not None
        inventory = Inventory(reserved=frozenset(self.target.delete_ids))
        for flags in FLAG_COMBINATIONS:
            inventory.lists[flags] = _entries(self.client.get(LIST_PATH, query=flag_query(*flags)))
            if self.target.admin_token:
                exchange = self.client.get(
                    LIST_PATH, query=flag_query(*flags), token=self.target.admin_token
                )
                inventory.admin_lists[flags] = _entries(exchange)
        return inventory

    def sandboxes(self, count: int) -> list[tuple[MockServer, TargetClient]]:
        """`count` bundled mocks with the session's data, each with its own client, for
        checks that need a server to themselves and may run side by side (the state
        machine resets its mock before every example). The session's own mock is the
        first; the others start together. Only where the session started the mock."""
        assert self.mock is not None
        if not self._sandboxes:
            self._sandboxes.append((self.mock, self._client()))
        wanted = count - len(self._sandboxes)
        if wanted > 0:
            with ThreadPoolExecutor(wanted) as pool:
                self._sandboxes += pool.map(lambda _: self._start_sandbox(), range(wanted))
        return self._sandboxes[:count]

    def _start_sandbox(self) -> tuple[MockServer, TargetClient]:
        assert self.target is not None
        stack = contextlib.ExitStack()
        mock = stack.enter_context(
            serve_mock(
                data=self.mock_data,
                api_token=self.target.api_token,
                admin_token=self.target.admin_token,
            )
        )
        client = self._clocked(stack.enter_context(TargetClient(mock.stand_in_for(self.target))))
        with self._lock:
            self._stack.enter_context(stack)
        return mock, client

    def _clocked(self, client: TargetClient) -> TargetClient:
        client.start_clock(self.given.time_limit("check"), self.started)
        return client

    def clients(self) -> list[TargetClient]:
        """Every client of the session: its own, and those of its sandboxes."""
        own = [self.client] if self.client is not None else []
        return own + [c for _, c in self._sandboxes if c is not self.client]

    def _client(self) -> TargetClient:
        assert self.client is not None
        return self.client

    def close(self) -> None:
        self._stack.close()


def _entries(exchange: Exchange) -> list[dict[str, Any]]:
    """The list's entries, or none when it is not a list (the shape checks say why)."""
    try:
        body = exchange.json()
    except ValueError:
        return []
    if exchange.status != 200 or not isinstance(body, list):
        return []
    return [e for e in body if isinstance(e, dict)]
