"""Running the docs' curl examples: planning (substitution, DELETE rules), judging answers
(respx stages the bad ones), and real runs against the mock on a socket."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
import respx

from tests.conftest import API_TOKEN, ROOT
from vanceqa.docs.examples import run_examples
from vanceqa.docs.model import DocsPage
from vanceqa.docs.parser import parse_page
from vanceqa.docs.plan import PlannedExample, plan_examples
from vanceqa.target import MockServer, TargetConfig

OURS = ROOT / "fixtures" / "docs" / "index.html.md"
SLATE = ROOT / "tests" / "slate"
TOKEN = "tok-SECRET-4242"
BASE = "http://target.test"
KITTEN = {"id": 3, "name": "Mittens", "breed": "tabby", "fluffiness": 8, "cuteness": 9}


@pytest.fixture(scope="module")
def ours() -> DocsPage:
    return parse_page(OURS)


def target(**overrides: object) -> TargetConfig:
    values: dict[str, object] = {"base_url": BASE, "api_token": TOKEN}
    values.update(overrides)
    return TargetConfig(**values)  # type: ignore[arg-type]


def by_label(plans: list[PlannedExample]) -> dict[str, PlannedExample]:
    return {p.label: p for p in plans}


# -- planning ----------------------------------------------------------------------------


def test_plans_put_the_users_url_and_token_in_place_of_the_docs(ours: DocsPage) -> None:
    plans = by_label(plan_examples(ours, target()))
    listing = plans["GET /api/kittens"]
    assert listing.url == f"{BASE}/api/kittens"
    assert listing.headers == {"Authorization": TOKEN}
    item = plans["GET /kittens/<ID>"]
    assert item.url == f"{BASE}/api/kittens/2"  # the curl's path, not the request line's
    assert item.source.line == 155


def test_delete_needs_destructive_and_a_named_id(ours: DocsPage) -> None:
    def delete(config: TargetConfig, own_mock: bool = False) -> PlannedExample:
        return by_label(plan_examples(ours, config, own_mock=own_mock))["DELETE /kittens/<ID>"]

    assert delete(target()).skip == "DELETE runs only with --destructive and --delete-id"
    assert "needs an id" in str(delete(target(destructive=True)).skip)
    named = delete(target(destructive=True, delete_ids=(7, 8)))
    assert named.skip is None
    assert named.url == f"{BASE}/api/kittens/7"
    assert delete(target(), own_mock=True).url == f"{BASE}/api/kittens/2"  # our mock: as written


def test_reads_run_before_writes_and_deletes(ours: DocsPage) -> None:
    methods = [p.method for p in plan_examples(ours, target(destructive=True, delete_ids=(5,)))]
    assert methods == ["GET", "GET", "DELETE"]


def test_uploads_page_plans_form_query_and_skips() -> None:
    page = parse_page(SLATE / "uploads" / "index.html.md")
    plans = by_label(plan_examples(page, target()))
    assert "changes data" in str(plans["POST /web_api/v1/upload"].skip)
    assert "changes data" in str(plans["POST /web_api/v1/transform"].skip)
    progress = plans["GET /web_api/v1/progress"]
    assert progress.url == f"{BASE}/web_api/v1/progress?api_token={TOKEN}&trans_id=3f1b"
    assert "placeholder" in str(plans["DELETE /web_api/v1/jobs/:trans_id"].skip)
    writes = by_label(plan_examples(page, target(destructive=True)))
    assert writes["POST /web_api/v1/upload"].skip == "uploads a local file: not run"
    transform = writes["POST /web_api/v1/transform"]
    assert transform.skip is None
    assert transform.form[0] == ("api_token", TOKEN)
    assert ("scale", "2") in transform.form


def test_petstore_plans_curl_get_data_and_other_auth_headers() -> None:
    page = parse_page(SLATE / "petstore" / "index.html.md")
    plans = by_label(plan_examples(page, target(destructive=True)))
    listing = plans["GET /v1/pets/{petId}".replace("/{petId}", "")]
    assert listing.url == f"{BASE}/v1/pets?species=cat&limit=2"  # curl -G -d ...
    assert listing.content is None
    assert listing.headers == {"X-Api-Key": TOKEN}
    order = plans["POST /v1/orders"]
    assert json.loads(order.content or b"") == {"petId": 17, "pickup": "2026-12-01"}


def test_a_scheme_word_in_the_docs_token_is_kept(tmp_path: Path) -> None:
    page_file = tmp_path / "index.html.md"
    page_file.write_text(
        "# Me\n\n```shell\ncurl https://x.example.com/me -H 'Authorization: Bearer abc'\n```\n\n"
        "`GET https://x.example.com/me`\n",
        encoding="utf-8",
    )
    [plan] = plan_examples(parse_page(page_file), target())
    assert plan.headers == {"Authorization": f"Bearer {TOKEN}"}


# -- judging answers (respx stages them) ------------------------------------------------------


def run(page: DocsPage, config: TargetConfig, **kwargs: object):  # type: ignore[no-untyped-def]
    with httpx.Client() as client:
        return run_examples(plan_examples(page, config), config, client=client, **kwargs)  # type: ignore[arg-type]


@respx.mock(base_url=BASE, assert_all_called=False)
def test_answers_of_the_documented_shape_pass(respx_mock: respx.MockRouter, ours: DocsPage) -> None:
    respx_mock.get("/api/kittens").respond(json=[KITTEN, {**KITTEN, "id": 4}])
    respx_mock.get("/api/kittens/2").respond(json={**KITTEN, "extra": "allowed"})
    results, stopped = run(ours, target())
    assert stopped is None
    assert [(r.outcome, r.status) for r in results] == [
        ("passed", 200),
        ("passed", 200),
        ("skipped", None),
    ]
    sent = respx_mock.calls[0].request
    assert sent.headers["Authorization"] == TOKEN


@pytest.mark.parametrize(
    ("answer", "fragment"),
    [
        (httpx.Response(200, json=[{**KITTEN, "id": "3"}]), "$[0].id: documented integer, got"),
        (httpx.Response(200, json={"kittens": []}), "documented array, got object"),
        (httpx.Response(200, text="<html>hi</html>"), "the answer is not JSON"),
        (httpx.Response(404, json={"error": "nope"}), "status 404, the docs show a 2xx answer"),
        (httpx.Response(401, json={}), "(is the API token right?)"),
    ],
    ids=["type", "container", "not-json", "status", "token"],
)  # fmt: skip
def test_answers_that_break_the_docs_fail(
    ours: DocsPage, answer: httpx.Response, fragment: str
) -> None:
    with respx.mock(base_url=BASE, assert_all_called=False) as router:
        router.get("/api/kittens").mock(return_value=answer)
        router.get("/api/kittens/2").respond(json=KITTEN)
        results, _ = run(ours, target())
    listing = results[0]
    assert listing.outcome == "failed"
    assert fragment in str(listing.message)
    assert results[1].outcome == "passed"


def test_strict_keys_fails_undocumented_keys(ours: DocsPage) -> None:
    with respx.mock(base_url=BASE, assert_all_called=False) as router:
        router.get("/api/kittens").respond(json=[{**KITTEN, "colour": "grey"}])
        router.get("/api/kittens/2").respond(json=KITTEN)
        results, _ = run(ours, target(), strict_keys=True)
    assert results[0].outcome == "failed"
    assert "undocumented keys 'colour'" in str(results[0].message)


def test_a_429_is_waited_out_then_judged(ours: DocsPage) -> None:
    with respx.mock(base_url=BASE, assert_all_called=False) as router:
        router.get("/api/kittens").mock(
            side_effect=[
                httpx.Response(429, headers={"Retry-After": "0"}),
                httpx.Response(200, json=[KITTEN]),
            ]
        )
        router.get("/api/kittens/2").respond(429, headers={"Retry-After": "0"})
        results, _ = run(ours, target())
    assert results[0].outcome == "passed"
    assert results[1].outcome == "skipped"  # throttled throughout: neither a pass nor a failure
    assert "rate limited" in str(results[1].message)


def test_maintenance_stops_the_run_once(ours: DocsPage) -> None:
    with respx.mock(base_url=BASE, assert_all_called=False) as router:
        router.get("/api/kittens").respond(503, json={})
        results, stopped = run(ours, target())
    assert stopped is not None
    assert "maintenance" in stopped
    assert [r.outcome for r in results] == ["skipped", "skipped", "skipped"]


def test_an_unreachable_target_fails_once_and_skips_the_rest(ours: DocsPage) -> None:
    with respx.mock(base_url=BASE, assert_all_called=False) as router:
        router.get("/api/kittens").mock(side_effect=httpx.ConnectError("refused"))
        results, stopped = run(ours, target())
    assert "cannot be reached" in str(stopped)
    assert [r.outcome for r in results] == ["failed", "skipped", "skipped"]


def test_results_never_carry_the_token(ours: DocsPage) -> None:
    with respx.mock(base_url=BASE, assert_all_called=False) as router:
        # A server that echoes the token back must not get it into a report.
        router.get("/api/kittens").respond(401, text=f"bad token {TOKEN}")
        router.get("/api/kittens/2").respond(json=KITTEN)
        results, _ = run(ours, target())
    text = json.dumps([r.to_json() for r in results])
    assert TOKEN not in text
    assert "[REDACTED]" in text


# -- real sockets --------------------------------------------------------------------------------


@pytest.mark.socket
def test_examples_pass_on_the_mock_and_its_data_is_reset(
    ours: DocsPage, mock_server: MockServer
) -> None:
    config = mock_server.target()
    plans = plan_examples(ours, config, own_mock=True)
    results, stopped = run_examples(plans, config, after=mock_server.reset)
    assert stopped is None
    assert [(r.endpoint, r.outcome, r.status) for r in results] == [
        ("GET /api/kittens", "passed", 200),
        ("GET /kittens/<ID>", "passed", 200),
        ("DELETE /kittens/<ID>", "passed", 200),
    ]
    again = httpx.get(f"{mock_server.base_url}/api/kittens/2", headers={"Authorization": API_TOKEN})
    assert again.status_code == 200  # deleted by the example, restored by the reset


def vanceqa(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "vanceqa", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
    )


@pytest.mark.socket
def test_cli_examples_on_its_own_mock_write_docs_json(tmp_path: Path) -> None:
    drift = vanceqa("docs", "drift", "--report-dir", str(tmp_path))
    assert drift.returncode == 0, drift.stderr
    result = vanceqa("docs", "examples", "--report-dir", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "3 examples: 3 passed, 0 failed, 0 skipped" in result.stdout
    document = json.loads((tmp_path / "docs.json").read_text(encoding="utf-8"))
    assert document["format"] == "vanceqa.docs/1"
    assert [e["outcome"] for e in document["examples"]] == ["passed"] * 3
    assert len(document["drift"]) == 14  # drift's half is kept by examples
    everything = result.stdout + result.stderr + json.dumps(document)
    assert API_TOKEN not in everything


@pytest.mark.socket
def test_cli_examples_with_a_refused_token(tmp_path: Path, mock_server: MockServer) -> None:
    result = vanceqa(
        "docs", "examples", "--base-url", mock_server.base_url, "--api-token", TOKEN,
        "--report-dir", str(tmp_path),
    )  # fmt: skip
    assert result.returncode == 1
    assert "is the API token right?" in result.stdout
    assert "DELETE runs only with --destructive" in result.stdout
    written = (tmp_path / "docs.json").read_text(encoding="utf-8")
    assert TOKEN not in result.stdout + result.stderr + written
    assert "Traceback" not in result.stderr


@pytest.mark.socket
def test_cli_examples_against_a_dead_host(tmp_path: Path) -> None:
    from vanceqa.target import free_port

    dead = f"http://127.0.0.1:{free_port()}"
    result = vanceqa(
        "docs", "examples", "--base-url", dead, "--api-token", TOKEN, "--report-dir", str(tmp_path)
    )
    assert result.returncode == 3
    assert "vanceqa docs: error: the target cannot be reached" in result.stderr
    assert "Traceback" not in result.stderr
    document = json.loads((tmp_path / "docs.json").read_text(encoding="utf-8"))
    assert [e["outcome"] for e in document["examples"]] == ["failed", "skipped", "skipped"]


@pytest.mark.socket
def test_conformance_module_reports_a_broken_example(tmp_path: Path) -> None:
    """The docs' examples inside the conformance suites: a server without kitten 2 breaks
    the docs' `GET /api/kittens/2`, and the failure lands in conformance.json, redacted."""
    from vanceqa.target import serve_mock

    data = json.loads((ROOT / "fixtures" / "kittens.json").read_text(encoding="utf-8"))
    data["kittens"] = [k for k in data["kittens"] if k["id"] != 2]
    data_file = tmp_path / "kittens.json"
    data_file.write_text(json.dumps(data), encoding="utf-8")
    out = tmp_path / "conformance.json"
    with serve_mock(data=data_file) as server:
        result = subprocess.run(
            [
                sys.executable, "-m", "pytest", "conformance/test_docs_examples.py",
                "--base-url", server.base_url, "--api-token", server.api_token,
                "--conformance-json", str(out), "-p", "no:cacheprovider",
            ],
            capture_output=True, text=True, timeout=120, cwd=ROOT,
        )  # fmt: skip
    assert result.returncode == 1, result.stdout[-3000:]
    records = {
        r["nodeid"].split("[")[1].rstrip("]"): r for r in json.loads(out.read_text())["results"]
    }
    assert records["GET /api/kittens index.html.md:89"]["outcome"] == "passed"
    broken = records["GET /kittens/<ID> index.html.md:155"]
    assert broken["outcome"] == "failed"
    assert broken["operation"] == "getKitten"
    assert broken["failure"]["status"] == 404
    assert "[REDACTED]" in broken["failure"]["curl"]
    deleting = records["DELETE /kittens/<ID> index.html.md:209"]
    assert deleting["outcome"] == "skipped"  # no --destructive given
    assert server.api_token not in result.stdout + out.read_text()
