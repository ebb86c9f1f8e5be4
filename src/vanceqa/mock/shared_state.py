"""State shared by every worker process of one mock: deletions, faults, counters, limits.

With `--workers N` granian runs N processes; a DELETE answered by one must be seen by
all (410 afterwards, gone from every list), a fault set through the control API must
apply everywhere, and the counters must add up. The state is a small memory-mapped file:
readers check a version number (one 8-byte read per request) and rebuild their caches
only when it moved; writers take an `flock`. A single-process mock (tests,
ASGITransport) uses anonymous memory and no lock.

Layout (little-endian, offsets in bytes):
    0      u64  data version      (bumped on delete and reset)
    8      u64  fault version     (bumped when faults change)
    16     u32  fault JSON length
    24     f64 x 2 x 2            token buckets: (tokens, last refill) for api, admin
    64     bytes[FAULT_BYTES]     fault JSON
    ...    u8[MAX_KITTENS]        deleted flags, by kitten index
    ...    u32[SLOTS]             pid owning each counter slot
    ...    u64[SLOTS][COUNTERS]   request counters, one row per worker
    ...    u64 u64 f64            capacity queue: next ticket, workers, service time
    ...    f64[MAX_WORKERS]       capacity queue: when each worker is next free (monotonic)
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import mmap
import os
import struct
from collections.abc import Iterator
from pathlib import Path

from vanceqa.errors import UsageError
from vanceqa.mock.faults import FaultConfig

TRACKED_STATUSES = (200, 400, 401, 403, 404, 405, 406, 410, 429, 500, 503)
OPERATIONS = ("listKittens", "getKitten", "deleteKitten", "undocumented")
COUNTERS = (
    "total",
    *tuple(f"status_{s}" for s in TRACKED_STATUSES),
    "status_other",
    *tuple(f"op_{o}" for o in OPERATIONS),
)
COUNTER_INDEX = {name: i for i, name in enumerate(COUNTERS)}
_STATUS_INDEX = {s: COUNTER_INDEX[f"status_{s}"] for s in TRACKED_STATUSES}
_OTHER_INDEX = COUNTER_INDEX["status_other"]
_OPERATION_INDEX = {o: COUNTER_INDEX[f"op_{o}"] for o in OPERATIONS}

FAULT_BYTES = 64 * 1024
MAX_KITTENS = 1 << 20
SLOTS = 256
_FAULTS_AT = 64
_DELETED_AT = _FAULTS_AT + FAULT_BYTES
_PIDS_AT = _DELETED_AT + MAX_KITTENS
_COUNTERS_AT = _PIDS_AT + 4 * SLOTS
_QUEUE_AT = _COUNTERS_AT + 8 * SLOTS * len(COUNTERS)
MAX_WORKERS = 1024  # the capacity fault's ceiling on workers
_FREE_AT = _QUEUE_AT + 24
SIZE = _FREE_AT + 8 * MAX_WORKERS


class SharedState:
    """One mock's mutable state, in a shared file or in process memory."""

    def __init__(self, path: str | None = None, *, create: bool = False) -> None:
        self._fd: int | None = None
        if path is None:
            self._map = mmap.mmap(-1, SIZE)
        else:
            flags = os.O_RDWR | (os.O_CREAT if create else 0)
            self._fd = os.open(path, flags, 0o600)
            if create:
                os.ftruncate(self._fd, SIZE)
            self._map = mmap.mmap(self._fd, SIZE)
        self._counters = memoryview(self._map)[_COUNTERS_AT:].cast("Q")
        self._slot: int | None = None

    @classmethod
    def create_file(cls, path: Path, faults: FaultConfig) -> SharedState:
        state = cls(str(path), create=True)
        state.set_faults(faults)
        return state

    # -- locking -------------------------------------------------------------------
    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        if self._fd is None:
            yield
            return
        fcntl.flock(self._fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(self._fd, fcntl.LOCK_UN)

    # -- versions ------------------------------------------------------------------
    def data_version(self) -> int:
        return int(struct.unpack_from("<Q", self._map, 0)[0])

    def fault_version(self) -> int:
        return int(struct.unpack_from("<Q", self._map, 8)[0])

    def _bump(self, offset: int) -> None:
        (value,) = struct.unpack_from("<Q", self._map, offset)
        struct.pack_into("<Q", self._map, offset, value + 1)

    # -- deletions -----------------------------------------------------------------
    def mark_deleted(self, index: int) -> bool:
        """Delete a kitten; False if another request deleted it first."""
        if index >= MAX_KITTENS:
            raise UsageError(f"the mock holds at most {MAX_KITTENS} kittens")
        with self._locked():
            if self._map[_DELETED_AT + index]:
                return False
            self._map[_DELETED_AT + index] = 1
            self._bump(0)
            return True

    def deleted_indexes(self, count: int) -> list[int]:
        block = self._map[_DELETED_AT : _DELETED_AT + count]
        return [i for i, flag in enumerate(block) if flag]

    def reset_data(self) -> None:
        with self._locked():
            self._map[_DELETED_AT:_PIDS_AT] = bytes(MAX_KITTENS)
            struct.pack_into("<dddd", self._map, 24, 0.0, 0.0, 0.0, 0.0)
            self._bump(0)

    # -- faults --------------------------------------------------------------------
    def faults(self) -> FaultConfig:
        (length,) = struct.unpack_from("<I", self._map, 16)
        if not length:
            return FaultConfig()
        raw = bytes(self._map[_FAULTS_AT : _FAULTS_AT + length])
        return FaultConfig.from_json(json.loads(raw))

    def set_faults(self, faults: FaultConfig) -> None:
        raw = json.dumps(faults.to_json()).encode()
        if len(raw) > FAULT_BYTES:
            raise UsageError("fault configuration too large")
        with self._locked():
            self._map[_FAULTS_AT : _FAULTS_AT + len(raw)] = raw
            struct.pack_into("<I", self._map, 16, len(raw))
            self._bump(8)

    # -- rate limit ----------------------------------------------------------------
    def take_token(self, bucket: int, rate: float, now: float) -> float:
        """Token bucket per token kind (0 api, 1 admin), burst of one second.

        Returns 0.0 when the request may proceed, else the seconds until it may.
        """
        offset = 24 + 16 * bucket
        with self._locked():
            tokens, last = (float(v) for v in struct.unpack_from("<dd", self._map, offset))
            if last == 0.0:
                tokens, last = rate, now
            tokens = min(rate, tokens + (now - last) * rate)
            if tokens >= 1.0:
                struct.pack_into("<dd", self._map, offset, tokens - 1.0, now)
                return 0.0
            struct.pack_into("<dd", self._map, offset, tokens, now)
            return (1.0 - tokens) / rate

    # -- capacity queue --------------------------------------------------------------
    def reserve_service(
        self, workers: int, service_s: float, max_wait_s: float, now: float
    ) -> float | None:
        """Queue one request for `workers` servers of fixed `service_s`, first come first
        served; the seconds until its answer, or None when it would wait over `max_wait_s`.

        With a fixed service time, servers fall free in the order they were taken, so
        the queue is a ring of "free at" times: the n-th request takes server n mod
        workers, starting when it falls free (or now). Each request costs one locked
        read and write, and waiting costs a timer, not CPU. `now` is time.monotonic(),
        one clock for every process on the machine. A change of workers or service time
        starts an empty queue.
        """
        with self._locked():
            ticket, held_workers, held_service = struct.unpack_from("<QQd", self._map, _QUEUE_AT)
            if (held_workers, held_service) != (workers, service_s):
                ticket = 0
                self._map[_FREE_AT : _FREE_AT + 8 * MAX_WORKERS] = bytes(8 * MAX_WORKERS)
            slot = _FREE_AT + 8 * (ticket % workers)
            start = max(now, float(struct.unpack_from("<d", self._map, slot)[0]))
            if start - now > max_wait_s:
                return None
            struct.pack_into("<d", self._map, slot, start + service_s)
            struct.pack_into("<QQd", self._map, _QUEUE_AT, ticket + 1, workers, service_s)
        return start + service_s - now

    # -- counters ------------------------------------------------------------------
    def _claim_slot(self) -> int:
        pid = os.getpid()
        with self._locked():
            for slot in range(SLOTS):
                (owner,) = struct.unpack_from("<I", self._map, _PIDS_AT + 4 * slot)
                if owner == pid:
                    return slot
            for slot in range(SLOTS):
                (owner,) = struct.unpack_from("<I", self._map, _PIDS_AT + 4 * slot)
                if owner == 0:
                    struct.pack_into("<I", self._map, _PIDS_AT + 4 * slot, pid)
                    return slot
        # More processes than slots over the mock's life: share the last row. Counts
        # stay right in total; only the per-process split blurs.
        return SLOTS - 1

    def count(self, status: int, operation: str) -> None:
        slot = self._slot
        if slot is None:
            slot = self._slot = self._claim_slot()
        row = slot * len(COUNTERS)
        counters = self._counters
        counters[row] += 1
        counters[row + _STATUS_INDEX.get(status, _OTHER_INDEX)] += 1
        counters[row + _OPERATION_INDEX[operation]] += 1

    def counters(self) -> dict[str, int]:
        totals = dict.fromkeys(COUNTERS, 0)
        width = len(COUNTERS)
        for slot in range(SLOTS):
            row = self._counters[slot * width : (slot + 1) * width]
            if any(row):
                for i, name in enumerate(COUNTERS):
                    totals[name] += row[i]
        return totals

    def reset_counters(self) -> None:
        with self._locked():
            self._map[_COUNTERS_AT:_QUEUE_AT] = bytes(_QUEUE_AT - _COUNTERS_AT)
