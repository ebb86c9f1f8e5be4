"""Running the docs' curl examples: planning (substitution, DELETE rules), judging answers
(respx stages the bad ones), and real runs against the mock on a socket."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from tests.conftest import API_TOKEN, DATA, ROOT, serve_handler
from vanceqa.docs.examples import ExampleResult, run_examples
from vanceqa.docs.model import DocsPage
from vanceqa.docs.parser import parse_page
from vanceqa.docs.plan import PlannedExample, plan_examples
from vanceqa.mock.launcher import MockServer, serve_mock
from vanceqa.target import TargetConfig

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
    return run_examples(plan_examples(page, config), config, **kwargs)  # type: ignore[arg-type]


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


def test_strict_keys_spare_what_an_elided_example_leaves_out(tmp_path: Path) -> None:
    page_file = tmp_path / "index.html.md"
    page_file.write_text(
        "# Kittens\n\n```shell\ncurl https://x.example.com/api/kittens/2 "
        "-H 'Authorization: meowmeowmeow'\n```\n\n"
        "> The above command returns JSON structured like this:\n\n"
        '```json\n{"id": 2, "name": "Max", ...}\n```\n\n'
        "`GET https://x.example.com/api/kittens/2`\n",
        encoding="utf-8",
    )
    with respx.mock(base_url=BASE, assert_all_called=False) as router:
        router.get("/api/kittens/2").respond(json=KITTEN)  # more keys than the example shows
        results, _ = run(parse_page(page_file), target(), strict_keys=True)
    assert [r.outcome for r in results] == ["passed"], results


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


# -- live values: the docs' id is not on the target (respx stages it) --------------------------


def item_result(results: list[ExampleResult]) -> ExampleResult:
    [result] = [r for r in results if r.endpoint == "GET /kittens/<ID>"]
    return result


def test_reads_know_where_to_find_a_live_id_writes_never(ours: DocsPage) -> None:
    plans = by_label(plan_examples(ours, target(destructive=True, delete_ids=(5,))))
    live = plans["GET /kittens/<ID>"].live
    assert live is not None
    assert (live.parameter, live.docs_value, live.collection) == ("ID", "2", "GET /api/kittens")
    assert live.collection_url == f"{BASE}/api/kittens"
    assert live.url_with("15") == f"{BASE}/api/kittens/15"
    assert plans["GET /api/kittens"].live is None  # no path parameter
    assert plans["DELETE /kittens/<ID>"].live is None  # only the ids the user named


@respx.mock(base_url=BASE, assert_all_called=False)
def test_a_missing_docs_id_is_replaced_by_a_listed_one(
    respx_mock: respx.MockRouter, ours: DocsPage
) -> None:
    respx_mock.get("/api/kittens").respond(json=[{**KITTEN, "id": 15}, {**KITTEN, "id": 16}])
    respx_mock.get("/api/kittens/2").respond(404, json={"error": "not found"})
    respx_mock.get("/api/kittens/15").respond(json={**KITTEN, "id": 15})
    result = item_result(run(ours, target())[0])
    assert (result.outcome, result.status) == ("passed", 200)
    assert result.message == "the docs' ID 2 is not on the target; used 15 from GET /api/kittens"
    assert str(result.curl).endswith(f"{BASE}/api/kittens/15")  # the request judged
    collection = [c.request for c in respx_mock.calls if c.request.url.path == "/api/kittens"]
    assert all(r.headers["Authorization"] == TOKEN for r in collection)


@respx.mock(base_url=BASE, assert_all_called=False)
def test_a_target_that_404s_every_id_still_fails(
    respx_mock: respx.MockRouter, ours: DocsPage
) -> None:
    respx_mock.get("/api/kittens").respond(json=[KITTEN])
    respx_mock.get(url__regex=r"/api/kittens/\w+$").respond(404, json={"error": "not found"})
    result = item_result(run(ours, target())[0])
    assert (result.outcome, result.status) == ("failed", 404)
    assert str(result.message).startswith(
        "the docs' ID 2 is not on the target; used 3 from GET /api/kittens; status 404, "
        "the docs show a 2xx answer"
    )


@respx.mock(base_url=BASE, assert_all_called=False)
def test_a_404_for_a_listed_docs_id_fails_without_a_substitute(
    respx_mock: respx.MockRouter, ours: DocsPage
) -> None:
    respx_mock.get("/api/kittens").respond(json=[{**KITTEN, "id": 9}, {**KITTEN, "id": 2}])
    item = respx_mock.get(url__regex=r"/api/kittens/\w+$").respond(404, json={})
    result = item_result(run(ours, target())[0])
    assert result.outcome == "failed"
    assert "the docs' ID 2 answered 404, yet GET /api/kittens lists it" in str(result.message)
    assert [c.request.url.path for c in item.calls] == ["/api/kittens/2"]


@pytest.mark.parametrize(
    ("listing", "reason"),
    [
        (httpx.Response(200, json=[]), "GET /api/kittens lists no items"),
        (httpx.Response(200, json={"total": 0}), "GET /api/kittens answered no array of items"),
        (httpx.Response(200, json=[{"name": "Tom"}]), "has no field 'ID' or 'id'"),
        (httpx.Response(200, json=[{"id": None}]), "has no usable 'id'"),
        (httpx.Response(500, json={}), "GET /api/kittens answered 500"),
        (httpx.Response(200, text="<ul></ul>"), "GET /api/kittens answered no JSON"),
    ],
    ids=["empty", "no-array", "no-field", "null-id", "error", "not-json"],
)  # fmt: skip
def test_without_a_live_id_the_example_is_skipped(
    ours: DocsPage, listing: httpx.Response, reason: str
) -> None:
    with respx.mock(base_url=BASE, assert_all_called=False) as router:
        router.get("/api/kittens").mock(return_value=listing)
        router.get("/api/kittens/2").respond(404, json={})
        result = item_result(run(ours, target())[0])
    assert (result.outcome, result.status) == ("skipped", 404)
    assert str(result.message).startswith("the docs' ID 2 is not on the target (404) and ")
    assert reason in str(result.message)


def test_without_a_collection_endpoint_the_example_is_skipped(tmp_path: Path) -> None:
    page_file = tmp_path / "index.html.md"
    page_file.write_text(
        "# Things\n\n```shell\ncurl https://x.example.com/v2/things/5 -H 'X-Api-Key: k'\n```\n\n"
        "`GET https://x.example.com/v2/things/{thing_id}`\n",
        encoding="utf-8",
    )
    with respx.mock(base_url=BASE, assert_all_called=True) as router:
        router.get("/v2/things/5").respond(404, json={})
        [result], _ = run(parse_page(page_file), target())
    assert result.outcome == "skipped"
    assert result.message == (
        "the docs' thing_id 5 is not on the target (404) and the page documents no "
        "GET /v2/things to find one on: not judged"
    )


def test_a_documented_404_is_not_replaced(tmp_path: Path) -> None:
    page_file = tmp_path / "index.html.md"
    page_file.write_text(
        "# Things\n\n```shell\ncurl https://x.example.com/things/0\n```\n\n"
        '> Returns 404 for an unknown thing:\n\n```json\n{"error": "no"}\n```\n\n'
        "`GET https://x.example.com/things/<ID>`\n\n# List\n\n`GET https://x.example.com/things`\n",
        encoding="utf-8",
    )
    with respx.mock(base_url=BASE, assert_all_called=False) as router:
        listing = router.get("/things").respond(json=[{"id": 1}])
        router.get("/things/0").respond(404, json={"error": "gone"})
        results, _ = run(parse_page(page_file), target())
    assert [(r.outcome, r.message) for r in results if r.status] == [("passed", None)]
    assert not listing.called


def test_petstore_takes_the_id_from_an_object_answer() -> None:
    page = parse_page(SLATE / "petstore" / "index.html.md")
    pet = {"id": 41, "name": "Rex", "species": "dog", "age": 3.0, "vaccinated": False}
    with respx.mock(base_url=BASE, assert_all_called=False) as router:
        router.get("/v1/pets").respond(json={"pets": [pet], "next": None})
        router.get("/v1/pets/17").respond(404, json={"message": "no pet"})
        router.get("/v1/pets/41").respond(json=pet)
        results, _ = run(page, target())
        listing = [c.request for c in router.calls if c.request.url.path == "/v1/pets"]
    [result] = [r for r in results if r.endpoint == "GET /v1/pets/{petId}"]
    assert (result.outcome, result.status) == ("passed", 200)
    assert result.message == "the docs' petId 17 is not on the target; used 41 from GET /v1/pets"
    assert listing[-1].headers["X-Api-Key"] == TOKEN
    assert listing[-1].url.query == b""  # the bare collection, not the docs' filtered page


def test_deletes_are_never_given_a_live_id(ours: DocsPage) -> None:
    config = target(destructive=True, delete_ids=(5,))
    with respx.mock(base_url=BASE, assert_all_called=False) as router:
        listing = router.get("/api/kittens").respond(json=[KITTEN])
        router.get("/api/kittens/2").respond(json=KITTEN)
        router.delete("/api/kittens/5").respond(404, json={})
        results, _ = run(ours, config)
    deleting = results[-1]
    # The named id is gone (404): skipped as such (main 1142c5a), never retried with a live id.
    assert (deleting.endpoint, deleting.outcome, deleting.status) == (
        "DELETE /kittens/<ID>",
        "skipped",
        404,
    )
    assert "gone already" in str(deleting.message)
    assert "not on the target" not in str(deleting.message)
    assert listing.call_count == 1  # the list example itself, no lookup


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
    assert result.returncode == 3
    assert "refused the API token" in result.stderr
    assert "Traceback" not in result.stderr
    assert "is the API token right?" in result.stdout
    assert "DELETE runs only with --destructive" in result.stdout
    # Nothing measured is lost: the results and the reason are in docs.json.
    document = json.loads((tmp_path / "docs.json").read_text(encoding="utf-8"))
    assert "refused the API token" in document["examples_summary"]["stopped"]
    assert [e["status"] for e in document["examples"] if e["outcome"] == "failed"] == [401, 401]
    assert TOKEN not in result.stdout + result.stderr + json.dumps(document)
    written = (tmp_path / "docs.json").read_text(encoding="utf-8")
    assert TOKEN not in result.stdout + result.stderr + written
    assert "Traceback" not in result.stderr


@pytest.mark.socket
def test_cli_examples_against_a_dead_host(tmp_path: Path) -> None:
    from vanceqa.processes import free_port

    dead = f"http://127.0.0.1:{free_port()}"
    result = vanceqa(
        "docs", "examples", "--base-url", dead, "--api-token", TOKEN, "--report-dir", str(tmp_path)
    )
    assert result.returncode == 3
    assert "vanceqa docs: error: the target cannot be reached" in result.stderr
    assert "Traceback" not in result.stderr
    document = json.loads((tmp_path / "docs.json").read_text(encoding="utf-8"))
    assert [e["outcome"] for e in document["examples"]] == ["failed", "skipped", "skipped"]


@pytest.fixture(scope="module")
def alt_mock() -> Iterator[MockServer]:
    """The mock with the second data set: other ids, no kitten 2."""
    with serve_mock(data=DATA / "kittens-alt.json") as server:
        yield server


def first_listed_id(server: MockServer) -> int:
    listing = httpx.get(
        f"{server.base_url}/api/kittens", headers={"Authorization": server.api_token}
    )
    return int(listing.json()[0]["id"])


NO_DELETE = "DELETE runs only with --destructive and --delete-id"


@pytest.mark.socket
def test_examples_pass_on_other_data_with_a_live_id(ours: DocsPage, alt_mock: MockServer) -> None:
    config = alt_mock.target()
    missing = httpx.get(
        f"{alt_mock.base_url}/api/kittens/2", headers={"Authorization": alt_mock.api_token}
    )
    assert missing.status_code == 404  # the docs' id is really not there
    results, stopped = run_examples(plan_examples(ours, config), config)
    assert stopped is None
    live = first_listed_id(alt_mock)
    assert [(r.endpoint, r.outcome, r.status, r.message) for r in results] == [
        ("GET /api/kittens", "passed", 200, None),
        (
            "GET /kittens/<ID>",
            "passed",
            200,
            f"the docs' ID 2 is not on the target; used {live} from GET /api/kittens",
        ),
        ("DELETE /kittens/<ID>", "skipped", None, NO_DELETE),
    ]  # fmt: skip


@pytest.mark.socket
def test_cli_examples_show_the_live_id(tmp_path: Path, alt_mock: MockServer) -> None:
    result = vanceqa(
        "docs", "examples", "--base-url", alt_mock.base_url, "--api-token", alt_mock.api_token,
        "--report-dir", str(tmp_path),
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    note = f"the docs' ID 2 is not on the target; used {first_listed_id(alt_mock)} from"
    assert note in result.stdout
    document = json.loads((tmp_path / "docs.json").read_text(encoding="utf-8"))
    [item] = [e for e in document["examples"] if e["endpoint"] == "GET /kittens/<ID>"]
    assert (item["outcome"], item["status"]) == ("passed", 200)
    assert note in item["message"]
    assert alt_mock.api_token not in result.stdout + result.stderr + json.dumps(document)


class _NoItems(BaseHTTPRequestHandler):
    """A broken server: lists kittens, but answers 404 for every one of them."""

    def do_GET(self) -> None:
        if self.headers.get("Authorization") != TOKEN:
            status, body = 401, {"error": "Unauthorized"}
        elif self.path.split("?")[0] == "/api/kittens":
            status, body = 200, [KITTEN, {**KITTEN, "id": 4}]
        else:
            status, body = 404, {"error": "Not Found"}
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: object) -> None:
        pass


def serve_no_items() -> contextlib.AbstractContextManager[str]:
    return serve_handler(_NoItems)


def conformance_docs_module(
    base_url: str, token: str, out: Path
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable, "-m", "pytest", "conformance/test_docs_examples.py",
            "--base-url", base_url, "--api-token", token,
            "--conformance-json", str(out), "--junitxml", str(out.with_suffix(".xml")),
            "-p", "no:cacheprovider",
        ],
        capture_output=True, text=True, timeout=120, cwd=ROOT,
    )  # fmt: skip


def records_by_test(out: Path) -> dict[str, dict[str, Any]]:
    results = json.loads(out.read_text())["results"]
    return {r["nodeid"].split("[")[1].rstrip("]"): r for r in results}


@pytest.mark.socket
def test_conformance_module_uses_a_live_id_on_other_data(
    tmp_path: Path, alt_mock: MockServer
) -> None:
    out = tmp_path / "conformance.json"
    result = conformance_docs_module(alt_mock.base_url, alt_mock.api_token, out)
    assert result.returncode == 0, result.stdout[-3000:]
    records = records_by_test(out)
    assert records["GET /kittens/<ID> index.html.md:155"]["outcome"] == "passed"
    junit = out.with_suffix(".xml").read_text(encoding="utf-8")
    root = ET.fromstring(junit)  # noqa: S314 - our own report
    notes = [p.get("value") for p in root.iter("property") if p.get("name") == "note"]
    live = first_listed_id(alt_mock)
    assert notes == [f"the docs' ID 2 is not on the target; used {live} from GET /api/kittens"]
    assert alt_mock.api_token not in result.stdout + out.read_text() + junit


@pytest.mark.socket
def test_conformance_module_reports_a_broken_example(tmp_path: Path) -> None:
    """A server that answers 404 for every kitten breaks the docs' `GET /api/kittens/2`,
    live id or not, and the failure lands in conformance.json, redacted."""
    out = tmp_path / "conformance.json"
    with serve_no_items() as base_url:
        result = conformance_docs_module(base_url, TOKEN, out)
    assert result.returncode == 1, result.stdout[-3000:]
    records = records_by_test(out)
    assert records["GET /api/kittens index.html.md:89"]["outcome"] == "passed"
    broken = records["GET /kittens/<ID> index.html.md:155"]
    assert broken["outcome"] == "failed"
    assert broken["operation"] == "getKitten"
    assert broken["failure"]["status"] == 404
    assert "the docs' ID 2 is not on the target; used 3 from" in broken["failure"]["message"]
    assert broken["failure"]["curl"].endswith("/api/kittens/3")
    assert "[REDACTED]" in broken["failure"]["curl"]
    deleting = records["DELETE /kittens/<ID> index.html.md:209"]
    assert deleting["outcome"] == "skipped"  # no --destructive given
    assert TOKEN not in result.stdout + out.read_text()


@pytest.mark.socket
@pytest.mark.parametrize(
    ("ids", "docs_delete"), [(["3"], "skipped"), (["3", "4"], "passed")], ids=["one", "two"]
)
def test_conformance_docs_delete_leaves_the_only_delete_id_to_the_state_checks(
    tmp_path: Path, ids: list[str], docs_delete: str
) -> None:
    out = tmp_path / "conformance.json"
    with serve_mock() as server:
        result = subprocess.run(
            [
                sys.executable, "-m", "pytest", "conformance/test_docs_examples.py",
                "conformance/test_state.py", "-k", "not state_machine",
                "--base-url", server.base_url, "--api-token", server.api_token,
                "--destructive", *[a for i in ids for a in ("--delete-id", i)],
                "--conformance-json", str(out), "-p", "no:cacheprovider",
            ],
            capture_output=True, text=True, timeout=120, cwd=ROOT,
        )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:]
    results = json.loads(out.read_text())["results"]
    outcome = {r["nodeid"].split("::")[-1]: r["outcome"] for r in results}
    assert outcome["test_docs_example[DELETE /kittens/<ID> index.html.md:209]"] == docs_delete
    state = [v for k, v in outcome.items() if not k.startswith("test_docs_example")]
    assert len(state) == 6, outcome
    assert set(state) == {"passed"}, outcome


@respx.mock(base_url=BASE, assert_all_called=False)
def test_a_docs_id_gone_from_the_target_is_replaced(
    respx_mock: respx.MockRouter, ours: DocsPage
) -> None:
    # Staging deleted the docs' kitten 2: 410 says nothing about the docs.
    respx_mock.get("/api/kittens").respond(json=[{**KITTEN, "id": 15}])
    respx_mock.get("/api/kittens/2").respond(410, json={"error": "gone"})
    respx_mock.get("/api/kittens/15").respond(json={**KITTEN, "id": 15})
    result = item_result(run(ours, target())[0])
    assert (result.outcome, result.status) == ("passed", 200)
    assert result.message == "the docs' ID 2 is gone from the target; used 15 from GET /api/kittens"


@respx.mock(base_url=BASE, assert_all_called=False)
def test_a_hidden_docs_id_is_replaced_even_when_listed(
    respx_mock: respx.MockRouter, ours: DocsPage
) -> None:
    # Whether hidden kittens are listed is not documented: a listed 403 is no failure.
    respx_mock.get("/api/kittens").respond(json=[{**KITTEN, "id": 2}, {**KITTEN, "id": 15}])
    respx_mock.get("/api/kittens/2").respond(403, json={"error": "hidden"})
    respx_mock.get("/api/kittens/15").respond(json={**KITTEN, "id": 15})
    result = item_result(run(ours, target())[0])
    assert (result.outcome, result.status) == ("passed", 200)
    assert result.message == (
        "the docs' ID 2 is hidden for this token; used 15 from GET /api/kittens"
    )


@respx.mock(base_url=BASE, assert_all_called=False)
def test_a_listed_docs_id_that_answers_410_fails(
    respx_mock: respx.MockRouter, ours: DocsPage
) -> None:
    respx_mock.get("/api/kittens").respond(json=[{**KITTEN, "id": 2}])
    respx_mock.get("/api/kittens/2").respond(410, json={"error": "gone"})
    result = item_result(run(ours, target())[0])
    assert (result.outcome, result.status) == ("failed", 410)
    assert "answered 410, yet GET /api/kittens lists it" in str(result.message)


@pytest.mark.socket
def test_cli_examples_where_none_ran_is_no_pass(tmp_path: Path, mock_server: MockServer) -> None:
    page = tmp_path / "index.html.md"
    page.write_text(
        "---\ntitle: Deletes only\n---\n\n# Kittens\n\n## Delete a Kitten\n\n"
        '```shell\ncurl "http://example.com/api/kittens/2" -X DELETE -H "Authorization: x"\n```\n\n'
        "### HTTP Request\n\n`DELETE http://example.com/api/kittens/<ID>`\n",
        encoding="utf-8",
    )
    result = vanceqa(
        "docs", "examples", str(page), "--base-url", mock_server.base_url,
        "--api-token", mock_server.api_token,
    )  # fmt: skip
    assert "0 passed, 0 failed, 1 skipped" in result.stdout, result.stdout + result.stderr
    assert result.returncode == 1
    assert "no example ran" in result.stderr
    assert mock_server.counters()["op_deleteKitten"] == 0
