"""Slate pages written the ways real teams write them: one small page per convention
(tests/slate/), each found endpoint for endpoint, none drifting, every skeleton valid."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from openapi_spec_validator import validate

from tests.conftest import ROOT
from vanceqa.contract import load_contract
from vanceqa.docs.drift import find_drift
from vanceqa.docs.model import DocsPage, Endpoint
from vanceqa.docs.parser import parse_page
from vanceqa.docs.skeleton import write_skeleton

SLATE = ROOT / "tests" / "slate"

# Each convention's page and the endpoints a reader finds on it: (method, path, title).
CONVENTIONS: dict[str, list[tuple[str, str, str]]] = {
    # Several request-line spans in one paragraph, one after a label, one in a `>` note.
    "multispan": [
        ("GET", "/v2/plots", "List plots"),
        ("PUT", "/v2/plots/:id", "Rename a plot"),
        ("PATCH", "/v2/plots/:id", "Rename a plot"),
        ("GET", "/v2/plots/:id/harvests", "Harvest log"),
        ("POST", "/v2/plots/:id/water", "Water now"),
        ("POST", "/v2/beds/:id/water", "Water now"),
    ],
    # `GET/tickets` without a space, `[PUT | POST] /x`, relative to a labelled base URL.
    "tight": [
        ("GET", "/tickets", "List tickets"),
        ("GET", "/tickets/{ticket_id}", "Get a ticket"),
        ("PUT", "/tickets/{ticket_id}/close", "Close a ticket"),
        ("POST", "/tickets/{ticket_id}/close", "Close a ticket"),
    ],
    # ``POST `/api/fx/quote` ``: the method outside the span; no endpoint for `asyncUrl`.
    "method-outside": [
        ("POST", "/api/fx/quote", "Get a quote"),
        ("GET", "/api/fx/limits", "Read limits"),
    ],
    # A URL without a method: the curl says POST, the heading says Get; no method, none.
    "url-only": [
        ("POST", "/v1/subscriptions/{SUBSCRIPTION_ID}/pause", "Pause a subscription"),
        ("GET", "/v1/subscriptions/{SUBSCRIPTION_ID}", "Get a subscription"),
    ],
    # `POST jobs/{job_id}/attachments`: no leading slash, `jobs` kept.
    "no-slash": [
        ("POST", "/jobs/{job_id}/attachments", "Attach a file"),
        ("GET", "/jobs/{job_id}", "Get a job"),
        ("DELETE", "/v3/jobs/{job_id}", "Cancel a job"),
    ],
    # <div class="api-endpoint"> with a method label, `<product_id>` raw or escaped.
    "html-endpoint": [
        ("GET", "/api/v1/products.json", "List products"),
        ("GET", "/api/v1/products/<product_id>.json", "Get a product"),
        ("DELETE", "/api/v1/products/<product_id>/variants/<variant_id>.json", "Remove a variant"),
    ],
    # `URI | ...` and `HTTP Method | POST` rows; the Request URL span gives the full URL.
    "resource-table": [
        ("POST", "/v2/vouchers/issue", "Issue a voucher"),
        ("GET", "/v2/members/{memberId}", "Look up a member"),
        ("GET", "/v2/members/lookup", "Look up a member"),
    ],
    # Curl examples only; the introduction's example does not take the list endpoint.
    "curl-only": [
        ("POST", "/v1/parcels", "Send a parcel"),
        ("GET", "/v1/parcels", "List parcels"),
        ("GET", "/v1/parcels/{id}", "Get a parcel"),
        ("POST", "/v1/parcels/<parcel_id>/cancel", "Cancel a parcel"),
        ("GET", "/v1/parcels/<parcel_id>/events", "Track parcels"),
        ("GET", "/v1/parcels/<parcel_id>/position", "Track parcels"),
    ],
    # `_name.md.erb` includes, nested `<%= partial %>` calls, `##Title` headings.
    "erb-partials": [
        ("POST", "/v1/sessions", "Sessions"),
        ("POST", "/v1/scores", "Scores"),
    ],
    # Relative request lines under a stated base URL; parameters of every kind.
    "base-path": [
        ("GET", "/items", "List items"),
        ("GET", "/items/{id}", "Get an item"),
        ("POST", "/items/tag", "Tag items"),
    ],
    # Defaults in descriptions: marked values and literals count, words and quantities not.
    "prose-defaults": [
        ("POST", "/v2/rotas", "Create a rota"),
        ("GET", "/v2/rotas", "List rotas"),
    ],
    # A row naming two spellings (`zip/postal_code`); names with a placeholder segment.
    "field-spellings": [
        ("PUT", "/v1/lockers/{locker_id}", "Move a locker"),
        ("POST", "/v1/lockers/{locker_id}/open", "Open a locker"),
    ],
    # JSON examples that elide items and keys with `...`, `…` and `"..."`.
    "elided-json": [
        ("GET", "/api/packets", "List seed packets"),
        ("GET", "/api/packets/{packet_id}", "Get a seed packet"),
        ("POST", "/api/packets", "Donate seeds"),
    ],
    # Correct request lines, curls broken in each way a shell notices.
    "broken-curls": [
        ("POST", "/v1/readings", "Record a reading"),
        ("GET", "/v1/readings", "List readings"),
        ("GET", "/v1/readings/search", "Search readings"),
        ("DELETE", "/v1/readings/{id}", "Delete a reading"),
        ("GET", "/v1/readings/{id}", "Get a reading"),
        ("GET", "/v1/status", "Station status"),
    ],
}
CORRECT = [name for name in CONVENTIONS if name != "broken-curls"]
ALL_PAGES = sorted(p.parent.name for p in SLATE.glob("*/index.html.md"))


def page_of(name: str) -> DocsPage:
    return parse_page(SLATE / name / "index.html.md")


def endpoint(page: DocsPage, title: str, method: str = "") -> Endpoint:
    return next(e for e in page.endpoints if e.title == title and method in ("", *e.methods))


def errors_and_warnings(page: DocsPage) -> list[tuple[str, str, int, str]]:
    report = find_drift(page)
    return [(f.rule, f.file, f.line, f.message) for f in report.findings if f.severity != "info"]


@pytest.mark.parametrize("name", list(CONVENTIONS))
def test_each_convention_finds_exactly_its_endpoints(name: str) -> None:
    page = page_of(name)
    found = [(m, e.path, e.title) for e in page.endpoints for m in e.methods]
    assert found == CONVENTIONS[name]


@pytest.mark.parametrize("name", CORRECT)
def test_no_drift_rule_fires_on_a_correct_page(name: str) -> None:
    assert errors_and_warnings(page_of(name)) == []


@pytest.mark.parametrize("name", [*ALL_PAGES, "ours"])
def test_every_skeleton_validates_and_agrees_with_its_page(name: str, tmp_path: Path) -> None:
    source = (
        ROOT / "fixtures/docs/index.html.md" if name == "ours" else SLATE / name / "index.html.md"
    )
    page = parse_page(source)
    target = write_skeleton(page, tmp_path / "skeleton.yaml")
    validate(yaml.safe_load(target.read_text(encoding="utf-8")))
    report = find_drift(page, load_contract(target))
    contract_rules = {
        "request-line-not-in-contract", "endpoint-not-in-contract", "operation-not-in-docs",
        "parameter-drift", "example-invalid", "error-code-drift",
    }  # fmt: skip
    assert [f for f in report.findings if f.rule in contract_rules and f.severity != "info"] == []


def test_test_pages_are_all_listed() -> None:
    assert set(ALL_PAGES) == {*CONVENTIONS, "petstore", "uploads"}


# -- what each convention needs beyond its endpoints ---------------------------------------


def test_multispan_examples_go_to_the_endpoint_of_their_method_and_path() -> None:
    page = page_of("multispan")
    assert endpoint(page, "Rename a plot", "PUT").examples == []
    assert len(endpoint(page, "Rename a plot", "PATCH").examples_for("shell")) == 1
    harvests = endpoint(page, "Harvest log")
    assert harvests.markup == "code-span"
    assert harvests.source.line == 63  # the request line inside the `> Sample request:` note


def test_tight_request_lines_hang_from_the_labelled_base_url() -> None:
    page = page_of("tight")
    assert page.base_paths == ("/api/v1",)


def test_method_outside_ignores_prose_mentions_and_callbacks() -> None:
    page = page_of("method-outside")
    assert [(p.name, p.location, p.required) for p in endpoint(page, "Get a quote").parameters] == [
        ("from", "body", True),
        ("to", "body", True),
    ]


def test_url_only_methods_come_from_the_examples_or_the_heading() -> None:
    page = page_of("url-only")
    assert [e.markup for e in page.endpoints] == ["url", "url"]
    pause = endpoint(page, "Pause a subscription")
    assert [p.location for p in pause.parameters] == ["path"]


def test_no_slash_base_path_is_the_prefix_the_curls_share() -> None:
    page = page_of("no-slash")
    assert page.base_paths == ("/v3",)
    attach = endpoint(page, "Attach a file")
    assert [(p.name, p.location) for p in attach.parameters] == [("file", "formData")]


def test_html_endpoint_markup_and_partial_segment_parameters() -> None:
    page = page_of("html-endpoint")
    assert {e.markup for e in page.endpoints} == {"endpoint-html"}
    assert endpoint(page, "Get a product").examples_for("shell")


def test_resource_table_uses_the_request_url_over_the_uri_row() -> None:
    page = page_of("resource-table")
    issue = endpoint(page, "Issue a voucher")
    assert (issue.markup, issue.url) == ("table", "https://{host}/v2/vouchers/issue")
    assert [p.name for p in issue.parameters] == ["memberId", "series"]
    member = endpoint(page, "Look up a member")
    assert [p.name for p in member.response_fields] == ["memberId", "tier"]
    assert member.parameters == []


def test_curl_only_endpoints_take_their_section() -> None:
    page = page_of("curl-only")
    assert {e.markup for e in page.endpoints} == {"curl"}
    send = endpoint(page, "Send a parcel")
    assert send.responses[0].body == {"id": "pcl_2", "state": "created"}
    track = [e for e in page.endpoints if e.title == "Track parcels"]
    assert all(len(e.examples) == 1 for e in track)  # one block, two curls


def test_erb_partials_are_read_where_they_are_called() -> None:
    page = page_of("erb-partials")
    assert [i.file for i in page.includes] == ["includes/_api.md.erb"]
    assert all(i.found for i in page.includes)
    sessions = endpoint(page, "Sessions")
    assert sessions.source.file == "includes/v1/_sessions.md.erb"
    # The table comes from a partial called inside the Sessions partial's "###Body".
    assert [(p.name, p.location, p.source.file) for p in sessions.parameters] == [
        ("user", "body", "includes/v1/_session_fields.md.erb"),
        ("device", "body", "includes/v1/_session_fields.md.erb"),
    ]
    titles = [s.title for s in page.sections]
    assert {"API v1", "Sessions", "HTTP Request", "Body", "Scores"} <= set(titles)


def test_base_path_parameters_as_the_tables_and_prose_say() -> None:
    page = page_of("base-path")
    assert page.base_paths == ("/api/2",)
    assert {p.name for p in page.page_parameters} == {"_fields", "_page_size"}
    listing = endpoint(page, "List items")
    params = {p.name: p for p in listing.parameters}
    assert list(params) == ["page", "per", "status", "since"]  # status once, though twice
    assert (params["page"].default, params["per"].default, params["since"].default) == (
        None,  # "Defaults to the first page" states no value
        "25",  # "Defaults to _25_"
        "0",  # "Default value is `0`"
    )
    assert [p.name for p in listing.response_fields] == ["id", "name"]
    item = endpoint(page, "Get an item")
    assert [(p.name, p.location) for p in item.parameters] == [("ID", "path"), ("locale", "query")]


def test_base_path_skeleton_declares_the_path_parameter_once() -> None:
    from vanceqa.docs.skeleton import build_skeleton

    operation = build_skeleton(page_of("base-path"))["paths"]["/items/{id}"]["get"]
    assert [(p["name"], p["in"]) for p in operation["parameters"]] == [
        ("id", "path"),
        ("locale", "query"),
    ]


def test_broken_curls_are_diagnosed_as_what_they_are() -> None:
    page = page_of("broken-curls")
    findings = errors_and_warnings(page)
    assert {(rule, line) for rule, _, line, _ in findings} == {
        ("curl-unparsable", 16),  # no `\` before -X POST
        ("curl-unparsable", 25),  # a space after the `\`
        ("curl-unparsable", 34),  # curl'https://...'
        ("curl-unparsable", 42),  # curl X- DELETE
        ("curl-unparsable", 50),  # -X -get
        ("curl-unparsable", 51),  # a quote never closed
        ("tab-undeclared", 58),  # ```bash with a shell tab
    }
    messages = " ".join(message for *_, message in findings)
    fragments = [
        "does not end with `\\`", "and a space", "no space between `curl`", "`X-`, `DELETE`",
        "no HTTP method", "never closed", "write ```shell",
    ]  # fmt: skip
    for fragment in fragments:
        assert fragment in messages


def test_prose_defaults_only_where_the_prose_states_a_value() -> None:
    page = page_of("prose-defaults")
    defaults = {p.name: p.default for e in page.endpoints for p in e.parameters}
    assert defaults == {
        "title": None,
        "shift_label": "Morning round",  # `Morning round`: the code span kept whole
        "starts_on": None,  # "default value is today"
        "notify_email": None,  # "it default to owner's email"
        "remind": "false",
        "repeat_days": None,  # "Defaults to 7 days": a quantity, not the value sent
        "budget": "0.00",  # in quotes
        "max_rounds": "3",  # a bare number
        "supervisor_id": "null",  # `null`
        "owner": None,  # "**the current user**": emphasis on words
        "page": "1",  # **1**
        "per_page": "10",  # _10_
    }


def test_prose_defaults_agree_with_a_correct_contract_and_skeleton(tmp_path: Path) -> None:
    page = page_of("prose-defaults")
    report = find_drift(page, load_contract(SLATE / "prose-defaults" / "openapi.yaml"))
    assert [f for f in report.findings if f.severity != "info"] == []
    skeleton = yaml.safe_load(write_skeleton(page, tmp_path / "s.yaml").read_text("utf-8"))
    form = skeleton["paths"]["/v2/rotas"]["post"]["requestBody"]["content"]
    properties = next(iter(form.values()))["schema"]["properties"]
    assert {name: p["default"] for name, p in properties.items() if "default" in p} == {
        "shift_label": "Morning round",
        "remind": False,
        "budget": 0.0,
        "max_rounds": 3,
        "supervisor_id": None,
    }


def test_field_spellings_each_spelling_and_each_placeholder_name_is_documented() -> None:
    page = page_of("field-spellings")
    move = endpoint(page, "Move a locker")
    assert [(p.name, p.location, p.source.line) for p in move.parameters] == [
        ("street", "body", 25),
        ("city", "body", 26),
        ("zip", "body", 27),  # one row, two spellings
        ("postal_code", "body", 27),
        ("tag.{tag_id}", "body", 31),  # named in the prose of its sub-section
    ]
    report = find_drift(page, load_contract(SLATE / "field-spellings" / "openapi.yaml"))
    assert [f for f in report.findings if f.severity != "info"] == []


def test_elided_json_is_read_as_far_as_it_shows() -> None:
    page = page_of("elided-json")
    bodies = [(r.body, r.elided) for e in page.endpoints for r in e.responses]
    assert bodies == [
        ({"packets": [{"id": "p-301", "variety": "Crimson Flat"}], "meta": {}}, True),
        ({"id": "p-301", "variety": "Crimson Flat", "grower": {"id": "g-7"}, "sown": 40}, True),
        ({"id": "p-302", "variety": "Crimson Flat"}, True),
    ]
    report = find_drift(page, load_contract(SLATE / "elided-json" / "openapi.yaml"))
    # The contract requires keys the examples elide: no example-invalid, no json-invalid.
    assert [f for f in report.findings if f.severity != "info"] == []
    notes = [(f.rule, f.line) for f in report.findings if f.rule == "json-elided"]
    assert notes == [
        ("json-elided", 19),
        ("json-elided", 43),
        ("json-elided", 62),
        ("json-elided", 70),
    ]
