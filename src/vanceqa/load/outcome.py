"""How a load run ended, and its exit code: one place for both.

    0    the run went to its end, and every SLO threshold held (or --slo none)
    1    no verdict: no request got an answer to judge (or locust itself failed)
    2    usage: a bad option, SLO file or locustfile; nothing was sent
    3    the target is unavailable: the preflight failed, or the target stopped
         answering during the run (requests were left without an answer, and none came
         in the run's last --request-timeout, or its last half if that is shorter)
    4    an SLO threshold was breached, or the run was aborted on one
    5    the run overran: still going STOP_GRACE_S past its run time, it was stopped
         by its deadline (in locust), or killed by `vanceqa load`'s last-resort bound
    130  interrupted (Ctrl-C)

Whatever the code, load.json holds what was measured (except for 2, and for 3 from the
preflight: nothing was measured), and says why the run ended where it did.
Pure Python: `vanceqa load` and the locust plugin both read it.
"""

from __future__ import annotations

from dataclasses import dataclass

from vanceqa.errors import TargetUnavailable, UsageError
from vanceqa.load.metrics import OVERALL, Aggregate
from vanceqa.load.slo import EXIT_SLO_BREACH, Verdict

EXIT_OK = 0
EXIT_INCOMPLETE = 1
EXIT_USAGE = UsageError.exit_code
EXIT_UNAVAILABLE = TargetUnavailable.exit_code
EXIT_BREACH = EXIT_SLO_BREACH
EXIT_OVERRUN = 5
EXIT_INTERRUPTED = 130
# Codes with which locust has written a load.json worth keeping.
WITH_RESULTS = frozenset({EXIT_OK, EXIT_INCOMPLETE, EXIT_UNAVAILABLE, EXIT_BREACH, EXIT_OVERRUN})


@dataclass(frozen=True)
class Outcome:
    exit_code: int
    stopped_answering: str | None = None
    message: str | None = None  # logged as an error when set


def judge(
    aggregate: Aggregate,
    verdicts: list[Verdict],
    *,
    end: float,
    duration_s: float,
    request_timeout_s: float,
    aborted: str | None = None,
    overrun: str | None = None,
) -> Outcome:
    """The exit code of a finished run, most serious cause first."""
    overall = aggregate.totals(OVERALL)
    assert overall is not None
    last = aggregate.last_answer
    silent = overall.unanswered + overall.cut_off
    quiet_s = min(request_timeout_s, max(1.0, duration_s / 2))
    if silent and (last is None or end - last >= quiet_s):
        quiet = "no answer at all" if last is None else f"no answer in its last {end - last:.0f}s"
        stopped = (
            f"the target stopped answering: {quiet} of the run "
            f"({overall.unanswered} request(s) past their deadline or broken off, "
            f"{overall.cut_off} still waiting at the end)"
        )
        return Outcome(EXIT_UNAVAILABLE, stopped, stopped)
    if overrun:
        return Outcome(EXIT_OVERRUN, message=f"the run overran: {overrun}")
    if overall.requests - overall.unanswered <= 0:
        return Outcome(
            EXIT_INCOMPLETE,
            message="the run got no answer to any request; there is nothing to judge",
        )
    if aborted or not all(v.passed for v in verdicts):
        return Outcome(EXIT_BREACH)
    return Outcome(EXIT_OK)
