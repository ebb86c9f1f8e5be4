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
    # Until the 1 s schedule is out, however slow the machine, then until the users have
    # nothing left to take (a busy user drops what is too late on the way).
    dispatcher.greenlet.join(30)
    deadline = time.monotonic() + 30
    while not dispatcher.queue.empty() and consumers and time.monotonic() < deadline:
        gevent.sleep(0.01)
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


def test_free_users_take_every_ticket() -> None:
    data = _run(consumers=5, work=0.0, lateness=1e9)  # lateness: no clock can break it
    assert data["scheduled"] == 100
    assert data["taken"] == 100
    assert data["dropped"] == {}
    assert data["ops"] == ["getKitten", "listKittens"]
    # The window spans the schedule at least: its last ticket is due at 0.99 s.
    assert float(data["window"]) >= 0.99  # type: ignore[arg-type]


def test_without_users_every_ticket_is_dropped_never_skipped() -> None:
    data = _run(consumers=0, work=0.0, lateness=5.0)
    assert data["taken"] == 0
    assert data["drained"] == 100
    dropped = data["dropped"]
    assert isinstance(dropped, dict)
    assert sum(dropped.values()) == 100
    assert set(dropped) == {"listKittens", "getKitten"}


@pytest.mark.slow
def test_a_busy_user_takes_what_it_can_and_every_other_ticket_is_dropped() -> None:
    # One user busy 50 ms per request can take at most 25 tickets: the schedule lasts 1 s
    # and a ticket more than 0.2 s late is dropped (a busy machine makes that fewer,
    # never more); every ticket is taken or dropped.
    data = _run(consumers=1, work=0.05, lateness=0.2)
    taken, dropped = int(data["taken"]), data["dropped"]  # type: ignore[call-overload]
    assert isinstance(dropped, dict)
    assert 1 <= taken <= 25
    assert taken + sum(dropped.values()) == data["scheduled"] == 100


LATENESS = textwrap.dedent(
    """
    import json, random
    from vanceqa.load.dispatch import Choice, Dispatcher
    from vanceqa.load.metrics import Collector
    from vanceqa.load.schedule import ArrivalSchedule

    now = [0.0]
    dispatcher = Dispatcher(
        ArrivalSchedule(10, 10, 1.0), [Choice("a", "listKittens", 1.0)], Collector(),
        random.Random(1), max_lateness=0.2, clock=lambda: now[0],
    )
    for k in range(10):
        dispatcher.queue.put_nowait((k / 10, dispatcher.choices[0]))
    now[0] = 0.75  # tickets due before 0.55 are too late to start
    first, _ = dispatcher.next_ticket()
    now[0] = 0.80
    second, _ = dispatcher.next_ticket()
    print(json.dumps({"first": first, "second": second, "dropped": dispatcher.dropped}))
    """
)


def test_no_ticket_starts_later_than_max_lateness() -> None:
    """The drop rule on a clock the test sets: no wall time involved."""
    result = subprocess.run(
        [sys.executable, "-c", LATENESS], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data == {"first": 0.6, "second": 0.7, "dropped": 6}
