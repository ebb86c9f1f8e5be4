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
    modules("mock", "contract", "target", "redact", "errors", "resources"),
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
