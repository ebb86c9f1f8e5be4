"""How a load run ended: the exit code, most serious cause first (vanceqa.load.outcome)."""

from __future__ import annotations

from vanceqa.load.metrics import Aggregate, Collector
from vanceqa.load.outcome import (
    EXIT_BREACH,
    EXIT_INCOMPLETE,
    EXIT_OK,
    EXIT_OVERRUN,
    EXIT_UNAVAILABLE,
    WITH_RESULTS,
    judge,
)
from vanceqa.load.slo import Threshold, Verdict

DEADLINE = "no complete answer within 10s (--request-timeout)"


def _aggregate(answered_at: list[float], unanswered_at: list[float], cut: int = 0) -> Aggregate:
    collector = Collector(lambda: 1000.0)
    for at in answered_at:
        collector.record("listKittens", 1000, None, None, False, at)
    for at in unanswered_at:
        collector.record("listKittens", 9_000_000, None, DEADLINE, False, at, answered=False)
    for _ in range(cut):
        collector.cut("getKitten")
    aggregate = Aggregate()
    aggregate.add(collector.delta(final=True))
    return aggregate


def _verdict(passed: bool) -> Verdict:
    threshold = Threshold(
        "overall", "error_rate < 1%", "error_rate", None, "<", 0.01, "ratio", False
    )
    return Verdict(threshold, 0.5, passed)


def test_a_clean_run_is_0_and_a_breach_4() -> None:
    aggregate = _aggregate([100.0, 101.0], [])
    assert (
        judge(aggregate, [_verdict(True)], end=105.0, duration_s=60, request_timeout_s=10).exit_code
        == EXIT_OK
    )
    breached = judge(aggregate, [_verdict(False)], end=105.0, duration_s=60, request_timeout_s=10)
    assert breached.exit_code == EXIT_BREACH
    aborted = judge(
        aggregate, [], end=105.0, duration_s=60, request_timeout_s=10, aborted="p(99) < 1ms"
    )
    assert aborted.exit_code == EXIT_BREACH


def test_a_target_silent_for_a_whole_deadline_is_unavailable() -> None:
    never = judge(_aggregate([], [], cut=2), [], end=105.0, duration_s=60, request_timeout_s=10)
    assert never.exit_code == EXIT_UNAVAILABLE
    assert never.stopped_answering is not None
    assert "no answer at all" in never.stopped_answering
    assert "0 request(s) past their deadline or broken off, 2 still waiting" in str(never.message)
    went_quiet = judge(
        _aggregate([100.0], [130.0]), [], end=130.0, duration_s=60, request_timeout_s=10
    )
    assert went_quiet.exit_code == EXIT_UNAVAILABLE
    assert "no answer in its last 30s" in str(went_quiet.stopped_answering)


def test_requests_cut_off_while_the_target_still_answers_are_no_silence() -> None:
    healthy = _aggregate([100.0, 104.9], [], cut=3)  # the run's last requests, in flight
    outcome = judge(healthy, [_verdict(True)], end=105.0, duration_s=60, request_timeout_s=10)
    assert outcome.exit_code == EXIT_OK
    assert outcome.stopped_answering is None
    overall = healthy.totals("overall")
    assert overall is not None
    assert (overall.requests, overall.failures, overall.cut_off) == (2, 0, 3)
    slow = judge(
        _aggregate([100.0], [104.0]),
        [_verdict(False)],
        end=105.0,
        duration_s=60,
        request_timeout_s=10,
    )
    assert slow.exit_code == EXIT_BREACH  # answers 5 s ago: slow, not silent
    short = judge(
        _aggregate([100.0], [], cut=2), [], end=105.0, duration_s=5.0, request_timeout_s=10
    )
    assert short.exit_code == EXIT_UNAVAILABLE  # a 5 s run, silent for all but its start
    assert "no answer in its last 5s" in str(short.stopped_answering)


def test_overrun_and_nothing_to_judge() -> None:
    overran = judge(
        _aggregate([100.0], []),
        [_verdict(True)],
        end=105.0,
        duration_s=60,
        request_timeout_s=10,
        overrun="x",
    )
    assert overran.exit_code == EXIT_OVERRUN
    assert (
        judge(Aggregate(), [], end=1.0, duration_s=60, request_timeout_s=10).exit_code
        == EXIT_INCOMPLETE
    )
    dropped_only = Collector(lambda: 1000.0)
    dropped_only.drop("getKitten", 100.0, 5)
    aggregate = Aggregate()
    aggregate.add(dropped_only.delta(final=True))
    assert (
        judge(aggregate, [], end=105.0, duration_s=60, request_timeout_s=10).exit_code
        == EXIT_INCOMPLETE
    )
    assert {EXIT_OK, EXIT_INCOMPLETE, EXIT_UNAVAILABLE, EXIT_BREACH, EXIT_OVERRUN} == WITH_RESULTS
