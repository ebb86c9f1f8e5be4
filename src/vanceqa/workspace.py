"""A project's own defaults for the target options: `vanceqa.toml`, or `[tool.vanceqa]`
in its `pyproject.toml`, in the workspace (`resources.project_dir()`).

Keys are the option names of `vanceqa.target.OPTIONS` (`base_url`, `hidden_ids`,
`max_rps`, `request_timeout`, `ca_bundle`, `headers`...). Precedence, for every entry
point: an option on the command line, then its `VANCEQA_*` variable, then this file,
then the built-in default. Tokens and secret header values are refused here: a file kept
with the code is no place for them (the CI's secret store is).
"""

from __future__ import annotations

import argparse
import tomllib
from collections.abc import Mapping
from pathlib import Path

from vanceqa import resources
from vanceqa.errors import UsageError
from vanceqa.option_kinds import KINDS, PATH_KINDS, parse_headers
from vanceqa.target import BY_NAME, OPTIONS, Option, TargetConfig

SETTINGS_FILE = "vanceqa.toml"


def setting_key(option: Option) -> str:
    """The key of an option in the settings file: its name, without a unit suffix."""
    return option.name.removesuffix("_s")


_BY_KEY: dict[str, Option] = {setting_key(o): o for o in OPTIONS} | dict(BY_NAME)


def _read(path: Path) -> dict[str, object]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path} is not valid TOML: {exc}") from None


def settings(project: Path | None = None) -> tuple[Path, Mapping[str, object]] | None:
    """(the file, its vanceqa table) of the workspace, or None when it has neither."""
    folder = project or resources.project_dir()
    own = folder / SETTINGS_FILE
    if own.is_file():
        return own, _read(own)
    pyproject = folder / "pyproject.toml"
    if pyproject.is_file():
        tool = _read(pyproject).get("tool")
        table = tool.get("vanceqa") if isinstance(tool, dict) else None
        if isinstance(table, dict):
            return pyproject, table
    return None


def target_defaults(project: Path | None = None) -> dict[str, object]:
    """The workspace's defaults for `TargetConfig.from_sources(..., defaults=...)`."""
    found = settings(project)
    if found is None:
        return {}
    path, table = found
    where = f"{path}" + (" [tool.vanceqa]" if path.name == "pyproject.toml" else "")
    values: dict[str, object] = {}
    for key, value in table.items():
        option = _BY_KEY.get(key.replace("-", "_"))
        if option is None:
            known = ", ".join(setting_key(o) for o in OPTIONS if not o.secret)
            raise UsageError(f"{where}: unknown setting {key!r} (known: {known})")
        if option.secret:
            raise UsageError(
                f"{where}: {key} is a secret and does not belong in a file kept with the code; "
                f"set {option.env} from your CI's secret store instead"
            )
        if option.kind in PATH_KINDS and isinstance(value, str):
            value = str((path.parent / Path(value).expanduser()).resolve())
        values[option.name] = value
    _refuse_secret_headers(values, where)
    return values


def _refuse_secret_headers(values: Mapping[str, object], where: str) -> None:
    headers = values.get("headers")
    if not headers:
        return
    parsed = parse_headers(headers, f"{where}: headers")
    marked = KINDS["names"].parse(values.get("secret_headers") or [], f"{where}: secret_headers")
    secret = TargetConfig(headers=parsed, secret_headers=marked).secret_header_names
    if secret:
        names = ", ".join(sorted(secret))
        raise UsageError(
            f"{where}: the header {names} carries a secret and does not belong in a file kept "
            "with the code; give it in VANCEQA_HEADERS from your CI's secret store instead"
        )


def resolve_target(
    options: Mapping[str, object], environ: Mapping[str, str] | None = None
) -> TargetConfig:
    """The target from options, then `VANCEQA_*` variables, then the workspace's file."""
    return TargetConfig.from_sources(options, environ, target_defaults())


def target_from_args(args: argparse.Namespace) -> TargetConfig:
    """`resolve_target` for a command's parsed arguments."""
    return resolve_target(vars(args))
