"""The user's own workspace wins over the bundled copies, one file at a time (the suites
as a folder); its vanceqa.toml (or [tool.vanceqa]) gives defaults below the options and
the variables; `vanceqa init` writes one; every run records which files it used.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.reach.conftest import clean_env, output
from vanceqa import resources
from vanceqa.errors import UsageError
from vanceqa.init_command import settings_lines
from vanceqa.target import OPTIONS
from vanceqa.workspace import resolve_target, setting_key, target_defaults

ALT_DATA = Path(__file__).resolve().parent.parent / "data" / "kittens-alt.json"


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty folder as the current directory."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(resources.PROJECT_ENV, raising=False)
    return tmp_path


def test_without_a_workspace_our_own_copies_are_used(workspace: Path) -> None:
    for kind in resources.KINDS:
        source = resources.locate(kind)
        assert source.origin in ("checkout", "bundled")
        assert not source.path.is_relative_to(workspace)


def test_a_file_in_the_workspace_wins_alone(workspace: Path) -> None:
    (workspace / "fixtures").mkdir()
    shutil.copyfile(ALT_DATA, workspace / "fixtures" / "kittens.json")
    (workspace / "loadtests").mkdir()
    (workspace / "loadtests" / "slo.toml").write_text('[overall]\nthresholds = ["rps >= 1"]\n')
    assert resources.seed_data_path() == workspace / "fixtures" / "kittens.json"
    assert resources.slo_path() == workspace / "loadtests" / "slo.toml"
    # The files it does not have still come from us.
    assert resources.locate("contract").origin != "project"
    assert resources.locate("locustfile").origin != "project"
    record = resources.sources_record(["data", "slo", "contract"])
    assert record["data"] == {"path": str(workspace / "fixtures/kittens.json"), "origin": "project"}
    assert record["slo"]["origin"] == "project"
    assert "data fixtures/kittens.json (project)" in resources.sources_text(record)


def test_the_suites_are_a_folder_of_tests(workspace: Path) -> None:
    (workspace / "conformance").mkdir()
    (workspace / "conformance" / "notes.md").write_text("not a suite")
    assert resources.locate("suites").origin != "project"  # no test in it: ours run
    (workspace / "conformance" / "test_ours.py").write_text("def test_x(): pass\n")
    assert resources.conformance_dir() == workspace / "conformance"
    # Settings files it lacks come from our suites.
    assert resources.suite_file("pytest.ini").is_file()
    assert resources.suite_file("pytest.ini").parent != workspace / "conformance"


def test_project_variable_and_use_project(
    workspace: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(resources.PROJECT_ENV, str(workspace))  # undone after the test
    other = tmp_path_factory.mktemp("other")
    (other / "fixtures").mkdir()
    shutil.copyfile(ALT_DATA, other / "fixtures" / "kittens.json")
    resources.use_project(other)
    assert resources.seed_data_path() == other / "fixtures" / "kittens.json"
    with pytest.raises(UsageError, match="is not a folder"):
        resources.use_project(workspace / "missing")


def test_settings_give_defaults_below_options_and_variables(workspace: Path) -> None:
    (workspace / "certs").mkdir()
    (workspace / "certs" / "ca.pem").write_text("-----BEGIN CERTIFICATE-----\n")
    (workspace / "vanceqa.toml").write_text(
        'base_url = "https://staging.example/vance/v1"\nmax_rps = 20\n'
        'request_timeout = "15s"\nhidden_ids = [7]\nca_bundle = "certs/ca.pem"\n'
        'headers = ["X-Environment: staging"]\n'
    )
    env = {"VANCEQA_API_TOKEN": "token-from-ci-1234", "VANCEQA_MAX_RPS": "5"}
    target = resolve_target({"hidden_ids": ["9"]}, env)
    assert target.base_url == "https://staging.example/vance/v1"  # file
    assert target.request_timeout_s == 15.0  # file
    assert target.max_rps == 5.0  # variable over file
    assert target.hidden_ids == (9,)  # option over file
    assert target.ca_bundle == str(workspace / "certs" / "ca.pem")  # relative to the file
    assert target.headers == (("X-Environment", "staging"),)
    assert target_defaults(workspace)["max_rps"] == 20


def test_settings_in_pyproject(workspace: Path) -> None:
    (workspace / "pyproject.toml").write_text(
        '[project]\nname = "ours"\n\n[tool.vanceqa]\nmax-rps = 3\n'
    )
    assert resolve_target({}, {}).max_rps == 3.0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("api_token = 'abc'", "api_token is a secret"),
        ("speed = 3", "unknown setting 'speed'"),
        ("headers = ['X-Gateway-Key: abc']", "x-gateway-key carries a secret"),
        ("headers = ['X-Tenant: a']\nsecret_headers = ['X-Tenant']", "x-tenant carries a secret"),
        ("max_rps = 'fast'", "max_rps in the project's vanceqa settings must be a number"),
        ("max_rps = ", "is not valid TOML"),
    ],
)
def test_bad_settings_are_clear_usage_errors(workspace: Path, text: str, message: str) -> None:
    (workspace / "vanceqa.toml").write_text(text + "\n")
    with pytest.raises(UsageError, match=message):
        resolve_target({}, {})


def test_the_settings_template_names_every_option_that_may_live_in_a_file() -> None:
    lines = [line.removeprefix("# ") for line in settings_lines()]
    document = tomllib.loads("\n".join(ln for ln in lines if "=" in ln.split("#")[0]))
    allowed = {setting_key(o) for o in OPTIONS if not o.secret}
    assert set(document) == allowed


def vanceqa(
    *args: str, cwd: Path, python: str = sys.executable
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [python, "-m", "vanceqa", *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=cwd,
        env=clean_env(),
    )


def test_init_writes_a_workspace_and_keeps_what_is_there(tmp_path: Path) -> None:
    (tmp_path / "loadtests").mkdir()
    (tmp_path / "loadtests" / "slo.toml").write_text("# ours\n")
    result = vanceqa("init", cwd=tmp_path)
    assert result.returncode == 0, output(result)
    for name in ("conformance/test_auth.py", "conformance/conftest.py", "conformance/pytest.ini",
                 "loadtests/locustfile.py", "fixtures/openapi.yaml", "fixtures/kittens.json",
                 "fixtures/docs/index.html.md", "vanceqa.toml"):  # fmt: skip
        assert (tmp_path / name).is_file(), name
    assert (tmp_path / "loadtests" / "slo.toml").read_text() == "# ours\n"
    assert not list(tmp_path.rglob("__pycache__"))
    assert tomllib.loads((tmp_path / "vanceqa.toml").read_text()) == {}  # all commented
    again = vanceqa("init", cwd=tmp_path)
    assert again.returncode == 0
    assert "wrote" not in again.stdout


def test_init_adds_a_table_to_an_existing_pyproject(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "ours"\n')
    result = vanceqa("init", str(tmp_path / "."), cwd=tmp_path)
    assert result.returncode == 0, output(result)
    document = tomllib.loads((tmp_path / "pyproject.toml").read_text())
    assert document["project"] == {"name": "ours"}
    assert document["tool"]["vanceqa"] == {}
    assert not (tmp_path / "vanceqa.toml").exists()


def test_project_option_anywhere_before_the_double_dash(tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "fixtures").mkdir(parents=True)
    shutil.copyfile(
        resources.bundled_folder("fixtures") / "kittens.json", project / "fixtures" / "kittens.json"
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    for args in (["--project", str(project), "docs", "examples"],
                 ["docs", "examples", f"--project={project}"]):  # fmt: skip
        result = vanceqa(*args, cwd=elsewhere)
        assert result.returncode == 0, output(result)
        assert f"data {project / 'fixtures' / 'kittens.json'} (project)" in result.stderr
    missing = vanceqa("--project", str(tmp_path / "nope"), "docs", "examples", cwd=elsewhere)
    assert missing.returncode == 2
    assert "is not a folder" in missing.stderr


def test_another_tools_stale_ca_variable_does_not_stop_a_plain_http_run() -> None:
    env = {"SSL_CERT_FILE": "/nonexistent/ca.pem"}
    assert resolve_target({}, env).ca_bundle is None  # the bundled mock: plain HTTP
    plain = {"base_url": "http://127.0.0.1:9", "api_token": "t0ken-123456"}
    assert resolve_target(plain, env).ca_bundle is None
    secure = {"base_url": "https://staging.example", "api_token": "t0ken-123456"}
    with pytest.raises(UsageError, match="SSL_CERT_FILE: cannot read the file"):
        resolve_target(secure, env)
    with pytest.raises(UsageError, match="VANCEQA_CA_BUNDLE: cannot read"):  # ours: always
        resolve_target({}, {"VANCEQA_CA_BUNDLE": "/nonexistent/ca.pem"})
