"""The report in a real browser: headless Chromium opens it from disk, over the DevTools protocol.

Asserts no console error, no request leaves file://, the key sections are visible, the
inline SVG charts are drawn at a readable size and a failure opens from the matrix.
Screenshots are saved to reports/test-artifacts/ for a person to look at. Chromium comes
from the system (.ci/setup-system installs it); without it the test skips, unless
VANCEQA_REQUIRE_BROWSER=1 (CI) makes that a failure.
"""

from __future__ import annotations

import base64
import itertools
import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import websocket

from tests.conftest import DATA, ROOT
from vanceqa.processes import stop_process
from vanceqa.report.build import build_report

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.xdist_group("browser"),
]  # one Chromium serves every test here

ARTIFACTS = ROOT / "reports" / "test-artifacts"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--remote-debugging-port=0",
    "--remote-allow-origins=*",
]
LAPTOP = {"width": 1366, "height": 768, "deviceScaleFactor": 1, "mobile": False}


def _chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path:
        return path
    reason = "chromium is not installed (.ci/setup-system installs it)"
    if os.environ.get("VANCEQA_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason}, and VANCEQA_REQUIRE_BROWSER=1 requires the browser test")
    pytest.skip(reason)


class Page:
    """One browser tab over the DevTools protocol: commands, and the events seen so far."""

    def __init__(self, ws_url: str) -> None:
        self.ws = websocket.create_connection(ws_url, timeout=60, suppress_origin=True)
        self.ids = itertools.count(1)
        self.events: list[dict[str, Any]] = []

    def send(self, method: str, **params: Any) -> dict[str, Any]:
        call_id = next(self.ids)
        self.ws.send(json.dumps({"id": call_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == call_id:
                if "error" in message:
                    raise AssertionError(f"{method}: {message['error']}")
                result: dict[str, Any] = message.get("result", {})
                return result
            self.events.append(message)

    def wait_for_event(self, method: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        if any(e.get("method") == method for e in self.events):
            return
        while time.monotonic() < deadline:
            message = json.loads(self.ws.recv())
            self.events.append(message)
            if message.get("method") == method:
                return
        raise AssertionError(f"no {method} within {timeout}s")

    def js(self, expression: str) -> Any:
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise AssertionError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_until(self, expression: str, timeout: float = 30) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = self.js(expression)
            if value:
                return value
            time.sleep(0.1)
        raise AssertionError(f"still false after {timeout}s: {expression}")

    def open(self, path: Path) -> None:
        self.events.clear()
        self.send("Page.navigate", url=path.resolve().as_uri())
        self.wait_for_event("Page.loadEventFired")

    def console_errors(self) -> list[str]:
        errors = []
        for event in self.events:
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.exceptionThrown":
                errors.append(json.dumps(params["exceptionDetails"])[:500])
            elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                errors.append(json.dumps(params.get("args"))[:500])
            elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
                errors.append(params["entry"].get("text", "")[:500])
        return errors

    def requested_urls(self) -> list[str]:
        return [
            e["params"]["request"]["url"]
            for e in self.events
            if e.get("method") == "Network.requestWillBeSent"
        ]

    def screenshot(self, path: Path, full_page: bool) -> None:
        params: dict[str, Any] = {"format": "png"}
        if full_page:
            height = int(self.js("document.documentElement.scrollHeight"))
            params["captureBeyondViewport"] = True
            params["clip"] = {
                "x": 0,
                "y": 0,
                "width": LAPTOP["width"],
                "height": height,
                "scale": 1,
            }
        data = self.send("Page.captureScreenshot", **params)["data"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))


@pytest.fixture(scope="module")
def page() -> Iterator[Page]:
    chromium = _chromium()
    with tempfile.TemporaryDirectory(prefix="vanceqa-chromium-") as profile:
        process = subprocess.Popen(
            [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "about:blank"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            # Its own group: its renderers and helpers outlive the main process for a
            # moment, writing into the profile; all of them are stopped before it is removed.
            start_new_session=True,
        )
        try:
            port_file = Path(profile) / "DevToolsActivePort"
            deadline = time.monotonic() + 60
            while not port_file.exists() or not port_file.read_text().strip():
                assert process.poll() is None, f"chromium exited with {process.returncode}"
                assert time.monotonic() < deadline, "chromium did not open its DevTools port"
                time.sleep(0.1)
            port = int(port_file.read_text().split()[0])
            targets = httpx.get(f"http://127.0.0.1:{port}/json/list", timeout=10).json()
            tab = next(t for t in targets if t["type"] == "page")
            browser_page = Page(tab["webSocketDebuggerUrl"])
            for domain in ("Page", "Runtime", "Log", "Network"):
                browser_page.send(f"{domain}.enable")
            browser_page.send("Emulation.setDeviceMetricsOverride", **LAPTOP)
            yield browser_page
            browser_page.ws.close()
        finally:
            stop_process(process, grace=15, group=True)


@pytest.fixture(scope="module")
def full_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("full")
    shutil.copytree(DATA / "results", folder, dirs_exist_ok=True)
    return build_report(folder).path


def test_full_report_renders_without_errors_or_network(page: Page, full_report: Path) -> None:
    page.open(full_report)
    charts = page.js(CHARTS)
    assert [c["id"] for c in charts] == [
        "chart-rps",
        "chart-latency",
        "chart-spectrum",
        "chart-errors",
        "chart-trend",
    ]
    for chart in charts:
        # Drawn: data series painted with a real extent, labels rendered as text.
        assert chart["series"] >= 2, chart
        assert chart["paintedSeries"] == chart["series"], chart
        assert chart["texts"] >= 8, chart
        # Readable on a laptop: drawn at its design size (12 px text stays 12 px), in its box.
        assert 0.9 <= chart["scale"] <= 1.1, chart
        assert chart["right"] <= chart["boxRight"] + 0.5, chart
        assert chart["height"] >= 200, chart
    assert page.js("document.scripts.length") == 1  # the matrix helper; charts need none
    assert page.console_errors() == []
    outside = [u for u in page.requested_urls() if not u.startswith(("file:", "data:", "blob:"))]
    assert outside == [], f"the page reached for the network: {outside}"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(ARTIFACTS / "report-top.png", full_page=False)
    page.screenshot(ARTIFACTS / "report.png", full_page=True)


# Each inline chart: its size against its viewBox and its box, its series and their extent.
CHARTS = """
[...document.querySelectorAll('svg.chart-svg')].map(svg => {
  const box = svg.getBoundingClientRect();
  const parent = svg.parentElement.getBoundingClientRect();
  const series = [...svg.querySelectorAll('g[id*="-series-"]')];
  const painted = new Set(series.filter(g => {
    const b = g.getBBox();
    return b.width > 0 || b.height > 0;
  }).map(g => g.id.replace(/-bar-\\d+$/, '')));
  return {
    id: svg.id,
    scale: box.width / svg.viewBox.baseVal.width,
    height: box.height,
    right: box.right,
    boxRight: parent.right,
    series: new Set(series.map(g => g.id.replace(/-bar-\\d+$/, ''))).size,
    paintedSeries: painted.size,
    texts: svg.querySelectorAll('text').length,
  };
})
"""

VISIBLE = """
(() => {
  const seen = {};
  for (const sel of %s) {
    const el = document.querySelector(sel);
    const box = el && el.getBoundingClientRect();
    seen[sel] = !!(box && box.width > 0 && box.height > 0 &&
                   getComputedStyle(el).visibility !== 'hidden');
  }
  return seen;
})()
"""


def test_key_sections_are_visible(page: Page, full_report: Path) -> None:
    page.open(full_report)
    selectors = [
        "#verdict",
        "dl.meta",
        "#conformance-matrix",
        "#load table.slo",
        "#hdr-getkitten",
        "#chart-rps",
        "#chart-latency",
        "#chart-spectrum",
        "#chart-errors",
        "#docs table.drift",
        "#trend table.trend",
    ]
    seen = page.js(VISIBLE % json.dumps(selectors))
    assert seen == dict.fromkeys(selectors, True)
    assert page.js("document.querySelector('#verdict .word').innerText") == "FAIL"
    # The verdict is on the first screen of a laptop, not below the fold.
    assert page.js("document.querySelector('#verdict').getBoundingClientRect().bottom") < 768


def test_a_failure_opens_from_the_matrix(page: Page, full_report: Path) -> None:
    page.open(full_report)
    assert page.js("document.getElementById('fail-1').open") is False
    page.js("document.querySelector('#conformance-matrix a.open-failure').click()")
    page.wait_until("document.getElementById('fail-1').open")
    curl_visible = page.js(
        "document.querySelector('#fail-1 pre.curl').getBoundingClientRect().height > 0"
    )
    assert curl_visible
    text = page.js("document.querySelector('#fail-1').innerText")
    assert "Authorization: [REDACTED]" in text


def test_a_bare_report_renders_without_errors(page: Page, tmp_path: Path) -> None:
    """Only conformance results, no history: no chart, no script error, honest notes."""
    shutil.copy(DATA / "results" / "conformance.json", tmp_path / "conformance.json")
    path = build_report(tmp_path).path
    page.open(path)
    assert page.console_errors() == []
    assert page.js("document.querySelectorAll('svg').length") == 0
    text = page.js("document.body.innerText")
    assert "The load test did not run" in text
    assert "No earlier runs" in text
