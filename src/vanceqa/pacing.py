"""How fast, and how patiently, every client of the target sends: one place for both.

`Pacer` keeps a whole run under `--max-rps` (a global ceiling with no burst, shared by
threads). `retry_after_s` reads a `Retry-After` header (seconds or an HTTP date, bounded,
never NaN). `patiently` sends, waits out each 429 as the server asks, and gives up after
a bounded number of waits (reading 11: a 429 is never a failure, nor a pass).
"""

from __future__ import annotations

import email.utils
import math
import threading
import time
from collections.abc import Callable
from typing import Protocol, TypeVar

MAX_RETRIES_ON_429 = 8
MAX_RETRY_WAIT_S = 10.0


class Pacer:
    """Spaces requests 1/max_rps apart across every thread that shares it."""

    def __init__(self, max_rps: float | None, sleep: Callable[[float], None] = time.sleep):
        self.interval = 1.0 / max_rps if max_rps else 0.0
        self._next = 0.0
        self._lock = threading.Lock()
        self._sleep = sleep

    def __call__(self) -> None:
        if not self.interval:
            return
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next)
            self._next = slot + self.interval
        if slot > now:
            self._sleep(slot - now)


def retry_after_s(value: str | None, bound: float = MAX_RETRY_WAIT_S) -> float:
    """Seconds to wait from a Retry-After header (delta or HTTP date), within (0, bound]."""
    wait = 1.0
    if value:
        text = value.strip()
        try:
            wait = float(text)
        except ValueError:
            try:
                wait = email.utils.parsedate_to_datetime(text).timestamp() - time.time()
            except (TypeError, ValueError, IndexError, OverflowError):
                wait = 1.0  # unreadable: wait a second, as if none were given
    if math.isnan(wait):
        wait = 1.0  # "nan" parses as a float, but time.sleep(nan) raises
    return min(max(wait, 0.05), bound)


class Answer(Protocol):
    @property
    def status(self) -> int: ...

    def header(self, name: str) -> str | None: ...


A = TypeVar("A", bound=Answer)


class StillThrottled(Exception):
    """The target kept answering 429 past the retry bound."""

    def __init__(self, answer: object, waits: int) -> None:
        super().__init__(f"still 429 after {waits} waits: {answer}")
        self.answer = answer


def patiently(
    send: Callable[[], A],
    *,
    max_retries: int = MAX_RETRIES_ON_429,
    max_wait_s: float = MAX_RETRY_WAIT_S,
    sleep: Callable[[float], None] = time.sleep,
    on_wait: Callable[[float], None] | None = None,
) -> A:
    """`send()` until it answers anything but 429; raises StillThrottled past the bound."""
    for attempt in range(max_retries + 1):
        answer = send()
        if answer.status != 429:
            return answer
        if attempt == max_retries:
            break
        wait = retry_after_s(answer.header("retry-after"), max_wait_s)
        if on_wait is not None:
            on_wait(wait)
        sleep(wait)
    raise StillThrottled(answer, max_retries)
