"""The check registry: every check declared once, with its authority, level, docs row and
catalogue defect; no check cites anything outside the repository; --strict both ways."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.defects.catalogue import DEFECTS
from tests.defects.harness import options_for, run_suite, serve_defect
from vanceqa.conformance import checks
from vanceqa.conformance.registry import DOCS, DOCS_LINES
from vanceqa.report.conformance_view import section
from vanceqa.report.result_files import conformance_summary

ROOT = Path(__file__).resolve().parent.parent
READINGS = (ROOT / "docs" / "readings.md").read_text(encoding="utf-8")
CONFORMANCE_DOC = (ROOT / "docs" / "conformance.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(checks.REGISTRY))
def test_check_is_one_object(name: str) -> None:
    check = checks.REGISTRY[name]
    assert getattr(checks, name.upper()) is check  # marker and callable: checks.NAME
    mark = check.mark(operation="listKittens", stage=2)
    assert mark.args == (name,)
    assert mark.kwargs == {"operation": "listKittens", "stage": 2}
    assert check.level in (checks.FAILURE, checks.WARNING)


@pytest.mark.parametrize("name", sorted(checks.REGISTRY))
def test_check_has_its_docs_row(name: str) -> None:
    check = checks.REGISTRY[name]
    rows = [line for line in CONFORMANCE_DOC.splitlines() if f"`{name}`" in line]
    assert rows, f"docs/conformance.md has no row for {name}"
    assert any(check.level in row for row in rows), f"the row of {name} must say {check.level}"


@pytest.mark.parametrize("name", sorted(checks.REGISTRY))
def test_check_has_a_defect_or_a_waiver(name: str) -> None:
    check = checks.REGISTRY[name]
    caught = [d.name for d in DEFECTS if d.expected_check == name]
    assert caught or check.waiver, f"no catalogue defect targets {name}, and it has no waiver"


@pytest.mark.parametrize("name", sorted(checks.REGISTRY))
def test_authority_points_inside_the_repository(name: str) -> None:
    check = checks.REGISTRY[name]
    assert check.readings or check.rfc, f"{name} names no reading and no RFC section"
    for number in check.readings:
        assert re.search(rf"^## {number}\. ", READINGS, re.M), f"reading {number} is missing"
    where, line = DOCS_LINES[check.docs].rsplit(":", 1)
    assert (ROOT / where).is_file()
    assert int(line) <= len((ROOT / where).read_text(encoding="utf-8").splitlines())


@pytest.mark.parametrize("key", [k for k in DOCS if k not in ("examples", "auth", "list")])
def test_docs_quotes_stand_on_their_lines(key: object) -> None:
    where, line = DOCS_LINES[key].rsplit(":", 1)
    text = (ROOT / where).read_text(encoding="utf-8").splitlines()[int(line) - 1]
    assert DOCS[key].split(" -- ")[0].split(":")[0][:30] in text


def test_readings_are_numbered_one_to_fifteen_and_quote_the_docs() -> None:
    numbers = [int(n) for n in re.findall(r"^## (\d+)\. ", READINGS, re.M)]
    assert numbers == list(range(1, 16))
    for block in re.split(r"^## \d+\. ", READINGS, flags=re.M)[1:14]:
        assert re.search(r"`(index\.html|_errors)\.md:\d+`", block), block[:60]


def test_nothing_cites_a_file_outside_the_repository() -> None:
    outside = re.compile(r"contract-decisions|shared/notes|\.\./shared|\bdecision \d+", re.I)
    places = [ROOT / "README.md", ROOT / "ARCHITECTURE.md"]
    for folder in ("src", "conformance", "docs", "fixtures", "loadtests", "tests"):
        places += [
            p
            for p in (ROOT / folder).rglob("*")
            if p.suffix in (".py", ".md", ".toml", ".yaml", ".json", ".js", ".ini")
        ]
    here = Path(__file__).resolve()
    found = [
        f"{p.relative_to(ROOT)}: {m.group(0)}"
        for p in places
        if p.resolve() != here and ".venv" not in p.parts
        for m in outside.finditer(p.read_text(encoding="utf-8", errors="replace"))
    ]
    assert not found, found


# -- warnings and --strict ----------------------------------------------------------------


def _warning_document() -> dict[str, object]:
    failure = {"check": "consistency_list_order", "behaviour": "same order", "message": "reversed"}
    return {
        "format": "vanceqa.conformance/1",
        "summary": {"passed": 1, "failed": 0, "skipped": 0, "warnings": 1, "strict": False,
                    "levels": {"failure": 1, "warning": 1}},
        "results": [
            {"operation": "listKittens", "check": "param_default", "outcome": "passed"},
            {"operation": "listKittens", "check": "consistency_list_order", "outcome": "warning",
             "level": "warning", "failure": failure},
        ],
    }  # fmt: skip


def test_report_shows_warnings_apart_from_failures() -> None:
    document = _warning_document()
    counts = conformance_summary(document)
    assert (counts["failed"], counts["warning"]) == (0, 1)
    html = section(document)
    assert "Warnings (1)" in html
    assert "⚠ warn" in html
    assert "1 at level warning" in html
    assert "Failures (" not in html


def test_verdict_passes_a_run_with_warnings_only() -> None:
    from vanceqa.report.result_files import Results
    from vanceqa.report.sections import SECTIONS
    from vanceqa.report.verdict import judge

    results = Results(Path("."), SECTIONS, data={"conformance": _warning_document()})
    verdict = judge(results)
    phase = next(p for p in verdict.phases if p.name == "conformance")
    assert phase.status == "passed"
    assert "1 warnings" in phase.headline


@pytest.mark.socket
@pytest.mark.slow
@pytest.mark.parametrize(
    ("how", "extra", "env", "code"),
    [
        ("default", [], {}, 0),
        ("flag", ["--vanceqa-strict"], {}, 1),
        ("env", [], {"VANCEQA_STRICT": "1"}, 1),
    ],
)
def test_strict_turns_warnings_into_failures(
    how: str, extra: list[str], env: dict[str, str], code: int
) -> None:
    with serve_defect("list_order_shuffles") as base_url:
        run = run_suite(options_for(base_url).argv(), extra=extra, env=env)
    assert run.returncode == code, run.output[-3000:]
    assert run.document is not None
    order = [r for r in run.document["results"] if r["check"] == "consistency_list_order"]
    assert [r["outcome"] for r in order] == (["warning"] if code == 0 else ["failed"])
    assert order[0]["level"] == "warning"
    assert order[0]["failure"]["check"] == "consistency_list_order"
    assert run.document["summary"]["strict"] is (code == 1)
    assert run.document["summary"]["levels"]["warning"] == 2
    if code == 0:
        assert run.document["summary"]["warnings"] == 1
        assert "WARNING consistency_list_order" in run.output
        assert " failed" not in run.output.strip().splitlines()[-1]


@pytest.mark.socket
@pytest.mark.slow
@pytest.mark.parametrize("command", ["check", "run"])
@pytest.mark.parametrize("strict", [False, True], ids=["default", "strict"])
def test_vanceqa_commands_take_strict_too(command: str, strict: bool, tmp_path: Path) -> None:
    """`vanceqa check --strict` and `vanceqa run --strict`, as a user types them."""
    out = tmp_path / "out"
    argv = [sys.executable, "-m", "vanceqa", command, "--report-dir", str(out)]
    if command == "run":
        argv += ["--skip", "load", "--skip", "docs"]
    with serve_defect("list_order_shuffles") as base_url:
        argv += options_for(base_url).argv() + (["--strict"] if strict else [])
        clean = {k: v for k, v in os.environ.items() if not k.startswith("VANCEQA_")}
        done = subprocess.run(
            argv, capture_output=True, text=True, timeout=600, cwd=tmp_path, env=clean
        )
    assert done.returncode == (1 if strict else 0), done.stdout[-3000:] + done.stderr[-2000:]
    document = json.loads((out / "conformance.json").read_text())
    assert document["summary"]["strict"] is strict
    outcomes = [r["outcome"] for r in document["results"] if r["check"] == "consistency_list_order"]
    assert outcomes == (["failed"] if strict else ["warning"])
