"""Target options and their environment-variable twins."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import pytest

from vanceqa.errors import UsageError
from vanceqa.target import TargetConfig, add_target_arguments, target_from_args


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_target_arguments(parser)
    return parser.parse_args(argv)


def test_no_options_means_the_bundled_mock(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("VANCEQA_BASE_URL", "VANCEQA_API_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    config = target_from_args(parse([]))
    assert config.starts_mock
    assert not config.may_delete


def test_options_win_over_environment() -> None:
    env = {"VANCEQA_BASE_URL": "http://env:1", "VANCEQA_API_TOKEN": "env-token"}
    config = TargetConfig.from_sources(
        vars(parse(["--base-url", "http://opt:2/", "--api-token", "opt-token"])), env
    )
    assert config.base_url == "http://opt:2"
    assert config.api_token == "opt-token"


def test_environment_twins() -> None:
    env = {
        "VANCEQA_BASE_URL": "https://staging.example",
        "VANCEQA_API_TOKEN": "t1",
        "VANCEQA_ADMIN_TOKEN": "t2",
        "VANCEQA_HIDDEN_IDS": "7, 8",
        "VANCEQA_DESTRUCTIVE": "1",
        "VANCEQA_DELETE_IDS": "3,4,3",
        "VANCEQA_MAX_RPS": "20",
    }
    config = TargetConfig.from_sources(vars(parse([])), env)
    assert config == TargetConfig(
        base_url="https://staging.example",
        api_token="t1",
        admin_token="t2",
        hidden_ids=(7, 8),
        destructive=True,
        delete_ids=(3, 4),
        max_rps=20.0,
    )
    assert config.may_delete
    assert config.secrets == ("t1", "t2")


def test_destructive_needs_ids_to_delete() -> None:
    config = TargetConfig.from_sources(vars(parse(["--destructive"])), {})
    assert config.destructive
    assert not config.may_delete


@pytest.mark.parametrize(
    ("argv", "env", "message"),
    [
        (["--base-url", "ftp://x"], {}, "base URL must look like"),
        (["--base-url", "http://x?y=1", "--api-token", "t"], {}, "query or fragment"),
        (["--base-url", "http://x"], {}, "needs an API token"),
        ([], {"VANCEQA_HIDDEN_IDS": "seven"}, "VANCEQA_HIDDEN_IDS must be integers"),
        ([], {"VANCEQA_DESTRUCTIVE": "perhaps"}, "VANCEQA_DESTRUCTIVE must be 1 or 0"),
        (["--max-rps", "0"], {}, "--max-rps must be a positive, finite number"),
        ([], {"VANCEQA_MAX_RPS": "fast"}, "VANCEQA_MAX_RPS must be a number"),
    ],
)
def test_bad_values_are_usage_errors(argv: list[str], env: dict[str, str], message: str) -> None:
    with pytest.raises(UsageError, match=message):
        TargetConfig.from_sources(vars(parse(argv)), env)


ENTRY_POINTS = {
    "check": ["-m", "vanceqa", "check"],
    "run": ["-m", "vanceqa", "run"],
    "load": ["-m", "vanceqa", "load", "-t", "2s"],
    "docs examples": ["-m", "vanceqa", "docs", "examples"],
    "pytest": ["-m", "pytest", "-p", "no:cacheprovider", "-q", "CONFORMANCE"],
    "locust": ["-m", "locust", "-f", "LOCUSTFILE", "--headless", "-t", "2s"],
}


@pytest.mark.parametrize("entry", sorted(ENTRY_POINTS))
@pytest.mark.parametrize(
    ("options", "env", "message"),
    [
        (["--max-rps", "nan"], {}, "--max-rps must be a positive, finite number"),
        (["--max-rps", "inf"], {}, "--max-rps must be a positive, finite number"),
        ([], {"VANCEQA_MAX_RPS": "nan"}, "VANCEQA_MAX_RPS must be a positive, finite number"),
        (["--hidden-id", "-1"], {}, "--hidden-id must be positive integers"),
    ],
    ids=["nan", "inf", "env-nan", "negative-id"],
)
def test_every_entry_point_refuses_a_bad_target_option_before_starting(
    entry: str, options: list[str], env: dict[str, str], message: str, tmp_path: Path
) -> None:
    """One parse for every entry point (issue 9.4): the same refusal, a usage error (exit 2;
    plain pytest's own code for one is 4), nothing run."""
    from vanceqa.resources import conformance_dir, loadtests_dir

    argv = [
        str(conformance_dir()) if a == "CONFORMANCE" else
        str(loadtests_dir() / "locustfile.py") if a == "LOCUSTFILE" else a
        for a in ENTRY_POINTS[entry]
    ]  # fmt: skip
    clean = {k: v for k, v in os.environ.items() if not k.startswith("VANCEQA_")} | env
    done = subprocess.run(
        [sys.executable, *argv, *options], capture_output=True, text=True, timeout=300,
        cwd=tmp_path, env=clean,
    )  # fmt: skip
    usage_error = pytest.ExitCode.USAGE_ERROR if entry == "pytest" else 2
    assert done.returncode == usage_error, done.stdout[-2000:] + done.stderr[-2000:]
    assert message in done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "reports" / "conformance.json").exists()


def _every_option_set(tmp_path: Path) -> TargetConfig:
    """A target with every option away from its default, odd values included."""
    from vanceqa.target import OPTIONS

    pem = tmp_path / "ca.pem"
    pem.write_text("not read here")
    values = {
        "base_url": "https://gw.example/vance/v1",
        "api_token": "tok-1",
        "admin_token": "tok-2",
        "hidden_ids": (7, 8),
        "destructive": True,
        "delete_ids": (3,),
        "max_rps": 0.125,
        "concurrency": 3,
        "request_timeout_s": 1.08e6,  # 300 h: written back without an exponent
        "max_body": 12345,
        "ca_bundle": str(pem),
        "client_cert": str(pem),
        "client_key": str(pem),
        "insecure": True,
        "proxy": "http://proxy.example:3128",
        "headers": (("X-Gateway-Key", "k, with a comma"), ("Host", "api.internal")),
        "secret_headers": ("x-tenant",),
        "time_limit_s": 1e-05,  # 10 us
        "strict": True,
    }
    assert set(values) == {o.name for o in OPTIONS}, "give the new option a value here"
    return TargetConfig(**values)  # type: ignore[arg-type]


def test_every_option_travels_to_a_child_and_back(tmp_path: Path) -> None:
    """to_env, to_argv and option_values each give back the same target, for every option."""
    from vanceqa.target import OPTIONS

    target = _every_option_set(tmp_path)
    assert TargetConfig.from_env(target.to_env()) == target
    assert TargetConfig.from_sources(target.option_values(), {}) == target
    parser = argparse.ArgumentParser()
    add_target_arguments(parser)
    argv = target.to_argv(secrets=True)
    assert TargetConfig.from_sources(vars(parser.parse_args(argv)), {}) == target
    # Without secrets, no secret travels on a command line.
    public = target.to_argv()
    assert not {"tok-1", "tok-2", "X-Gateway-Key: k, with a comma"} & set(public)
    assert {o.flag for o in OPTIONS if not o.secret and o.kind != "headers"} <= set(public)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--request-timeout", "99999999999h"], r"is too long \(at most a year\)"),
        (["--time-limit", "9" * 400], r"is too long \(at most a year\)"),
        (["--max-rps", "1e-300"], "must be at least 0.001 requests per second"),
        (["--max-body", "99999TB"], "must be a size"),
        (["--max-body", "2000G"], "must be at most 1 TiB"),
        (["--concurrency", "0"], "must be at least 1"),
    ],
)
def test_extreme_values_are_refused_not_crashed_on(argv: list[str], message: str) -> None:
    with pytest.raises(UsageError, match=message):
        TargetConfig.from_sources(vars(parse(argv)), {})
