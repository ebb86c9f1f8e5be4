"""The conformance suites run as users run them: `vanceqa check` and `pytest conformance/`.

Against the bundled mock, a second data set given through the VANCEQA_* variables, a
rate-limited mock, a defect (exit 1, redacted reports), and targets that cannot be
tested (exit 3, one message). Every run is a subprocess on loopback, bounded in time.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pytest

from tests.conftest import ADMIN_TOKEN, API_TOKEN, DATA, ROOT, clean_env
from tests.defects.harness import options_for, run_suite, serve_defect
from vanceqa.conformance.session import mock_delete_ids
from vanceqa.mock.data import load_dataset
from vanceqa.mock.launcher import serve_mock
from vanceqa.processes import free_port

pytestmark = [pytest.mark.socket, pytest.mark.slow]
ALT = DATA / "kittens-alt.json"
QUICK = ["--", "--hypothesis-profile", "conformance-quick"]


def vanceqa_check(*args: str, cwd: Path, env: dict[str, str] | None = None):
    return subprocess.run(
        [sys.executable, "-m", "vanceqa", "check", *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=cwd,
        env=clean_env(**(env or {})),
    )


def junit_names(path: Path) -> list[tuple[str, str]]:
    root = ET.parse(path).getroot()  # noqa: S314 - our own report
    return [(case.get("classname", ""), case.get("name", "")) for case in root.iter("testcase")]


def assert_no_tokens(paths: list[Path], *texts: str, tokens: tuple[str, ...]) -> None:
    for path in paths:
        content = path.read_text(encoding="utf-8", errors="replace")
        for token in tokens:
            assert token not in content, f"a token leaked into {path.name}"
    for text in texts:
        for token in tokens:
            assert token not in text, "a token leaked into the console output"


def test_check_on_the_bundled_mock_writes_three_reports(tmp_path: Path) -> None:
    reports = tmp_path / "out"
    result = vanceqa_check("--report-dir", str(reports), "--seed", "5", *QUICK, cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "vanceqa check:" in result.stdout
    assert " 0 failed" in result.stdout
    files = [reports / n for n in ("conformance.xml", "conformance.html", "conformance.json")]
    assert all(f.is_file() and f.stat().st_size > 0 for f in files)
    document = json.loads(files[2].read_text())
    assert document["format"] == "vanceqa.conformance/1"
    assert document["target"]["mock"] is True
    assert document["seed"] == 5
    summary = document["summary"]
    assert summary["failed"] == 0
    assert summary["passed"] >= 100
    assert summary["requests"] > 100
    # The bundled mock allows every check: nothing skipped, so nothing passes by omission.
    assert summary["skipped"] == 0, [r for r in document["results"] if r["outcome"] == "skipped"]
    results = document["results"]
    assert len(results) == summary["passed"] + summary["failed"] + summary["skipped"]
    operations = {r["operation"] for r in results}
    assert {"listKittens", "getKitten", "deleteKitten"} <= operations
    by_check = {r["check"] for r in results}
    for name in ("auth_no_token", "param_malformed", "protocol_405_allow", "state_machine"):
        assert name in by_check
    # Distinct, readable JUnit names: one per operation and check.
    names = junit_names(files[0])
    assert len(names) == len(results)
    assert not [n for n, count in Counter(names).items() if count > 1]
    assert ("conformance.test_auth", "test_no_token[deleteKitten]") in names
    assert any(name.startswith("test_generated[GET /api/kittens") for _, name in names)
    assert_no_tokens(files, result.stdout, result.stderr, tokens=(API_TOKEN, ADMIN_TOKEN))


def test_check_against_a_defect_fails_with_redacted_evidence(tmp_path: Path) -> None:
    reports = tmp_path / "out"
    with serve_defect("hidden_visible_to_regular") as base_url:
        options = options_for(base_url)
        result = vanceqa_check(
            "--report-dir", str(reports), "--seed", "3", *options.argv(), *QUICK, cwd=tmp_path
        )
    assert result.returncode == 1, result.stdout[-3000:] + result.stderr[-2000:]
    document = json.loads((reports / "conformance.json").read_text())
    failed = [r for r in document["results"] if r["outcome"] == "failed"]
    assert [r["check"] for r in failed] == ["auth_hidden_regular"]
    failure = failed[0]["failure"]
    assert failure["behaviour"] == "A regular token gets 403 on a kitten hidden for admins"
    assert failure["docs_quote"].startswith("403 | Forbidden")
    assert failure["status"] == 200
    assert failure["curl"].startswith("curl -i -H 'Authorization: [REDACTED]' ")
    assert '"id"' in failure["body_excerpt"]
    assert "expected 403, got 200" in failure["message"]
    assert "docs: 403 | Forbidden" in result.stdout  # the console says it too
    files = list(reports.iterdir())
    assert_no_tokens(files, result.stdout, result.stderr, tokens=(API_TOKEN, ADMIN_TOKEN))


def test_second_data_set_passes_with_environment_variables(tmp_path: Path) -> None:
    dataset = load_dataset(ALT)
    hidden = [k.id for k in dataset.kittens if k.hidden and not k.removed]
    with serve_mock(data=ALT) as mock:
        env = {
            "VANCEQA_BASE_URL": mock.base_url,
            "VANCEQA_API_TOKEN": dataset.api_token,
            "VANCEQA_ADMIN_TOKEN": dataset.admin_token,
            "VANCEQA_HIDDEN_IDS": ",".join(map(str, hidden)),
            "VANCEQA_DESTRUCTIVE": "1",
            "VANCEQA_DELETE_IDS": ",".join(map(str, mock_delete_ids(dataset))),
        }
        run = run_suite([], env=env)
        deleted = mock.control("GET", "state")
    assert run.returncode == 0, run.output[-4000:]
    assert run.document is not None
    assert run.document["target"]["mock"] is False
    skipped = [r for r in run.document["results"] if r["outcome"] == "skipped"]
    # Only DELETEs on no permitted id skip on a non-bundled target (generated ones, DELETE
    # on the collection, and the id checks' unknown, malformed and huge ids), saying why.
    assert {r["nodeid"].split("[")[0] for r in skipped} == {
        "test_generated.py::test_generated",
        "test_protocol.py::test_method_not_allowed",
        "test_protocol.py::test_allow_header",
        "test_parameters.py::test_unknown_id",
        "test_parameters.py::test_malformed_id",
        "test_parameters.py::test_huge_id",
    }
    assert all("deleteKitten" in r["nodeid"] or "DELETE" in r["nodeid"] for r in skipped)
    assert all(
        "bundled mock only" in r["reason"] or "not one of the ids named" in r["reason"]
        for r in skipped
    ), [r["reason"] for r in skipped]
    # The docs' examples ran too: their kitten 2 is not in this data set, so the read
    # example took a live id from the list, and the DELETE one of the permitted ids.
    docs = [r["outcome"] for r in run.document["results"] if r["check"] == "docs_example"]
    assert docs == ["passed"] * 3
    # Only permitted ids were deleted.
    assert isinstance(deleted, dict)
    assert set(deleted["deleted"]) <= set(mock_delete_ids(dataset))
    assert deleted["deleted"], "the destructive checks ran"


def test_rate_limited_mock_still_passes(tmp_path: Path) -> None:
    with serve_mock(faults=["rate_limit=20"]) as mock:
        run = run_suite(options_for(mock.base_url).argv())
    assert run.returncode == 0, run.output[-4000:]
    assert run.document is not None
    assert run.document["summary"]["throttled_retries"] > 0  # 429s happened and were waited out
    assert run.document["summary"]["failed"] == 0


def test_without_optional_options_checks_skip_with_reasons(tmp_path: Path) -> None:
    with serve_mock() as mock:
        run = run_suite(["--base-url", mock.base_url, "--api-token", mock.api_token])
        state = mock.control("GET", "state")
    assert run.returncode == 0, run.output[-4000:]
    assert run.document is not None
    assert isinstance(state, dict)
    assert state["deleted"] == [], "nothing may be deleted without --destructive"
    reasons = {
        r["check"]: r["reason"] for r in run.document["results"] if r["outcome"] == "skipped"
    }
    assert "--admin-token" in reasons["auth_hidden_admin"]
    assert "--hidden-id" in reasons["auth_hidden_regular"]
    assert "--destructive" in reasons["state_delete_answer"]
    assert "--destructive" in reasons["state_machine"]
    assert all(reasons.values())
    # No DELETE of any kind reaches a shared server without the opt-in (reading 14).
    for result in run.document["results"]:
        if "DELETE" in result["nodeid"] or result["operation"] == "deleteKitten":
            assert result["outcome"] == "skipped", result["nodeid"]


@pytest.mark.parametrize(
    ("faults", "token", "message"),
    [
        (["maintenance=on"], None, "is in maintenance: 503"),
        ([], "not-the-token", "refused the API token (401"),
    ],
    ids=["maintenance", "refused-token"],
)
def test_untestable_target_stops_at_once(faults, token, message, tmp_path: Path) -> None:
    with serve_mock(faults=faults) as mock:
        run = run_suite(["--base-url", mock.base_url, "--api-token", token or mock.api_token])
        counters = mock.counters()
    assert run.returncode == 3, run.output[-3000:]
    assert run.output.count(message) == 1, run.output[-3000:]
    assert "FAILED" not in run.output
    assert counters["total"] <= 2, "the session stopped after the preflight"
    assert run.document is not None
    assert message in run.document["aborted"]


def test_unreachable_target_exit_3_from_check(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    result = vanceqa_check(
        "--base-url", url, "--api-token", "sekrit-abc", "--report-dir", str(tmp_path), cwd=tmp_path
    )
    assert result.returncode == 3, result.stdout[-2000:] + result.stderr[-2000:]
    assert f"target unavailable: cannot reach {url}" in result.stderr
    assert "Traceback" not in result.stderr
    assert_no_tokens(list(tmp_path.glob("conformance.*")), result.stdout, result.stderr,
                     tokens=("sekrit-abc",))  # fmt: skip


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--base-url", "http://127.0.0.1:9"], "needs an API token"),
        (["--base-url", "ftp://example"], "base URL must look like"),
        (["--max-rps", "-1"], "--max-rps must be a positive, finite number"),
        (["--max-rps", "nan"], "--max-rps must be a positive, finite number"),
        (["--max-rps", "inf"], "--max-rps must be a positive, finite number"),
        (["--hidden-id", "-1"], "--hidden-id must be positive integers"),
        (["--delete-id", "0"], "--delete-id must be positive integers"),
    ],
)
def test_usage_errors_exit_2(args: list[str], message: str, tmp_path: Path) -> None:
    result = vanceqa_check(*args, cwd=tmp_path)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_a_hidden_delete_id_is_left_out_not_failed(tmp_path: Path) -> None:
    # A regular token rightly gets 403 on a hidden kitten, DELETE included (reading 3):
    # naming one with --delete-id must not fail a server that keeps the docs.
    dataset = load_dataset(ALT)
    hidden = [k.id for k in dataset.kittens if k.hidden and not k.removed]
    visible = mock_delete_ids(dataset)[0]
    with serve_mock(data=ALT) as mock:
        options = options_for(mock.base_url, ALT)
        base = options.argv()[: options.argv().index("--destructive")]
        deletes = ["--destructive", "--delete-id", str(hidden[0]), "--delete-id", str(visible)]
        run = run_suite([*base, *deletes], extra=["-k", "state or deleteKitten"])
        state = mock.control("GET", "state")
    assert run.returncode == 0, run.output[-4000:]
    assert run.document is not None
    outcomes = {r["check"]: r["outcome"] for r in run.document["results"]}
    assert outcomes["state_delete_answer"] == "passed"
    assert outcomes["state_machine"] == "passed"
    assert isinstance(state, dict)
    assert hidden[0] not in state["deleted"]


def test_an_unknown_delete_id_is_left_out_not_failed(tmp_path: Path) -> None:
    # A --delete-id the target never had (404, a typo) is neither live nor gone: the state
    # machine must leave it out, not expect the 410 of a deleted kitten from it.
    dataset = load_dataset(ALT)
    visible = mock_delete_ids(dataset)[0]
    unknown = max(k.id for k in dataset.kittens) + 10_000
    with serve_mock(data=ALT) as mock:
        options = options_for(mock.base_url, ALT)
        base = options.argv()[: options.argv().index("--destructive")]
        deletes = ["--destructive", "--delete-id", str(unknown), "--delete-id", str(visible)]
        run = run_suite([*base, *deletes], extra=["-k", "state_machine"])
        only_unknown = run_suite(
            [*base, "--destructive", "--delete-id", str(unknown)], extra=["-k", "state_machine"]
        )
    assert run.returncode == 0, run.output[-4000:]
    assert run.document is not None
    outcomes = {r["check"]: r["outcome"] for r in run.document["results"]}
    assert outcomes["state_machine"] == "passed"
    assert only_unknown.document is not None
    skipped = [r for r in only_unknown.document["results"] if r["check"] == "state_machine"]
    assert skipped[0]["outcome"] == "skipped"
    assert f"unknown to the target (404) [{unknown}]" in skipped[0]["reason"]


PROFILE_PROBE = """\
from pathlib import Path
from hypothesis import settings

def test_profile():
    Path("seen").write_text(str(settings.default.max_examples))
"""


@pytest.mark.parametrize(
    ("exported", "option", "examples"),
    [
        (None, None, 40),
        ("conformance-quick", None, 8),
        ("conformance-quick", "conformance-thorough", 400),
        ("thorough", "conformance-quick", 8),  # another project's name: the option wins
    ],
)
def test_the_suites_profile_comes_from_the_option_then_the_environment(
    tmp_path: Path, exported: str | None, option: str | None, examples: int
) -> None:
    # The conformance suites' own conftest, with a test that reports the profile in effect.
    shutil.copy(ROOT / "conformance" / "conftest.py", tmp_path / "conftest.py")
    (tmp_path / "test_probe.py").write_text(PROFILE_PROBE)
    env = clean_env(HYPOTHESIS_PROFILE=exported) if exported else clean_env()
    args = ["--hypothesis-profile", option] if option else []
    ran = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
        capture_output=True, text=True, timeout=120, cwd=tmp_path, env=env,
    )  # fmt: skip
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert (tmp_path / "seen").read_text() == str(examples)


def test_another_projects_profile_in_the_environment_is_a_clear_usage_error(
    tmp_path: Path,
) -> None:
    ran = vanceqa_check(cwd=tmp_path, env={"HYPOTHESIS_PROFILE": "thorough"})
    assert ran.returncode == 2, ran.stdout + ran.stderr
    assert "HYPOTHESIS_PROFILE='thorough' is not a profile of the conformance suites" in (
        ran.stdout + ran.stderr
    )
    assert "Traceback" not in ran.stdout + ran.stderr
