"""Drift: our docs (known findings, baseline), a page without drift, a page full of it,
and pages edited in a temporary folder to show each rule firing and going quiet."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import ROOT
from vanceqa.contract import load_contract
from vanceqa.docs.drift import DriftReport, find_drift
from vanceqa.docs.findings import RULES, load_baseline, write_baseline
from vanceqa.docs.parser import parse_page
from vanceqa.errors import UsageError

OURS = ROOT / "fixtures" / "docs" / "index.html.md"
CONTRACT = ROOT / "fixtures" / "openapi.yaml"
BASELINE = ROOT / "fixtures" / "docs-baseline.json"
SLATE = ROOT / "tests" / "slate"


def drift(page: Path, contract: Path | None = None, baseline: Path | None = None) -> DriftReport:
    return find_drift(
        parse_page(page),
        load_contract(contract) if contract else None,
        load_baseline(baseline) if baseline else None,
    )


def summary(report: DriftReport, *severities: str) -> set[tuple[str, str, int]]:
    wanted = severities or ("error", "warning")
    return {(f.rule, f.file, f.line) for f in report.findings if f.severity in wanted}


def line_of(path: Path, text: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if text in line:
            return number
    raise AssertionError(f"{text!r} not in {path}")


@pytest.fixture
def our_copy(tmp_path: Path) -> Path:
    """Our docs in a temporary folder, to edit."""
    shutil.copytree(OURS.parent, tmp_path / "docs")
    return tmp_path / "docs" / "index.html.md"


def edit(page: Path, old: str, new: str, count: int = -1) -> None:
    text = page.read_text(encoding="utf-8")
    assert old in text, old
    page.write_text(text.replace(old, new, count), encoding="utf-8")


# -- our docs ------------------------------------------------------------------------------


def test_our_docs_known_drift() -> None:
    report = drift(OURS, CONTRACT)
    get_curl = line_of(OURS, 'curl "http://example.com/api/kittens/2" \\')
    assert summary(report, "error") == {
        # Reading 1: the request lines without /api, seen from both sides.
        ("curl-path-mismatch", "index.html.md", get_curl),
        ("curl-path-mismatch", "index.html.md", line_of(OURS, "-X DELETE") - 1),
        ("request-line-not-in-contract", "index.html.md", line_of(OURS, "`GET http://example.com/kittens")),
        ("request-line-not-in-contract", "index.html.md", line_of(OURS, "`DELETE http://example.com/kittens")),
    }  # fmt: skip
    assert summary(report, "warning") == {
        ("mojibake", "index.html.md", line_of(OURS, "Remember")),
        ("placeholder-token", "index.html.md", line_of(OURS, "```ruby")),
        ("placeholder-url", "index.html.md", line_of(OURS, "```shell")),
    }
    info = {(f.rule, f.key) for f in report.findings if f.severity == "info"}
    assert ("error-code-drift", "418 not in contract") in info  # reading 13
    assert report.exit_code == 1
    by_rule = {f.rule: f for f in report.findings}
    assert "'â€”' looks like '—'" in by_rule["mojibake"].message
    assert "getKitten (GET /api/kittens/{id})" in " ".join(f.message for f in report.findings)


def test_our_baseline_accepts_exactly_the_known_findings() -> None:
    report = drift(OURS, CONTRACT, BASELINE)
    assert report.exit_code == 0
    assert report.gating == []
    assert all(f.baselined for f in report.findings)
    assert report.stale_baseline == []
    reasons = json.loads(BASELINE.read_text(encoding="utf-8"))["accepted"]
    assert all(entry["reason"] and "explain why" not in entry["reason"] for entry in reasons)


def test_new_drift_fails_even_with_the_baseline(our_copy: Path) -> None:
    edit(our_copy, "available | true |", "available | false |")
    report = drift(our_copy, CONTRACT, BASELINE)
    assert [(f.rule, f.severity) for f in report.gating] == [("parameter-drift", "error")]
    assert (
        "'available' defaults to false in the docs, true in listKittens" in report.gating[0].message
    )
    assert report.exit_code == 1


def test_fixing_the_request_lines_clears_their_findings_and_stales_the_baseline(
    our_copy: Path,
) -> None:
    edit(our_copy, "http://example.com/kittens/<ID>", "http://example.com/api/kittens/<ID>")
    report = drift(our_copy, CONTRACT, BASELINE)
    rules = {f.rule for f in report.findings}
    assert "curl-path-mismatch" not in rules
    assert "request-line-not-in-contract" not in rules
    assert len(report.stale_baseline) == 4  # the accepted entries no longer match
    assert report.exit_code == 0


def test_a_baseline_survives_lines_moving(our_copy: Path) -> None:
    edit(our_copy, "# Introduction\n", "# Introduction\n\nA new paragraph.\n\nAnd another.\n", 1)
    report = drift(our_copy, CONTRACT, BASELINE)
    assert report.exit_code == 0
    assert report.stale_baseline == []


# -- docs against the contract --------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "rule", "fragment"),
    [
        ("include_cats | false | If set to true, the result will also include cats.\n", "",
         "parameter-drift", "listKittens has query parameter 'include_cats'; the docs do not"),
        ("available | true |", "available | true |\nsort | name | Sort order.\n",
         "parameter-drift", "'sort' is documented but not in listKittens"),
        ('"fluffiness": 6,', '"fluffiness": "six",',
         "example-invalid", "$[0].fluffiness must be integer"),
        ('"deleted" : ":("', '"removed" : true', "example-invalid", "must contain ['deleted']"),
        ("`DELETE http://example.com/kittens/<ID>`", "`PUT http://example.com/kittens/<ID>`",
         "tab-method-mismatch", "uses DELETE; the request line says PUT"),
        ("`DELETE http://example.com/kittens/<ID>`", "`PUT http://example.com/kittens/<ID>`",
         "operation-not-in-docs", "deleteKitten (DELETE /api/kittens/{id}) is in the contract"),
        ("`GET http://example.com/api/kittens`", "`POST http://example.com/api/cats`",
         "endpoint-not-in-contract", "POST /api/cats is documented but not in the contract"),
        ("`GET http://example.com/api/kittens`", "`GET http://example.com/api/cats`",
         "request-line-not-in-contract", "requests /api/kittens, which is listKittens"),
        ("410 | Gone", "411 | Gone", "error-code-drift", "the contract answers 410"),
    ],
    ids=["param-missing-in-docs", "param-not-in-contract", "example-type", "example-keys",
         "method-mismatch", "operation-undocumented", "endpoint-unknown", "request-line-unknown",
         "error-code"],
)  # fmt: skip
def test_contract_rules_fire(our_copy: Path, old: str, new: str, rule: str, fragment: str) -> None:
    target = our_copy.parent / "includes" / "_errors.md" if "Gone" in old else our_copy
    edit(target, old, new, 1)
    report = drift(our_copy, CONTRACT, BASELINE)
    messages = [f.message for f in report.findings if f.rule == rule and not f.baselined]
    assert any(fragment in m for m in messages), messages
    assert report.exit_code == 1


def test_docs_only_without_a_contract() -> None:
    report = drift(OURS)
    assert {f.rule for f in report.findings} & {
        r for r, v in RULES.items() if v.scope == "contract"
    } == set()
    assert report.contract is None


# -- pages of other conventions ----------------------------------------------------------------


def test_petstore_page_matches_its_contract() -> None:
    """A page without drift gives no error and no warning: the rules do not cry wolf."""
    report = drift(SLATE / "petstore" / "index.html.md", SLATE / "petstore" / "openapi.yaml")
    assert summary(report) == set()
    assert report.exit_code == 0
    # Its placeholders are declared ones: notes, not warnings.
    assert {f.rule for f in report.findings} == {"placeholder-host", "placeholder-token"}


def test_uploads_page_drift() -> None:
    page = SLATE / "uploads" / "index.html.md"
    inc = page.parent / "includes"
    jobs = inc / "_jobs.md"
    report = drift(page, SLATE / "uploads" / "openapi.yaml")
    assert summary(report) == {
        ("include-missing", "index.html.md", line_of(page, "- missing_page")),
        ("tab-method-mismatch", "index.html.md", line_of(page, "```ruby")),
        ("undocumented-example-parameter", "index.html.md", line_of(page, '-F "name=cat"') - 3),
        ("curl-path-mismatch", "index.html.md", line_of(page, "/web_api/v1/transfrom")),
        ("tab-url-mismatch", "index.html.md", line_of(page, "/web_api/v2/transform") - 4),
        ("json-invalid", "index.html.md", line_of(page, '"status": "waiting",}')),
        ("parameter-drift", "index.html.md", line_of(page, "scale | integer")),
        ("parameter-drift", "index.html.md", line_of(page, "`POST https://api.imagely.example.com/web_api/v1/transform`")),
        ("operation-not-in-docs", "index.html.md", 1),
        ("mojibake", "includes/_conventions.md", line_of(inc / "_conventions.md", "caf")),
        ("example-invalid", "includes/_jobs.md", line_of(jobs, '"progress": "100%"') - 1),
        ("placeholder-url", "includes/_jobs.md", line_of(jobs, "```bash")),
        ("tab-undeclared", "includes/_jobs.md", line_of(jobs, "```bash")),
        ("endpoint-not-in-contract", "includes/_jobs.md", line_of(jobs, "`DELETE https")),
        ("error-code-drift", "includes/_errors.md", line_of(inc / "_errors.md", "400 |")),
    }  # fmt: skip
    messages = {f.rule: f.message for f in report.findings if f.severity == "error"}
    assert "'scale' defaults to 2 in the docs, 4 in transform" in [
        f.message for f in report.findings if f.rule == "parameter-drift"
    ]
    assert "webhook" in " ".join(f.message for f in report.findings if f.rule == "parameter-drift")
    assert "413" in messages["error-code-drift"]
    assert "$.data.progress must be integer" in messages["example-invalid"]
    assert "'Ã©' looks like 'é'" in next(f.message for f in report.findings if f.rule == "mojibake")
    infos = {(f.rule, f.key) for f in report.findings if f.severity == "info"}
    assert ("error-code-drift", "402 not in contract") in infos
    assert ("placeholder-token", "YOUR_API_TOKEN") in infos


def test_findings_of_every_rule_carry_file_and_line() -> None:
    reports = [
        drift(OURS, CONTRACT),
        drift(SLATE / "uploads" / "index.html.md", SLATE / "uploads" / "openapi.yaml"),
    ]
    findings = [f for r in reports for f in r.findings]
    assert {f.rule for f in findings} >= {
        "include-missing", "json-invalid", "curl-path-mismatch", "tab-method-mismatch",
        "tab-url-mismatch", "placeholder-url", "placeholder-token", "mojibake",
        "endpoint-not-in-contract", "operation-not-in-docs", "parameter-drift",
        "example-invalid", "error-code-drift", "request-line-not-in-contract",
    }  # fmt: skip
    for finding in findings:
        assert finding.file, finding
        assert finding.line >= 1, finding


# -- the baseline file ----------------------------------------------------------------------


def test_write_baseline_round_trip_keeps_reasons(tmp_path: Path) -> None:
    report = drift(OURS, CONTRACT)
    target = tmp_path / "baseline.json"
    count = write_baseline(target, report.findings, load_baseline(BASELINE))
    assert count == len({f.fingerprint for f in report.findings})
    document = json.loads(target.read_text(encoding="utf-8"))
    reasons = {e["fingerprint"]: e["reason"] for e in document["accepted"]}
    ours = {e["fingerprint"]: e["reason"] for e in json.loads(BASELINE.read_text())["accepted"]}
    assert reasons == ours
    assert drift(OURS, CONTRACT, target).exit_code == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not valid JSON"),
        ('{"format": "other/1", "accepted": []}', "is not a vanceqa.docs-baseline/1 file"),
        (
            '{"format": "vanceqa.docs-baseline/1", "accepted": [{"reason": "x"}]}',
            "no 'fingerprint'",
        ),
    ],
)
def test_bad_baselines_are_usage_errors(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "baseline.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(UsageError, match=message):
        load_baseline(path)


def test_rules_for_odd_pages(tmp_path: Path) -> None:
    table = "Parameter | Required | Description\n--- | --- | ---\nowner | yes | Whose things.\n\n"
    page = tmp_path / "index.html.md"
    page.write_text(
        "---\ntitle: [broken\n---\n"  # lines 1-3: the YAML error shows where input ends
        "# Things\n\n"
        "```shell\n"  # line 6
        'curl "https://h.example.com/things?limit=2\n'  # an unclosed quote
        "```\n\n"
        "`GET https://h.example.com/things`\n\n"
        + table  # line 10
        + "# Things again\n\n"
        "```shell\n"
        "curl https://h.example.com/things?limit=1\n"  # line 19: no owner
        "```\n\n"
        "`GET https://h.example.com/things`\n\n" + table,  # line 22
        encoding="utf-8",
    )
    lines = page.read_text(encoding="utf-8").splitlines()
    assert lines[18].startswith("curl https")
    assert lines[21].startswith("`GET")
    report = drift(page)
    assert summary(report, "error", "warning") == {
        ("front-matter-invalid", "index.html.md", 3),
        ("curl-unparsable", "index.html.md", 7),  # the line of the quote never closed
        ("duplicate-endpoint", "index.html.md", 22),
        # Both curls are read as a reader means them: limit is not in the table.
        ("example-missing-required", "index.html.md", 7),
        ("undocumented-example-parameter", "index.html.md", 7),
        ("example-missing-required", "index.html.md", 19),
        ("undocumented-example-parameter", "index.html.md", 19),
    }
    assert report.exit_code == 1


@pytest.mark.parametrize(
    ("tabs", "fence", "fires"),
    [
        (["shell", "python"], "bash", True),  # shell's language, another name: never switches
        (["shell", "python"], "py", True),
        (["shell", "python"], "http", False),  # no tab's language: Slate always shows it
        (["shell", "python"], "json", False),
        (["shell", "python"], "text", False),
        (["shell"], "bash", False),  # one tab: nothing switches, all is shown
        ([], "bash", False),
    ],
)
def test_tab_undeclared_follows_what_slate_hides(
    tmp_path: Path, tabs: list[str], fence: str, fires: bool
) -> None:
    declared = "".join(f"  - {tab}\n" for tab in tabs)
    page = tmp_path / "index.html.md"
    page.write_text(
        f"---\nlanguage_tabs:\n{declared}---\n\n# Things\n\n```{fence}\nGET /things\n```\n",
        encoding="utf-8",
    )
    rules = {f.rule for f in drift(page).findings}
    assert ("tab-undeclared" in rules) is fires


def test_common_parameters_and_array_syntax_are_documented(tmp_path: Path) -> None:
    page = tmp_path / "index.html.md"
    page.write_text(
        "# Conventions\n\nAny request takes the `_fields` parameter.\n\n"
        "# Carts\n\n```shell\ncurl -X PUT 'https://h/carts/1?_fields=id' "
        "-d 'items[][sku]=a1' -d 'coupon=X' -d 'tags[]=gift'\n```\n\n"
        "`PUT https://h/carts/{id}`\n\n"
        "Parameter | Description\n--- | ---\nitems | The items.\ntags[] | Tags.\n",
        encoding="utf-8",
    )
    findings = [(f.rule, f.key) for f in drift(page).findings if f.severity != "info"]
    # _fields is documented once for every request; items[][sku] is the items parameter.
    assert findings == [("undocumented-example-parameter", "PUT /carts/{id} coupon")]


def test_relative_request_lines_compare_after_the_base_path(tmp_path: Path) -> None:
    page = tmp_path / "index.html.md"
    page.write_text(
        "# Endpoint\n\n`https://shop.example.com/api/3/`\n\n"
        "# Carts\n\n```shell\ncurl https://shop.example.com/api/3/carts/1\n```\n\n"
        "`GET /carts/{id}`\n\n"
        "# Orders\n\n```shell\ncurl https://shop.example.com/api/3/order/1\n```\n\n"
        "`GET /orders/{id}`\n\n"
        "# Admin\n\n```shell\ncurl https://shop.example.com/admin\n```\n\n"
        "`GET https://shop.example.com/api/3/admin`\n",
        encoding="utf-8",
    )
    report = drift(page)
    assert report.page.base_paths == ("/api/3",)
    mismatches = [f.key for f in report.findings if f.rule == "curl-path-mismatch"]
    # The order's curl misses an s; the admin request line names its host: compared as is.
    assert mismatches == ["GET /orders/{id} <- /api/3/order/1", "GET /api/3/admin <- /admin"]


def test_a_rule_name_is_registered_once() -> None:
    from vanceqa.docs.findings import RULES, rule

    name = next(iter(RULES))
    with pytest.raises(ValueError, match="registered twice"):
        rule(name, "info", "a second rule of the same name")(lambda r, page: [])
    assert RULES[name].title != "a second rule of the same name"


def test_an_elided_example_is_still_checked_as_far_as_it_shows(tmp_path: Path) -> None:
    page = tmp_path / "index.html.md"
    page.write_text(
        "---\ntitle: Packets\n---\n# Get a packet\n\n`GET /api/packets/{packet_id}`\n\n"
        '```json\n{"id": 301, ...}\n```\n\n'  # line 8: id is a string in the contract
        '```json\n{"id": "p-1",\n ...\n "sown": 4,}\n```\n',  # line 15: a trailing comma
        encoding="utf-8",
    )
    report = drift(page, SLATE / "elided-json" / "openapi.yaml")
    rules = ("example-invalid", "json-invalid", "json-elided")
    found = {(f.rule, f.line) for f in report.findings if f.rule in rules}
    assert found == {("example-invalid", 8), ("json-elided", 8), ("json-invalid", 15)}
    assert "$.id must be string" in " ".join(f.message for f in report.findings)
