"""`vanceqa init [DIR]`: write a workspace a team keeps in its own repository.

It copies our suites (`conformance/`), load tests and SLOs (`loadtests/`) and the
contract, data and docs (`fixtures/`), and adds settings for the target options: a
`[tool.vanceqa]` table in an existing `pyproject.toml`, else a `vanceqa.toml`. Every
vanceqa command run in DIR (or with `--project DIR`) then uses these copies instead of
the bundled ones. A file already there is kept, never overwritten.
"""

from __future__ import annotations

import argparse
import shutil
import tomllib
from pathlib import Path

from vanceqa import resources
from vanceqa.errors import UsageError
from vanceqa.target import OPTIONS, Option
from vanceqa.workspace import SETTINGS_FILE, setting_key, settings

# An example value per kind of option, for the commented settings.
_EXAMPLES = {
    "url": '"https://staging.example.com/vance/v1"',
    "ids": "[7, 8]",
    "switch": "false",
    "rate": "20",
    "count": "8",
    "duration": '"10s"',
    "size": '"8MiB"',
    "file": '"certs/client.pem"',
    "ca": '"certs/company-ca.pem"',
    "proxy": '"http://proxy.example.com:3128"',
    "headers": '["X-Environment: staging"]',
    "names": '["X-Tenant"]',
    "text": '"..."',
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "directory",
        nargs="?",
        metavar="DIR",
        help="the folder to write into (default: the workspace, i.e. the current directory)",
    )


def settings_lines() -> list[str]:
    """The commented settings, one per option that may live in a file (no secrets)."""
    lines = [
        "# Defaults for every vanceqa command run in this folder. An option on the command",
        "# line wins over its VANCEQA_* variable, which wins over this file. Tokens and",
        "# secret headers do not belong here: set VANCEQA_API_TOKEN, VANCEQA_ADMIN_TOKEN and",
        "# VANCEQA_HEADERS from your CI's secret store. Paths are relative to this file.",
    ]
    for option in OPTIONS:
        if not option.secret:
            lines.append(f"# {_setting_line(option)}")
    return lines


_EXAMPLE_OF = {
    "client_cert": '"certs/vanceqa-client.pem"',
    "client_key": '"certs/vanceqa-client.key"',
    "delete_ids": "[]",
    "time_limit_s": '"20m"',
}


def _setting_line(option: Option) -> str:
    example = _EXAMPLE_OF.get(option.name, _EXAMPLES[option.kind])
    return f"{setting_key(option)} = {example}    # {option.help}"


def _copy_folder(source: Path, destination: Path, written: list[Path], kept: list[Path]) -> None:
    for path in sorted(source.rglob("*")):
        relative = path.relative_to(source)
        if any(part == "__pycache__" or part.startswith(".") for part in relative.parts):
            continue
        if path.is_dir() or path.suffix == ".pyc":
            continue
        target = destination / relative
        if target.exists():
            kept.append(target)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
        written.append(target)


def _write_settings(folder: Path, written: list[Path], kept: list[Path]) -> Path:
    found = settings(folder)
    if found is not None:
        kept.append(found[0])
        return found[0]
    pyproject = folder / "pyproject.toml"
    body = "\n".join(settings_lines()) + "\n"
    if pyproject.is_file():
        original = pyproject.read_text(encoding="utf-8")
        updated = original.rstrip("\n") + "\n\n[tool.vanceqa]\n" + body
        try:
            tomllib.loads(updated)
        except tomllib.TOMLDecodeError as exc:
            raise UsageError(
                f"cannot add [tool.vanceqa] to {pyproject} ({exc}); write a {SETTINGS_FILE} "
                "beside it instead"
            ) from None
        pyproject.write_text(updated, encoding="utf-8")
        written.append(pyproject)
        return pyproject
    path = folder / SETTINGS_FILE
    path.write_text(body, encoding="utf-8")
    written.append(path)
    return path


def run(args: argparse.Namespace) -> int:
    folder = Path(args.directory) if args.directory else resources.project_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot create {folder}: {exc.strerror or exc}") from None
    if not folder.is_dir():
        raise UsageError(f"{folder} is not a folder")
    written: list[Path] = []
    kept: list[Path] = []
    try:
        for name in resources.FOLDERS:
            _copy_folder(resources.bundled_folder(name), folder / name, written, kept)
        settings_path = _write_settings(folder, written, kept)
    except OSError as exc:
        raise UsageError(f"cannot write the workspace in {folder}: {exc}") from None
    for path in written:
        print(f"  wrote {path}")
    if kept:
        print(f"  kept {len(kept)} file(s) already there (nothing is overwritten)")
    where = "" if folder.resolve() == Path.cwd().resolve() else f"cd {folder} && "
    print(
        f"vanceqa init: workspace ready in {folder}. Edit conformance/, loadtests/slo.toml, "
        f"fixtures/ and {settings_path.name}, then run `{where}vanceqa run` "
        "(add reports/ to .gitignore; see docs/ci.md for a CI job)"
    )
    return 0
