"""The open model's dispatcher: due tickets, late ones timed from their slot, drops counted.

It runs on gevent, which must never patch the pytest process: each case runs in a
subprocess and prints what it saw as JSON.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

SCRIPT = textwrap.dedent(
    """
    from gevent import monkey; monkey.patch_all()
    import json, random, sys, time
    import gevent
    from vanceqa.load.dispatch import Choice, Dispatcher
    from vanceqa.load.metrics import Aggregate, Collector
    from vanceqa.load.schedule import ArrivalSchedule

    consumers, work, lateness = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
    collector = Collector()
    choices = [Choice("a", "listKittens", 1.0), Choice("b", "getKitten", 3.0)]
    dispatcher = Dispatcher(
        ArrivalSchedule(100, 100, 1.0), choices, collector, random.Random(1), lateness
    )
    taken = []

    def consume():
        while True:
            due, choice = dispatcher.next_ticket()
            taken.append((time.time() - due, choice.operation))
            gevent.sleep(work)

    workers = [gevent.spawn(consume) for _ in range(consumers)]
    dispatcher.start()
    gevent.sleep(1.3)
    dispatcher.stop_scheduling()
    gevent.killall(workers)
    drained = dispatcher.drain()
    aggregate = Aggregate()
    aggregate.add(collector.delta(final=True))
    print(json.dumps({
        "scheduled": dispatcher.scheduled,
        "taken": len(taken),
        "late_max": max((t for t, _ in taken), default=0.0),
        "ops": sorted({op for _, op in taken}),
        "dropped": {name: t.dropped for name, t in aggregate.ops.items()},
        "drained": drained,
        "window": aggregate.duration_s(),
    }))
    """
)


def _run(consumers: int, work: float, lateness: float) -> dict[str, object]:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(consumers), str(work), str(lateness)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    data: dict[str, object] = json.loads(result.stdout)
    return data


def test_free_users_take_every_ticket_on_time() -> None:
    data = _run(consumers=5, work=0.0, lateness=5.0)
    assert data["scheduled"] == 100
    assert data["taken"] == 100
    assert data["dropped"] == {}
    assert data["ops"] == ["getKitten", "listKittens"]
    assert float(data["late_max"]) < 0.5  # type: ignore[arg-type]  # generous: a busy machine
    assert 0.9 < float(data["window"]) < 3  # type: ignore[arg-type]


def test_without_users_every_ticket_is_dropped_never_skipped() -> None:
    data = _run(consumers=0, work=0.0, lateness=5.0)
    assert data["taken"] == 0
    assert data["drained"] == 100
    dropped = data["dropped"]
    assert isinstance(dropped, dict)
    assert sum(dropped.values()) == 100
    assert set(dropped) == {"listKittens", "getKitten"}


@pytest.mark.slow
def test_tickets_too_late_for_a_busy_user_are_dropped() -> None:
    # One user busy 50 ms per request can serve 20 of the 100 requests due per second;
    # it must never start one more than 200 ms late, and the rest are counted as dropped.
    data = _run(consumers=1, work=0.05, lateness=0.2)
    taken, dropped = int(data["taken"]), data["dropped"]  # type: ignore[call-overload]
    assert isinstance(dropped, dict)
    assert 10 <= taken <= 40
    assert taken + sum(dropped.values()) == data["scheduled"] == 100
    assert float(data["late_max"]) <= 0.2 + 0.1  # type: ignore[arg-type]
