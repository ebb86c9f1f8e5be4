"""docs/ci.md's jobs are real: the YAML parses, the commands parse with vanceqa's own
options, every VANCEQA_* variable exists, secrets come from the CI's store, and
`reports/` is archived whatever the outcome."""

from __future__ import annotations

import argparse
import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml

from vanceqa import resources
from vanceqa.report import run_command
from vanceqa.target import BUNDLED_MOCK_ENV, ENV
from vanceqa.workspace import target_defaults

DOC = Path(__file__).resolve().parents[2] / "docs" / "ci.md"
TEXT = DOC.read_text(encoding="utf-8")


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", TEXT, re.S)


def github() -> dict[str, Any]:
    return next(d for d in map(yaml.safe_load, blocks("yaml")) if "jobs" in d)


def gitlab() -> dict[str, Any]:
    return next(d for d in map(yaml.safe_load, blocks("yaml")) if "vanceqa" in d)


def run_commands(lines: list[str]) -> list[str]:
    return [line for line in lines if line.startswith("vanceqa run")]


def test_every_variable_named_exists() -> None:
    known = {*ENV.values(), resources.PROJECT_ENV, BUNDLED_MOCK_ENV, "VANCEQA_SLO"}
    named = set(re.findall(r"\bVANCEQA_[A-Z_]+\b", TEXT))
    assert named
    assert named <= known, named - known


def test_vanceqa_run_commands_parse() -> None:
    steps = github()["jobs"]["vanceqa"]["steps"]
    commands = run_commands([str(step.get("run", "")) for step in steps])
    commands += run_commands(gitlab()["vanceqa"]["script"])
    assert len(commands) == 2
    for command in commands:
        parser = argparse.ArgumentParser()
        run_command.add_arguments(parser)
        parser.parse_args(shlex.split(command)[2:])  # exits (a failure) on a wrong option


def test_github_takes_secrets_from_the_store_and_archives_reports() -> None:
    steps = github()["jobs"]["vanceqa"]["steps"]
    run_step = next(s for s in steps if str(s.get("run", "")).startswith("vanceqa run"))
    assert run_step["env"]["VANCEQA_API_TOKEN"] == "${{ secrets.VANCEQA_API_TOKEN }}"
    for value in run_step["env"].values():
        assert value.startswith(("${{ secrets.", "${{ vars.")), value
    upload = next(s for s in steps if str(s.get("uses", "")).startswith("actions/upload-artifact"))
    assert upload["if"] == "always()"
    assert upload["with"]["path"] == "reports/"


def test_gitlab_archives_reports_whatever_the_outcome() -> None:
    job = gitlab()["vanceqa"]
    assert job["artifacts"]["when"] == "always"
    assert "reports/" in job["artifacts"]["paths"]
    assert "VANCEQA_API_TOKEN" not in str(job.get("variables", {}))  # from the store only


def test_the_settings_example_is_accepted(tmp_path: Path) -> None:
    (tmp_path / "vanceqa.toml").write_text(blocks("toml")[0])
    values = target_defaults(tmp_path)
    assert values["base_url"] == "https://staging.example.com/vance/v1"
    assert values["ca_bundle"] == str(tmp_path / "certs" / "company-ca.pem")


@pytest.mark.parametrize("secret", ["api_token = 'x'", "admin_token = 'x'"])
def test_what_the_doc_says_is_refused_is_refused(tmp_path: Path, secret: str) -> None:
    from vanceqa.errors import UsageError

    (tmp_path / "vanceqa.toml").write_text(secret + "\n")
    with pytest.raises(UsageError, match="secret"):
        target_defaults(tmp_path)
