"""load.json as docs/result-files.md describes it, and the printed summary."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

from vanceqa.contract import default_contract
from vanceqa.load.load_json import FORMAT, build_document, summary_lines, write_document
from vanceqa.load.metrics import Aggregate, Collector
from vanceqa.load.shapes import plan_shape
from vanceqa.load.slo import evaluate, load_slo
from vanceqa.resources import loadtests_dir

SECRET = "vq-very-secret-token-42"
LATENCY_KEYS = {"min", "mean", "p50", "p90", "p95", "p99", "p99.9", "max"}


def _document(open_model: bool, **extra: Any) -> dict[str, object]:
    collector = Collector(lambda: 200.0)
    collector.open_window(100.0)
    corrected = 5000 if open_model else None
    for i in range(200):
        op = "listKittens" if i % 2 else "getKitten"
        failure = f"ConnectError: token {SECRET} refused" if i == 0 else None
        collector.record(op, 800 + i, corrected, failure, i == 1, 100.0 + i / 50)
    if open_model:
        collector.drop("getKitten", 101.0)
    collector.close_window(104.0)
    aggregate = Aggregate(default_contract().operation_ids())
    aggregate.add(collector.delta(final=True))
    slo = load_slo(loadtests_dir() / "slo.toml", default_contract().operation_ids())
    verdicts = evaluate(slo, aggregate, aggregate.duration_s())
    shape = plan_shape("open" if open_model else "smoke", rate="50" if open_model else None)
    return build_document(
        aggregate=aggregate,
        shape=shape,
        base_url="http://127.0.0.1:1234",
        mock=True,
        started_at=100.0,
        duration_s=aggregate.duration_s(),
        seed=5,
        workers=2,
        slo=slo,
        verdicts=verdicts,
        exit_code=4,
        users={100: 3, 101: 5},
        **extra,
    )


def test_the_document_has_the_documented_fields(tmp_path: Path) -> None:
    document = _document(open_model=True)
    path = write_document(document, tmp_path / "reports", (SECRET,))
    text = path.read_text()
    assert SECRET not in text
    assert "[REDACTED]" in text
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    data = json.loads(text)
    assert data["format"] == FORMAT
    assert data["target"] == {"base_url": "http://127.0.0.1:1234", "mock": True, "insecure": False}
    assert data["overrun"] is None
    assert data["stopped_answering"] is None
    assert data["started_at"] == "1970-01-01T00:01:40Z"
    assert data["duration_s"] == 4.0
    assert (data["seed"], data["workers"], data["model"], data["exit_code"]) == (5, 2, "open", 4)
    assert data["shape"]["name"] == "open"
    assert data["shape"]["rate"] == 50
    assert set(data["versions"]) == {"vanceqa", "locust", "python"}
    get = data["operations"]["getKitten"]
    assert get["requests"] == 100
    assert get["failures"] == 1
    assert get["dropped"] == 1
    assert list(get["failures_by_reason"]) == ["ConnectError: token [REDACTED] refused"]
    assert get["rps"] == 25.0
    assert set(get["latency_ms"]) == LATENCY_KEYS
    assert set(get["latency_corrected_ms"]) == LATENCY_KEYS
    assert [p for p, _ in get["spectrum"]] == [50, 75, 90, 95, 99, 99.9, 99.99, 100]
    assert data["operations"]["listKittens"]["throttled"] == 1
    get_row = get["timeseries"][0]
    assert {"t", "rps", "p50", "p95", "p99", "errors", "throttled", "dropped"} <= set(get_row)
    assert "p99_corrected" in get_row
    assert "users" not in get_row  # the users running are the whole run's
    assert sum(row["rps"] for row in get["timeseries"]) == 100
    assert sum(row["dropped"] for row in get["timeseries"]) == 1
    assert data["overall"]["requests"] == 200
    row = data["timeseries"][0]
    assert {"t", "rps", "p50", "p95", "p99", "errors", "throttled", "dropped"} <= set(row)
    assert row["users"] == 3
    assert data["slo"]["file"].endswith("slo.toml")
    assert data["slo"]["passed"] is False  # a request was dropped: "dropped == 0" fails
    first = data["slo"]["thresholds"][0]
    assert {"scope", "expression", "metric", "measured", "unit", "passed"} <= set(first)


def test_closed_runs_have_no_corrected_figures() -> None:
    document = _document(open_model=False)
    overall = document["overall"]
    assert isinstance(overall, dict)
    assert overall["latency_corrected_ms"] is None
    assert document["model"] == "closed"


def test_summary_shows_percentiles_reasons_and_verdicts() -> None:
    lines = summary_lines(_document(open_model=True))
    text = "\n".join(lines)
    assert "open at 50 req/s" in text
    assert "corrected" in text
    assert "p99.9" in text
    assert "failure getKitten: 1 x ConnectError" in text
    assert "SLO " in text
    assert "PASS  overall      error_rate < 1%" in text  # 1 failure in 200
    assert "FAIL  overall      dropped == 0               measured 1" in text
    assert lines[-1] == "exit code 4"


def test_a_threshold_with_nothing_to_measure_reads_plainly() -> None:
    document = _document(open_model=False)
    slo: dict[str, list[dict[str, object]]] = document["slo"]  # type: ignore[assignment]
    slo["thresholds"][0].update(measured=None, passed=False)
    text = "\n".join(summary_lines(document))
    assert "FAIL  overall      p(95) < 250ms              measured nothing\n" in text


def test_refusals_unanswered_insecure_and_the_run_s_end_are_stated() -> None:
    collector = Collector(lambda: 200.0)
    collector.open_window(100.0)
    collector.record("listKittens", 900, None, None, False, 100.5)
    collector.record("getKitten", 5000, None, "no complete answer within 4s", False, 101.0, False)
    collector.cut("getKitten")
    collector.refuse("deleteKitten", "DELETE /api/kittens/9 not sent: not named")
    collector.close_window(104.0)
    aggregate = Aggregate(default_contract().operation_ids())
    aggregate.add(collector.delta(final=True))
    assert aggregate.last_answer == 100.5
    document = build_document(
        aggregate=aggregate,
        shape=plan_shape("smoke"),
        base_url="https://gw.example/vance/v1",
        mock=False,
        started_at=100.0,
        duration_s=4.0,
        seed=None,
        workers=1,
        slo=None,
        verdicts=[],
        exit_code=3,
        overrun="still running 40s after the start",
        stopped_answering="the target stopped answering: no answer in its last 4s",
        connection={"tls_verified": False, "proxy": "http://127.0.0.1:3128"},
    )
    assert document["target"] == {
        "base_url": "https://gw.example/vance/v1",
        "mock": False,
        "insecure": True,
    }
    deletes = document["operations"]["deleteKitten"]  # type: ignore[index]
    assert (deletes["requests"], deletes["refused"]) == (0, 1)
    assert deletes["refused_by_reason"] == {"DELETE /api/kittens/9 not sent: not named": 1}
    get = document["operations"]["getKitten"]  # type: ignore[index]
    assert (get["requests"], get["unanswered"], get["cut_off"]) == (1, 1, 1)
    text = "\n".join(summary_lines(document))
    assert "(TLS certificates NOT verified: --insecure)" in text
    assert "refused deleteKitten: 1 x DELETE /api/kittens/9 not sent: not named" in text
    assert "failure getKitten: 1 x no complete answer within 4s" in text
    assert "cut off getKitten: 1 still waiting when the run ended" in text
    assert "overran: still running 40s after the start" in text
    assert "stopped: the target stopped answering: no answer in its last 4s" in text
