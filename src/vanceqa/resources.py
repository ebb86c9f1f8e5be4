"""Where the contract, the data and the suites live, in a checkout or in a wheel."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from vanceqa.errors import UsageError

_PACKAGE = Path(__file__).resolve().parent
_CHECKOUT = _PACKAGE.parent.parent  # src/vanceqa -> repository root
_BUNDLED = _PACKAGE / "_bundled"


def _locate(name: str) -> Path:
    # A checkout (editable install, tests) wins over the copy a wheel carries, so an
    # edit to fixtures/ is seen at once.
    for base in (_CHECKOUT, _BUNDLED):
        candidate = base / name
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"vanceqa cannot find its {name}/ folder (looked in {_CHECKOUT})")


@cache
def fixtures_dir() -> Path:
    """The folder holding openapi.yaml, kittens.json and docs/."""
    return _locate("fixtures")


@cache
def conformance_dir() -> Path:
    """The pytest suites users run."""
    return _locate("conformance")


@cache
def loadtests_dir() -> Path:
    """The locustfiles and SLO files."""
    return _locate("loadtests")


def openapi_path() -> Path:
    return fixtures_dir() / "openapi.yaml"


def seed_data_path() -> Path:
    return fixtures_dir() / "kittens.json"


def docs_page_path() -> Path:
    return fixtures_dir() / "docs" / "index.html.md"


def ensure_report_dir(path: Path | str) -> Path:
    """Create the report folder before any work starts, or say clearly why it cannot be.

    Every command checks it first: a run that measured for minutes must not find out at
    the end that its results have nowhere to go.
    """
    folder = Path(path)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot create the report directory {folder}: {exc}") from None
    return folder
