"""README's table of target options is generated from `vanceqa.target.OPTIONS`, the one
place they are declared, and must stay in sync with it.

Rewrite it after changing an option: `python -m tests.reach.test_readme`.
"""

from __future__ import annotations

import re
from pathlib import Path

from vanceqa.option_kinds import KINDS
from vanceqa.target import OPTIONS, Option
from vanceqa.workspace import setting_key

README = Path(__file__).resolve().parents[2] / "README.md"
START = (
    "<!-- target options: generated from vanceqa.target.OPTIONS (tests/reach/test_readme.py) -->"
)
END = "<!-- end of target options -->"
_METAVAR = {"url": "URL", "text": "TOKEN", "ids": "ID", "rate": "N", "count": "N",
            "duration": "DURATION", "size": "SIZE", "file": "FILE", "ca": "PATH", "proxy": "URL",
            "headers": "'NAME: VALUE'", "names": "NAME"}  # fmt: skip
_ENV_EXAMPLE = {"ids": "=7,8", "names": "=X-Tenant", "headers": " (one per line)", "switch": "=1"}


def _row(option: Option) -> str:
    kind = KINDS[option.kind]
    flag = option.flag if option.kind == "switch" else f"{option.flag} {_METAVAR[option.kind]}"
    cell = f"`{flag}`"
    if option.pytest_flag:
        cell += f" (pytest: `{option.pytest_flag}`)"
    if kind.repeatable:
        cell += ", repeatable"
    example = _ENV_EXAMPLE.get(option.kind, "")
    inside, outside = (example, "") if example.startswith("=") else ("", example)
    variable = f"`{option.env}{inside}`{outside}"
    if option.fallback_env:
        variable += ", or " + ", ".join(f"`{name}`" for name in option.fallback_env)
    file = "—" if option.secret else f"`{setting_key(option)}`"
    return f"| {cell} | {variable} | {file} | {option.help} |"


def options_table() -> str:
    rows = [
        "| option | variable | in `vanceqa.toml` | meaning |",
        "|---|---|---|---|",
        *(_row(option) for option in OPTIONS),
    ]
    return "\n".join([START, *rows, END])


def _current() -> str:
    text = README.read_text(encoding="utf-8")
    match = re.search(re.escape(START) + r".*?" + re.escape(END), text, re.S)
    assert match, "README.md lost the markers of the generated options table"
    return match.group(0)


def test_readme_lists_every_target_option_as_declared() -> None:
    assert _current() == options_table(), "run: python -m tests.reach.test_readme"


def test_every_option_is_in_the_table() -> None:
    table = _current()
    for option in OPTIONS:
        assert f"`{option.flag}" in table
        assert option.env in table


if __name__ == "__main__":
    text = README.read_text(encoding="utf-8")
    README.write_text(text.replace(_current(), options_table()), encoding="utf-8")
    print(f"rewrote the options table in {README}")
