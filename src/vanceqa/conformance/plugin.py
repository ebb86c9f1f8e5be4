"""The pytest plugin (entry point `pytest11`): target options and the `vanceqa_target` fixture.

It is loaded in every pytest session of an environment where vanceqa is installed, so it
only adds options and fixtures; the mock starts only when a test asks for the target.
"""

from __future__ import annotations

import pytest

from vanceqa.target import ENV


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("vanceqa", "vanceqa conformance target (default: the bundled mock)")
    group.addoption("--base-url", default=None, help=f"server to test (env {ENV['base_url']})")
    group.addoption("--api-token", default=None, help=f"regular API token (env {ENV['api_token']})")
    group.addoption(
        "--admin-token", default=None, help=f"administrator token (env {ENV['admin_token']})"
    )
    group.addoption(
        "--hidden-id",
        dest="hidden_ids",
        action="append",
        type=int,
        default=[],
        help=f"an id hidden for administrators, repeatable (env {ENV['hidden_ids']}=1,2)",
    )
    group.addoption(
        "--destructive",
        action="store_true",
        default=False,
        help=f"allow DELETE on the ids given by --delete-id (env {ENV['destructive']}=1)",
    )
    group.addoption(
        "--delete-id",
        dest="delete_ids",
        action="append",
        type=int,
        default=[],
        help=f"an id DELETE may touch, repeatable (env {ENV['delete_ids']}=3,4)",
    )
    group.addoption("--max-rps", type=float, default=None, help="ceiling on the request rate")
