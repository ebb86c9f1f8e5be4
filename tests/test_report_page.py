"""The page built from the recorded result files in tests/data/results/, read back as HTML."""

from __future__ import annotations

import copy
import json
import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import DATA
from vanceqa.report.build import build_report

RESULTS = DATA / "results"
VOID = {"meta", "br", "hr", "img", "input", "link", "col", "wbr", "source"}


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    children: list[Node | str] = field(default_factory=list)

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def walk(self) -> Iterator[Node]:
        yield self
        for child in self.children:
            if isinstance(child, Node):
                yield from child.walk()

    def find_all(self, tag: str | None = None, cls: str | None = None) -> list[Node]:
        return [
            n
            for n in self.walk()
            if (tag is None or n.tag == tag) and (cls is None or cls in n.classes)
        ]

    def by_id(self, ident: str) -> Node:
        found = [n for n in self.walk() if n.attrs.get("id") == ident]
        assert len(found) == 1, f"#{ident} found {len(found)} times"
        return found[0]


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return
        raise AssertionError(f"</{tag}> closes nothing")

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse(text: str) -> Node:
    builder = _Builder()
    builder.feed(text)
    builder.close()
    assert builder.stack == [builder.root], f"unclosed: {[n.tag for n in builder.stack]}"
    return builder.root


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((RESULTS / name).read_text())
    return data


@pytest.fixture
def report_dir(tmp_path: Path) -> Path:
    shutil.copytree(RESULTS, tmp_path, dirs_exist_ok=True)
    return tmp_path


@pytest.fixture
def build(report_dir: Path) -> Callable[..., tuple[Node, str]]:
    def _build(**kwargs: Any) -> tuple[Node, str]:
        text = build_report(report_dir, **kwargs).path.read_text()
        return parse(text), text

    return _build


def test_the_top_tells_verdict_target_when_duration_versions_seed(build: Any) -> None:
    dom, _ = build()
    header = dom.by_id("verdict")
    assert "fail" in header.classes
    assert header.find_all(cls="word")[0].text() == "FAIL"
    reasons = [li.text() for li in header.find_all("li")]
    assert any("2 failed" in r for r in reasons)
    assert any("SLO broken: error_rate < 0.1%" in r for r in reasons)
    meta = {
        div.find_all("dt")[0].text(): div.find_all("dd")[0].text()
        for div in dom.find_all("dl", "meta")[0].find_all("div")
    }
    assert meta["Target"] == "the bundled mock"
    assert meta["When"] == "2026-11-24 10:00:00 UTC"
    assert meta["Duration"] == "52.4 s"
    assert meta["Seed"] == "424242"
    assert "schemathesis 4.32.5" in meta["Versions"]
    assert "locust 2.47.0" in meta["Versions"]
    replay = dom.find_all("details", "replay")[0].text()
    assert "vanceqa check --report-dir reports --seed 424242" in replay


def _matrix(dom: Node) -> tuple[list[str], dict[tuple[str, str], Node]]:
    table = dom.by_id("conformance-matrix")
    columns = [th.text() for th in table.find_all("thead")[0].find_all("th")][1:]
    cells = {}
    for row in table.find_all("tbody")[0].find_all("tr"):
        check = row.find_all("th")[0].text()
        for column, cell in zip(columns, row.find_all("td"), strict=True):
            cells[(check, column)] = cell
    return columns, cells


def test_the_matrix_has_every_check_and_operation_with_its_outcome(build: Any) -> None:
    dom, _ = build()
    columns, cells = _matrix(dom)
    assert columns == ["listKittens", "getKitten", "deleteKitten", "all operations"]
    results = load("conformance.json")["results"]
    expected = {}
    for r in results:
        column = "all operations" if r["operation"] == "*" else r["operation"]
        expected[(r["check"], column)] = r["outcome"]
    css = {"passed": "ok", "failed": "bad", "skipped": "skip"}
    for key, cell in cells.items():
        if key in expected:
            assert css[expected[key]] in cell.classes, key
        else:
            assert "na" in cell.classes, key
    assert {c for c, _ in cells} == {r["check"] for r in results}


def test_a_skip_shows_its_reason_and_never_reads_as_a_pass(build: Any) -> None:
    dom, _ = build()
    _, cells = _matrix(dom)
    cell = cells[("delete_then_gone_410", "deleteKitten")]
    assert cell.text() == "– skip"
    assert "--destructive" in cell.attrs["title"]
    skips = dom.by_id("conformance").find_all("table", "skips")[0].text()
    assert "the target never answered 429" in skips


def test_a_cell_with_passes_and_skips_shows_both(report_dir: Path, build: Any) -> None:
    data = load("conformance.json")
    extra = copy.deepcopy(next(r for r in data["results"] if r["check"] == "auth_wrong_token"))
    extra.update(outcome="skipped", reason="no admin token given", nodeid="x::admin")
    data["results"].append(extra)
    (report_dir / "conformance.json").write_text(json.dumps(data))
    dom, _ = build()
    _, cells = _matrix(dom)
    cell = cells[("auth_wrong_token", extra["operation"])]
    assert "mixed" in cell.classes
    assert cell.text() == "✓ pass · – skip"


def test_each_failure_expands_to_behaviour_curl_and_response(build: Any) -> None:
    dom, _ = build()
    _, cells = _matrix(dom)
    link = cells[("hidden_forbidden_regular", "getKitten")].find_all("a")[0]
    details = dom.by_id(link.attrs["href"].removeprefix("#"))
    assert details.tag == "details"
    assert "open" not in details.attrs  # collapsed until asked for
    text = details.text()
    assert "refused to a regular token with 403" in text
    assert "403 | Forbidden -- The kitten requested is hidden" in text
    curl = details.find_all("pre", "curl")[0].text()
    assert curl.startswith("curl -i -H 'Authorization: [REDACTED]'")
    assert curl.endswith("/api/kittens/7")
    assert "status 200" in text
    assert '"hidden": true' in details.find_all("pre", "body")[0].text()
    assert len(dom.find_all("details", "failure")) == 2


def test_load_tables_show_raw_and_corrected_percentiles(build: Any) -> None:
    dom, _ = build()
    data = load("load.json")
    for name, stats in data["operations"].items():
        card = dom.by_id(f"hdr-{name.lower()}")
        rows = {
            tr.find_all("td")[0].text(): [td.text() for td in tr.find_all("td")[1:]]
            for tr in card.find_all("tbody")[0].find_all("tr")
        }
        assert list(rows) == ["min", "p50", "p90", "p95", "p99", "p99.9", "max", "mean"]
        for key in ("p95", "p99", "p99.9"):
            raw, corrected = rows[key]
            assert float(raw) == pytest.approx(stats["latency_ms"][key], rel=0.01)
            assert float(corrected) == pytest.approx(stats["latency_corrected_ms"][key], rel=0.01)


def test_the_slo_table_shows_measured_values_and_the_breach(build: Any) -> None:
    dom, _ = build()
    table = dom.by_id("load").find_all("table", "slo")[0]
    rows = [
        [td.text() for td in tr.find_all("td")] for tr in table.find_all("tbody")[0].find_all("tr")
    ]
    assert ["overall", "error_rate < 0.1%", "0.27 %", "broken"] in rows
    assert ["overall", "p(95) < 250ms", "3.40 ms", "met"] in rows
    assert len(rows) == 4


def test_errors_and_throttled_are_listed_by_reason(build: Any) -> None:
    dom, _ = build()
    table = dom.by_id("load").find_all("table", "errors")[0]
    rows = [
        [td.text() for td in tr.find_all("td")] for tr in table.find_all("tbody")[0].find_all("tr")
    ]
    assert ["getKitten", "timeout after 5s", "1"] in rows
    assert ["getKitten", "throttled (429, retried)", "5"] in rows


def test_charts_are_plotly_and_the_page_needs_no_network(build: Any) -> None:
    dom, text = build()
    charts = {n.attrs["id"] for n in dom.find_all("div", "plotly-graph-div")}
    assert charts == {"chart-rps", "chart-latency", "chart-spectrum", "chart-errors", "chart-trend"}
    assert text.count("* plotly.js v") == 1  # the library, inline, once
    assert not [n for n in dom.walk() if "src" in n.attrs or n.tag == "link"]
    assert not re.search(r"<(script|img|iframe)[^>]+src=", text)
    assert len(text.encode()) < 6_000_000


def test_docs_drift_and_examples_are_shown(build: Any) -> None:
    dom, _ = build()
    docs = dom.by_id("docs")
    drift = docs.find_all("table", "drift")[0].text()
    assert "http-request-path-mismatch" in drift
    assert "baselined" in drift
    examples = docs.find_all("table", "examples")[0].text()
    assert "DELETE /api/kittens/2" in examples


def test_trend_flags_regressions_beyond_the_margin(build: Any) -> None:
    def rows(dom: Node) -> dict[str, list[str]]:
        table = dom.by_id("trend").find_all("table", "trend")[0]
        return {
            tr.find_all("td")[0].text(): [td.text() for td in tr.find_all("td")[1:]]
            for tr in table.find_all("tbody")[0].find_all("tr")
        }

    default = rows(build()[0])
    assert default["p95 latency"] == ["3.40 ms", "2.15 ms", "+58.1%", "regression"]
    assert default["p99 latency"][-1] == "ok"  # +10%, but only 0.65 ms: noise
    assert default["requests per second"][-1] == "ok"
    assert default["conformance failures"][-1] == "regression"
    wider = rows(build(margin=0.60)[0])
    assert wider["p95 latency"][-1] == "ok"
    assert wider["conformance failures"][-1] == "regression"  # counts ignore the margin


def test_the_token_never_reaches_the_page(
    report_dir: Path, build: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Even when a producer leaks it: the page scrubs known tokens and header values."""
    token = "tok-Zq8rX1-distinctive-Wm3"
    stranger = "unknown-secret-9f3k2"
    data = load("conformance.json")
    failure = next(r for r in data["results"] if r["outcome"] == "failed")["failure"]
    failure["curl"] = f"curl -i -H 'Authorization: {token}' http://127.0.0.1:1/api/kittens/7"
    failure["message"] = f"sent Authorization: {stranger} and got 200; token was {token}"
    failure["body_excerpt"] = f'{{"echo": "{token}"}}'
    (report_dir / "conformance.json").write_text(json.dumps(data))
    monkeypatch.setenv("VANCEQA_API_TOKEN", token)
    _, text = build()
    assert token not in text
    assert stranger not in text
    assert "Authorization: [REDACTED]" in text
    monkeypatch.delenv("VANCEQA_API_TOKEN")
    _, text = build(secrets=[token])  # and when told directly, without the environment
    assert token not in text


def test_an_unreadable_file_is_named_and_the_rest_still_shown(report_dir: Path) -> None:
    (report_dir / "load.json").write_text('{"format": "vanceqa.load/1", "operations": {"x": 1}}')
    outcome = build_report(report_dir)
    assert outcome.verdict.status == "fail"  # conformance failures still count
    text = outcome.path.read_text()
    assert "load.json: operations.x must be object" in text
    assert 'id="conformance-matrix"' in text
    load_phase = next(p for p in outcome.verdict.phases if p.name == "load")
    assert load_phase.status == "error"
