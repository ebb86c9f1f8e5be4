"""Where the contract, the data, the suites and the SLOs come from: the user's workspace
first, then a source checkout of vanceqa, then the copies the wheel carries.

The workspace is the current directory, or `--project DIR` / `VANCEQA_PROJECT`. A file
there wins over ours one file at a time (`fixtures/kittens.json` alone replaces the data
and keeps our contract); the suites are a folder: a `conformance/` holding tests runs
instead of ours (`vanceqa init` copies ours there to be added to). Every run records
which file it used and where it came from (`sources_record`), so an edit that had no
effect is visible in the report instead of a mystery.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from vanceqa.errors import UsageError

PROJECT_ENV = "VANCEQA_PROJECT"
_PACKAGE = Path(__file__).resolve().parent
_BUNDLED = _PACKAGE / "_bundled"
# src/vanceqa -> the repository root, when vanceqa runs from a source checkout.
_CHECKOUT = _PACKAGE.parent.parent if _PACKAGE.parent.name == "src" else None

# What each kind of source is, inside its folder (None: the folder itself).
KINDS: dict[str, tuple[str, str | None]] = {
    "contract": ("fixtures", "openapi.yaml"),
    "data": ("fixtures", "kittens.json"),
    "docs": ("fixtures", "docs/index.html.md"),
    "docs_baseline": ("fixtures", "docs-baseline.json"),
    "suites": ("conformance", None),
    "locustfile": ("loadtests", "locustfile.py"),
    "slo": ("loadtests", "slo.toml"),
}
FOLDERS = ("fixtures", "conformance", "loadtests")


@dataclass(frozen=True)
class Source:
    """A file (or folder) a run uses, and where it came from."""

    path: Path
    origin: str  # project | checkout | bundled | given (an option named it)

    def as_json(self) -> dict[str, str]:
        return {"path": str(self.path), "origin": self.origin}

    def shown(self) -> str:
        """The path relative to the current directory when under it, else absolute."""
        try:
            return str(self.path.relative_to(Path.cwd()))
        except ValueError:
            return str(self.path)


def project_dir() -> Path:
    """The user's workspace: `VANCEQA_PROJECT` (set by --project) or the current directory."""
    given = os.environ.get(PROJECT_ENV)
    if not given:
        return Path.cwd().resolve()
    path = Path(given).expanduser().resolve()
    if not path.is_dir():
        raise UsageError(f"{PROJECT_ENV}: {given!r} is not a folder")
    return path


def use_project(directory: str | Path) -> Path:
    """Make `directory` the workspace of this process and of every child it starts."""
    path = Path(directory).expanduser().resolve()
    if not path.is_dir():
        raise UsageError(f"--project: {str(directory)!r} is not a folder")
    os.environ[PROJECT_ENV] = str(path)
    return path


def _bases() -> list[tuple[str, Path]]:
    bases = [("project", project_dir())]
    if _CHECKOUT is not None and (_CHECKOUT / "pyproject.toml").is_file():
        bases.append(("checkout", _CHECKOUT))
    bases.append(("bundled", _BUNDLED))
    return bases


def _holds_suites(folder: Path) -> bool:
    return folder.is_dir() and any(folder.glob("test_*.py"))


def locate(kind: str) -> Source:
    """The file of `kind` (a key of KINDS) this run uses: the workspace's, else ours."""
    folder, name = KINDS[kind]
    looked = []
    for origin, base in _bases():
        candidate = base / folder / name if name else base / folder
        looked.append(str(candidate))
        found = _holds_suites(candidate) if name is None else candidate.is_file()
        if found:
            return Source(candidate, origin)
    raise FileNotFoundError(f"vanceqa cannot find its {kind} (looked at {', '.join(looked)})")


def origin_of(path: str | Path) -> Source:
    """A path named by an option or a command, with where it lies (project, ours, given)."""
    resolved = Path(path).expanduser().resolve()
    for origin, base in _bases():
        if resolved.is_relative_to(base.resolve()):
            return Source(resolved, origin)
    return Source(resolved, "given")


def sources_record(
    kinds: Iterable[str], given: Mapping[str, str | Path | None] | None = None
) -> dict[str, dict[str, str]]:
    """{kind: {path, origin}} for the result files: `given` paths win over the defaults."""
    record: dict[str, dict[str, str]] = {}
    for kind in kinds:
        named = (given or {}).get(kind)
        try:
            source = origin_of(named) if named else locate(kind)
        except FileNotFoundError:
            continue
        record[kind] = source.as_json()
    return record


def sources_text(record: Mapping[str, Mapping[str, str]]) -> str:
    """One line for a console: 'contract fixtures/openapi.yaml (project), ...'."""
    parts = []
    for kind, source in record.items():
        shown = Source(Path(source["path"]), source["origin"]).shown()
        parts.append(f"{kind.replace('_', ' ')} {shown} ({source['origin']})")
    return ", ".join(parts)


def fixtures_dir() -> Path:
    """The folder holding the contract (openapi.yaml)."""
    return locate("contract").path.parent


def conformance_dir() -> Path:
    """The pytest suites users run: the workspace's conformance/ when it holds tests."""
    return locate("suites").path


def suite_file(name: str) -> Path:
    """A settings file of the suites (pytest.ini, schemathesis.toml): the suites' own,
    else ours (a workspace's conformance/ may hold only tests)."""
    own = conformance_dir() / name
    if own.is_file():
        return own
    for _, base in _bases()[1:]:
        candidate = base / "conformance" / name
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"vanceqa cannot find conformance/{name}")


def loadtests_dir() -> Path:
    """The folder of the default locustfile."""
    return locate("locustfile").path.parent


def openapi_path() -> Path:
    return locate("contract").path


def seed_data_path() -> Path:
    return locate("data").path


def docs_page_path() -> Path:
    return locate("docs").path


def slo_path() -> Path:
    return locate("slo").path


def locustfile_path() -> Path:
    return locate("locustfile").path


def bundled_folder(name: str) -> Path:
    """Our own copy of `name` (fixtures, conformance, loadtests), for `vanceqa init`."""
    for _, base in _bases()[1:]:
        if (base / name).is_dir():
            return base / name
    raise FileNotFoundError(f"vanceqa cannot find its own {name}/ folder")


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
