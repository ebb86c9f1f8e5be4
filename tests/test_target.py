"""Target options and their environment-variable twins."""

from __future__ import annotations

import argparse

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
