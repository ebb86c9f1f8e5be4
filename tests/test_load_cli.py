"""`vanceqa load`'s own last resort: past its bound it stops locust with SIGTERM (which
makes locust write load.json; SIGINT would print gevent's traceback), then kills it."""

from __future__ import annotations

import sys
import textwrap
import time
from pathlib import Path

from vanceqa.load.cli import _run_locust
from vanceqa.load.options import STOP_GRACE_S, WRAP_UP_S, run_bound_s
from vanceqa.load.outcome import EXIT_OVERRUN

HANGS = textwrap.dedent(
    """
    import signal, sys, time
    from pathlib import Path

    def wrote_results(signum, frame):
        Path(sys.argv[1]).write_text(signal.Signals(signum).name)
        sys.exit(0)

    signal.signal(signal.SIGTERM, wrote_results)
    signal.signal(signal.SIGINT, wrote_results)
    time.sleep(600)
    """
)


def test_a_hanging_locust_gets_sigterm_and_the_run_reports_an_overrun(tmp_path: Path) -> None:
    marker = tmp_path / "signal"
    started = time.monotonic()
    code = _run_locust([sys.executable, "-c", HANGS, str(marker)], {}, limit=5.0)
    assert code == EXIT_OVERRUN
    assert marker.read_text() == "SIGTERM"
    assert time.monotonic() - started >= 5.0  # not before its bound


def test_the_bound_grows_with_the_options() -> None:
    base = run_bound_s(5, 10)
    assert base > 5 + 2 * 10 + STOP_GRACE_S + WRAP_UP_S - 1
    assert run_bound_s(65, 10) == base + 60
    assert run_bound_s(5, 30) == base + 40
