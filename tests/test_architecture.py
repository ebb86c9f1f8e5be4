"""ARCHITECTURE.md's import rules, checked on the source rather than trusted."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "vanceqa"
TEST_FRAMEWORKS = ("pytest", "_pytest", "locust", "locust_plugins", "schemathesis", "hypothesis")


def imports_of(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            if node.module == "vanceqa":  # `from vanceqa import resources`: name the module
                names.update(f"vanceqa.{alias.name}" for alias in node.names)
    return names


def modules(*parts: str) -> list[Path]:
    found: list[Path] = []
    for part in parts:
        target = SRC / part
        found += sorted(target.rglob("*.py")) if target.is_dir() else [target.with_suffix(".py")]
    return [p for p in found if p.exists()]


def top(name: str) -> str:
    return name.split(".")[0]


@pytest.mark.parametrize(
    "path",
    modules(
        "mock",
        "contract",
        "target",
        "redact",
        "errors",
        "resources",
        "workspace",
        "units",
        "paths",
        "pacing",
        "transport",
        "client",
        "preflight",
        "processes",
    ),
    ids=lambda p: str(p.relative_to(SRC)),
)
def test_shared_layers_import_no_test_framework(path: Path) -> None:
    offending = {n for n in imports_of(path) if top(n) in TEST_FRAMEWORKS}
    assert not offending, f"{path.name} imports {offending}"


def test_only_the_load_package_imports_locust() -> None:
    for path in SRC.rglob("*.py"):
        if path.is_relative_to(SRC / "load"):
            continue
        offending = {
            n for n in imports_of(path) if top(n) in ("locust", "locust_plugins", "gevent")
        }
        assert not offending, f"{path.relative_to(SRC)} imports {offending}"


def test_report_reads_files_not_live_objects() -> None:
    forbidden = ("vanceqa.mock", "vanceqa.conformance", "vanceqa.load", "pytest", "locust")
    for path in modules("report"):
        offending = {n for n in imports_of(path) if n.startswith(forbidden)}
        assert not offending, f"{path.relative_to(SRC)} imports {offending}"


def test_the_rules_see_imports() -> None:
    # The checks above prove nothing if the parser misses imports.
    assert "orjson" in imports_of(SRC / "mock" / "app.py")
    assert "vanceqa.mock.config" in imports_of(SRC / "mock" / "app.py")


BOTTOM = ("units", "paths", "errors", "redact", "pacing", "processes")


@pytest.mark.parametrize("name", BOTTOM)
def test_the_bottom_layer_imports_nothing_of_ours_but_errors(name: str) -> None:
    ours = {n for n in imports_of(SRC / f"{name}.py") if n.startswith("vanceqa")}
    assert ours <= {"vanceqa.errors"}, f"{name}.py imports {ours}"


def test_target_and_the_client_layers_stay_below_the_suites() -> None:
    upper = ("vanceqa.conformance", "vanceqa.load", "vanceqa.docs", "vanceqa.report")
    for name in ("target", "transport", "client", "preflight"):
        ours = {n for n in imports_of(SRC / f"{name}.py") if n.startswith("vanceqa")}
        assert not {n for n in ours if n.startswith((*upper, "vanceqa.mock"))}, (name, ours)
    assert {n for n in imports_of(SRC / "target.py") if n.startswith("vanceqa")} <= {
        "vanceqa.errors",
        "vanceqa.units",
        "vanceqa.paths",
        "vanceqa.processes",
        "vanceqa.option_kinds",
    }


def test_only_the_transport_builds_clients_of_the_target() -> None:
    # One client behaviour (TLS, proxy, deadline, body cap, DELETE guard): no module may
    # open its own httpx client to a target. The mock launcher's control API and the
    # readiness probe talk to servers we started ourselves.
    allowed = {SRC / "transport.py", SRC / "processes.py", SRC / "mock" / "launcher.py"}
    for path in SRC.rglob("*.py"):
        text = path.read_text()
        if path in allowed:
            continue
        for call in ("httpx.Client(", "httpx.get(", "httpx.request(", "requests.get(", "urlopen("):
            assert call not in text, f"{path.relative_to(SRC)} calls {call}"


def test_the_mock_stays_a_target_not_a_client() -> None:
    # The mock serves; only its launcher (the client side that starts it) knows targets.
    allowed = ("vanceqa.errors", "vanceqa.resources", "vanceqa.units", "vanceqa.paths",
               "vanceqa.processes", "vanceqa.mock")  # fmt: skip
    for path in modules("mock"):
        if path.name == "launcher.py":
            continue
        ours = {n for n in imports_of(path) if n.startswith("vanceqa.")}
        assert all(n.startswith(allowed) for n in ours), (path.name, ours)
