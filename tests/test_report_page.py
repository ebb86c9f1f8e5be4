"""The page built from the recorded result files in tests/data/results/, read back as HTML."""

from __future__ import annotations

import copy
import itertools
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


CHARTS = ("chart-rps", "chart-latency", "chart-spectrum", "chart-errors", "chart-trend")
# Vertices of an SVG path: "M x y L x y ..." (matplotlib writes absolute commands only).
VERTEX = re.compile(r"[ML] -?[\d.]+ -?[\d.]+")


def _charts(dom: Node) -> dict[str, Node]:
    return {n.attrs["id"]: n for n in dom.find_all("svg", "chart-svg")}


def _series(chart: Node) -> dict[str, list[Node]]:
    """The chart's data series (lines and bars, by their SVG group id) and their paths."""
    prefix = chart.attrs["id"] + "-series-"
    groups = [g for g in chart.find_all("g") if g.attrs.get("id", "").startswith(prefix)]
    found: dict[str, list[Node]] = {}
    for group in groups:
        name = re.sub(r"-bar-\d+$", "", group.attrs["id"].removeprefix(prefix))
        found.setdefault(name, []).extend(group.find_all("path"))
    return found


def _vertices(path: Node) -> int:
    return len(VERTEX.findall(path.attrs.get("d", "")))


def _texts(chart: Node) -> list[str]:
    return [t.text() for t in chart.find_all("text")]


def test_charts_are_inline_svg_drawn_by_matplotlib(build: Any) -> None:
    dom, _ = build()
    charts = _charts(dom)
    assert tuple(charts) == CHARTS
    for ident, chart in charts.items():
        # Drawn by matplotlib: its generator stamp, its group names, text kept as text.
        assert chart.find_all("dc:title")[0].text().startswith("Matplotlib v"), ident
        assert chart.find_all("g")[0].attrs["id"] == f"{ident}-figure_1"
        assert len(chart.find_all("text")) >= 8, ident
        # Sized by the page's CSS from its viewBox (px at the width the page gives it).
        width = float(chart.attrs["viewbox"].split()[2])
        assert width in (578, 1180), ident
        assert "width" not in chart.attrs
        assert "height" not in chart.attrs
        # Accessible: a role, a label, and a <title> first that says the same.
        label = chart.attrs["aria-label"]
        assert chart.attrs["role"] == "img"
        first = next(c for c in chart.children if isinstance(c, Node))
        assert (first.tag, first.text()) == ("title", label)
        assert len(label) > 20, label
    load_data = load("load.json")
    seconds = len(load_data["timeseries"])
    rps = _series(charts["chart-rps"])
    assert [_vertices(p) for p in rps["1-requests-s"]] == [seconds]
    errors = sum(1 for p in load_data["timeseries"] if p["errors"])
    assert len(rps["2-errors-s"]) == errors  # one bar per second that had errors
    throttled = sum(1 for p in load_data["timeseries"] if p["throttled"])
    assert [_vertices(p) for p in rps["3-429s-s"]] == [4] * throttled  # rectangles
    latency = _series(charts["chart-latency"])
    assert sorted(latency) == ["1-p50", "2-p95", "3-p99"]  # no corrected p99 recorded here
    assert all(_vertices(p) == seconds for paths in latency.values() for p in paths)
    assert "Requests per second" in _texts(charts["chart-rps"])
    assert "errors, 429s /s" in _texts(charts["chart-rps"])


def test_the_spectrum_is_log_scaled_with_corrected_lines_dashed(build: Any) -> None:
    dom, _ = build()
    spectrum = _charts(dom)["chart-spectrum"]
    series = _series(spectrum)
    operations = load("load.json")["operations"]
    assert len(series) == 2 * len(operations)
    for name, paths in series.items():
        line = paths[0]
        dashed = "stroke-dasharray" in line.attrs["style"]
        assert dashed == name.endswith("-corrected"), name
        assert _vertices(line) == len(operations["listKittens"]["spectrum"]), name
    labels = _texts(spectrum)
    for tick in ("50%", "90%", "99%", "99.9%", "99.99%", "max", "1", "10", "100"):
        assert tick in labels, tick
    # Each extra nine gets the same width: 90%, 99%, 99.9% ticks are evenly spaced.
    ticks = {t.text(): t for t in spectrum.find_all("text")}
    xs = [float(ticks[p].attrs["x"]) for p in ("90%", "99%", "99.9%", "99.99%")]
    gaps = [b - a for a, b in itertools.pairwise(xs)]
    assert max(gaps) - min(gaps) < 1.0, gaps


def test_a_corrected_p99_over_time_is_drawn_dashed(report_dir: Path, build: Any) -> None:
    data = load("load.json")
    for point in data["timeseries"]:
        point["p99_corrected"] = point["p99"] * 3
    (report_dir / "load.json").write_text(json.dumps(data))
    dom, _ = build()
    latency = _series(_charts(dom)["chart-latency"])
    assert sorted(latency) == ["1-p50", "2-p95", "3-p99", "4-p99-corrected"]
    assert "stroke-dasharray" in latency["4-p99-corrected"][0].attrs["style"]
    assert "stroke-dasharray" not in latency["3-p99"][0].attrs["style"]
    assert "p99 corrected" in _texts(_charts(dom)["chart-latency"])


def test_errors_and_trend_charts_show_every_reason_and_run(build: Any) -> None:
    dom, _ = build()
    charts = _charts(dom)
    errors = charts["chart-errors"]
    labels = _texts(errors)
    for reason in ("status 500 not documented", "timeout after 5s", "throttled (429)"):
        assert reason in labels
    assert {"3", "1", "8"} <= set(labels)  # the total at each bar's end
    bars = _series(errors)
    assert sorted(bars) == ["1-listkittens", "2-getkitten"]
    assert len(bars["1-listkittens"]) == 2  # status 500 and throttled; no timeouts
    trend = _series(charts["chart-trend"])
    runs = len(list((RESULTS / "history").glob("*.json"))) + 1  # the earlier ones and this
    for name in ("1-p95-ms", "2-p99-ms", "3-requests-s"):
        assert _vertices(trend[name][0]) == runs, name
    assert len(trend["4-conformance-failures"]) == runs
    assert "11-24 10:00" in _texts(charts["chart-trend"])


def test_chart_text_from_result_files_stays_plain_text(report_dir: Path, build: Any) -> None:
    """A reason with markup or "$" (TeX to matplotlib) is shown as written, never run."""
    data = load("load.json")
    odd = '<img src=x onerror=alert(1)> costs $5 & "$6"'
    data["operations"]["getKitten"]["failures_by_reason"] = {odd: 2}
    (report_dir / "load.json").write_text(json.dumps(data))
    dom, text = build()
    assert odd in _texts(_charts(dom)["chart-errors"])
    assert not dom.find_all("img")
    assert "<img" not in text


def test_charts_are_the_same_bytes_for_the_same_results(build: Any) -> None:
    first, second = build()[1], build()[1]
    svg = re.compile(r"<svg.*?</svg>", re.DOTALL)
    assert svg.findall(first) == svg.findall(second)
    assert len(svg.findall(first)) == len(CHARTS)


def test_the_page_is_small_and_needs_no_network(build: Any) -> None:
    dom, text = build()
    assert len(text.encode()) < 400_000  # ~120 kB today; plotly.js alone was 4.8 MB
    assert not [n for n in dom.walk() if "src" in n.attrs or n.tag in ("link", "iframe", "img")]
    links = [
        value
        for n in dom.walk()
        for key, value in n.attrs.items()
        if key in ("href", "xlink:href", "rdf:resource", "action", "poster")
    ]
    assert links  # the charts' own references: clip paths, markers
    assert all(v.startswith("#") for v in links), sorted(set(links))[:5]
    assert re.findall(r"url\((?!#)", text) == []
    assert "@import" not in text
    scripts = dom.find_all("script")
    assert len(scripts) == 1
    assert len(scripts[0].text()) < 2_000  # opens a failure from the matrix; charts need none
    ids = [n.attrs["id"] for n in dom.walk() if "id" in n.attrs]
    assert len(ids) == len(set(ids)), "an id is used twice (matplotlib numbers per chart)"


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


def test_the_trend_states_a_fractional_margin_exactly() -> None:
    from vanceqa.report.trend_view import section

    entry = {"started_at": "2026-11-24T10:00:00Z", "verdict": "pass"}
    html = section([], [entry, entry], 0.025, 5)
    assert "beyond a 2.5% margin" in html
