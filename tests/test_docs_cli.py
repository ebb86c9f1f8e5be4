"""`vanceqa docs parse | drift` as users run them: text (snapshots), JSON, OpenAPI skeletons,
exit codes, and clear errors for bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from openapi_spec_validator import validate
from syrupy.assertion import SnapshotAssertion

from tests.conftest import ROOT
from vanceqa.cli import main
from vanceqa.contract import load_contract
from vanceqa.docs.drift import find_drift
from vanceqa.docs.parser import parse_page
from vanceqa.docs.skeleton import build_skeleton

OURS = "fixtures/docs/index.html.md"
PAGES = [OURS, "tests/slate/petstore/index.html.md", "tests/slate/uploads/index.html.md"]
OURS_DRIFT = ["--contract", "fixtures/openapi.yaml", "--baseline", "fixtures/docs-baseline.json"]


@pytest.fixture(autouse=True)
def _in_checkout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # paths in the output are shown relative to here


def docs(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["docs", *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("page", PAGES, ids=["ours", "petstore", "uploads"])
def test_parse_summary(
    capsys: pytest.CaptureFixture[str], snapshot: SnapshotAssertion, page: str
) -> None:
    code, out, _ = docs(capsys, "parse", page)
    assert code == 0
    assert out == snapshot


def test_drift_of_our_docs_with_the_baseline(
    capsys: pytest.CaptureFixture[str], snapshot: SnapshotAssertion
) -> None:
    code, out, _ = docs(capsys, "drift", OURS, *OURS_DRIFT)
    assert code == 0
    assert out == snapshot


def test_drift_of_our_docs_without_the_baseline_fails(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = docs(capsys, "drift", OURS, "--contract", "fixtures/openapi.yaml")
    assert code == 1
    assert out.rstrip().endswith(
        "4 errors (0 baselined, 4 new), 3 warnings, 7 info -- new drift: fails"
    )


def test_drift_of_the_uploads_page_lists_everything(
    capsys: pytest.CaptureFixture[str], snapshot: SnapshotAssertion
) -> None:
    page = "tests/slate/uploads/index.html.md"
    code, out, _ = docs(
        capsys, "drift", page, "--contract", "tests/slate/uploads/openapi.yaml", "--all"
    )
    assert code == 1
    assert out == snapshot


def test_drift_json_and_report_dir(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, err = docs(
        capsys, "drift", OURS, *OURS_DRIFT, "--json", "--report-dir", str(tmp_path)
    )
    assert code == 0
    document = json.loads(out)
    assert document["format"] == "vanceqa.docs-drift/1"
    assert document["new_errors"] == 0
    assert {f["id"] for f in document["findings"]} >= {"curl-path-mismatch", "mojibake"}
    written = json.loads((tmp_path / "docs.json").read_text(encoding="utf-8"))
    assert written["format"] == "vanceqa.docs/1"
    assert written["page"] == OURS
    assert written["drift"] == document["findings"]
    assert written["examples"] == []
    assert written["drift_summary"]["baselined"] == 14
    assert "docs.json" in err


def test_write_baseline_then_gate_on_new_drift_only(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    page = "tests/slate/uploads/index.html.md"
    contract = ["--contract", "tests/slate/uploads/openapi.yaml"]
    baseline = tmp_path / "accepted.json"
    code, _, err = docs(capsys, "drift", page, *contract, "--write-baseline", str(baseline))
    assert code == 0
    assert "wrote 29 accepted findings" in err
    code, out, _ = docs(capsys, "drift", page, *contract, "--baseline", str(baseline))
    assert code == 0
    assert "11 errors (11 baselined, 0 new)" in out


def test_bundled_page_uses_our_contract_and_baseline_by_default(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = docs(capsys, "drift")
    assert code == 0
    assert "against " in out.splitlines()[0]
    assert "baseline " in out.splitlines()[0]
    code, out, _ = docs(capsys, "drift", "--no-baseline", "--no-contract")
    assert code == 1
    assert "(no contract)" in out


def test_parse_json_is_the_docs_model(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = docs(capsys, "parse", "tests/slate/petstore/index.html.md", "--json")
    assert code == 0
    model = json.loads(out)
    assert model["format"] == "vanceqa.docs-model/1"
    endpoints = [(e["method"], e["path"]) for e in model["endpoints"]]
    assert endpoints == [
        ("GET", "/v1/pets"),
        ("HEAD", "/v1/pets"),
        ("GET", "/v1/pets/{petId}"),
        ("POST", "/v1/orders"),
    ]
    limit = next(p for p in model["endpoints"][0]["parameters"] if p["name"] == "limit")
    assert limit == limit | {"location": "query", "default": "20", "type": "integer"}
    assert set(model["endpoints"][0]["examples"]) == {"shell", "python", "javascript"}
    assert model["endpoints"][2]["error_codes"][0]["code"] == 404


@pytest.mark.parametrize("page", PAGES, ids=["ours", "petstore", "uploads"])
def test_openapi_skeleton_is_valid_and_agrees_with_its_page(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, page: str
) -> None:
    out_file = tmp_path / "skeleton.yaml"
    code, _, err = docs(capsys, "parse", page, "--openapi", str(out_file))
    assert code == 0
    assert "wrote OpenAPI skeleton" in err
    document = yaml.safe_load(out_file.read_text(encoding="utf-8"))
    validate(document)
    # A page checked against its own skeleton has no contract drift at all.
    report = find_drift(parse_page(ROOT / page), load_contract(out_file))
    contract_rules = {
        "request-line-not-in-contract", "endpoint-not-in-contract", "operation-not-in-docs",
        "parameter-drift", "example-invalid", "error-code-drift",
    }  # fmt: skip
    assert [f for f in report.findings if f.rule in contract_rules] == []


def test_skeleton_of_our_page_infers_schemas_and_errors() -> None:
    document = build_skeleton(parse_page(ROOT / OURS))
    listing = document["paths"]["/api/kittens"]["get"]
    schema = listing["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema["type"] == "array"
    assert schema["items"]["properties"]["fluffiness"] == {"type": "integer"}
    assert listing["parameters"][0]["schema"] == {"type": "boolean", "default": False}
    assert listing["responses"]["418"] == {"$ref": "#/components/responses/Error418"}
    assert document["paths"]["/kittens/{ID}"]["delete"]["parameters"][0]["name"] == "ID"
    assert document["components"]["securitySchemes"]["apiToken"]["name"] == "Authorization"


def test_skeleton_of_the_uploads_page_has_multipart_forms() -> None:
    document = build_skeleton(parse_page(ROOT / "tests/slate/uploads/index.html.md"))
    body = document["paths"]["/web_api/v1/upload"]["post"]["requestBody"]["content"]
    form = body["multipart/form-data"]["schema"]
    assert form["properties"]["file"] == {"type": "string", "format": "binary"}
    assert form["required"] == ["api_token", "file"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["parse", "no/such/page.md"], "docs page not found: no/such/page.md"),
        (["drift", OURS, "--contract", "nope.yaml"], "contract not found: nope.yaml"),
        (["drift", OURS, "--baseline", "fixtures/openapi.yaml"], "is not valid JSON"),
        (["drift", "--contract", "fixtures/openapi.yaml", "--no-contract"], "contradict"),
        (["examples", "--base-url", "ftp://x"], "base URL must look like"),
        (["examples", "--base-url", "http://127.0.0.1:9"], "needs an API token"),
        (["examples", "README.md"], "has no request line: no example to run"),
    ],
)
def test_bad_input_is_a_clear_usage_error(
    capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code, _, err = docs(capsys, *args)
    assert code == 2
    assert message in err
    assert "Traceback" not in err


def test_docs_needs_an_action(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["docs"])
    assert exc.value.code == 2
    assert "ACTION" in capsys.readouterr().err


def test_unreadable_or_unwritable_files_are_clear_usage_errors(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    a_list = tmp_path / "list.json"
    a_list.write_text("[1]", encoding="utf-8")
    a_file = tmp_path / "file"
    a_file.write_text("", encoding="utf-8")
    cases = [
        (["drift", OURS, "--baseline", str(a_list)], "is not a vanceqa.docs-baseline/1 file"),
        (["drift", OURS, "--baseline", str(tmp_path)], "cannot read the baseline"),
        (["drift", OURS, "--contract", str(tmp_path)], "cannot read the contract"),
        (["drift", OURS, "--report-dir", str(a_file)], "cannot create the report directory"),
        (["drift", OURS, "--write-baseline", str(a_file / "b.json")], "cannot write the baseline"),
        (["parse", OURS, "--openapi", str(tmp_path)], "cannot write the OpenAPI skeleton"),
        (["examples", "--report-dir", str(a_file)], "cannot create the report directory"),
    ]
    for args, message in cases:
        code, _, err = docs(capsys, *args)
        assert (code, message in err) == (2, True), (args, err)
        assert "Traceback" not in err
