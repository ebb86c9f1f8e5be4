"""Slate front matter: the YAML block between `---` lines, and the includes it names.

Slate (middleman) renders `includes: [errors]` as the partial `includes/_errors.md`
next to the page, in the order listed; a name with folders (`v2/errors`) becomes
`includes/v2/_errors.md`. Like middleman, the partial may also be an ERB template
(`_errors.md.erb`), and a file may call further partials by path
(`<%= partial "includes/v2/errors" %>`, looked up next to the calling file, then
from the page's folder).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from vanceqa.docs.model import FrontMatterIssue, Include, Source

JSON = Any


@dataclass
class FrontMatter:
    data: dict[str, JSON]
    body: str  # the page with the front matter lines blanked, so line numbers hold
    includes: list[tuple[str, int]] = field(default_factory=list)  # (name, 1-based line)
    problems: list[FrontMatterIssue] = field(default_factory=list)


def split_front_matter(text: str, file: str) -> FrontMatter:
    """Read the front matter of a page; a broken one is a problem, not a crash."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        return FrontMatter({}, text)
    end = next((i for i in range(1, len(lines)) if lines[i].strip() in ("---", "...")), None)
    if end is None:
        issue = FrontMatterIssue("front matter opened with --- is never closed", Source(file, 1))
        return FrontMatter({}, text, problems=[issue])
    yaml_text = "".join(lines[1:end])
    # Keep every line (blank) so markdown-it's line maps are the file's line numbers.
    body = "\n" * (end + 1) + "".join(lines[end + 1 :])
    try:
        node = yaml.compose(yaml_text)
        data = yaml.safe_load(yaml_text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = 2 + (mark.line if mark is not None else 0)
        issue = FrontMatterIssue(f"front matter is not valid YAML: {exc}", Source(file, line))
        return FrontMatter({}, body, problems=[issue])
    if data is None:
        data = {}
    if not isinstance(data, dict):
        issue = FrontMatterIssue("front matter is not a mapping", Source(file, 2))
        return FrontMatter({}, body, problems=[issue])
    fm = FrontMatter(data, body)
    fm.includes = _include_lines(node, fm, file)
    return fm


def _include_lines(node: yaml.Node | None, fm: FrontMatter, file: str) -> list[tuple[str, int]]:
    if not isinstance(node, yaml.MappingNode):
        return []
    for key, value in node.value:
        if not (isinstance(key, yaml.ScalarNode) and key.value == "includes"):
            continue
        if isinstance(value, yaml.ScalarNode) and value.value in ("", "~", "null"):
            return []
        if not isinstance(value, yaml.SequenceNode):
            fm.problems.append(
                FrontMatterIssue("includes: must be a list", Source(file, 2 + key.start_mark.line))
            )
            return []
        found: list[tuple[str, int]] = []
        for item in value.value:
            line = 2 + item.start_mark.line  # +1 for 1-based, +1 for the opening ---
            if isinstance(item, yaml.ScalarNode) and item.value.strip():
                found.append((item.value.strip(), line))
            else:
                fm.problems.append(
                    FrontMatterIssue("an include must be a file name", Source(file, line))
                )
        return found
    return []


# Template extensions middleman tries for a partial, Markdown first.
PARTIAL_SUFFIXES = (".md", ".md.erb", ".html.md", ".html.md.erb", ".markdown", ".erb")


def include_path(name: str) -> str:
    """The file Slate reads for an include name, relative to the page's folder."""
    parts = PurePosixPath(name)
    return str(PurePosixPath("includes") / parts.parent / f"_{parts.name}.md")


def find_partial(root: Path, name: str, caller_dir: str = "") -> str | None:
    """The file a partial name renders (`includes/x` -> `includes/_x.md.erb`), or None.

    Relative to the page's folder; looked up next to the calling file first.
    """
    parts = PurePosixPath(name.strip())
    for base in dict.fromkeys([caller_dir, ""]):
        folder = PurePosixPath(base) / parts.parent
        for stem in (f"_{parts.name}", parts.name):
            for suffix in PARTIAL_SUFFIXES:
                candidate = folder / f"{stem}{suffix}"
                if (root / candidate).is_file():
                    return str(candidate)
    return None


def read_text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return None


def resolve_includes(
    root: Path, names: list[tuple[str, int]], page_file: str
) -> list[tuple[Include, str | None]]:
    """Each include with its text, or None when the file is missing."""
    resolved: list[tuple[Include, str | None]] = []
    for name, line in names:
        found = find_partial(root, str(PurePosixPath("includes") / name))
        rel = found or include_path(name)
        text = read_text(root / rel) if found else None
        include = Include(name, rel, text is not None, Source(page_file, line))
        resolved.append((include, text))
    return resolved


def language_tabs(data: dict[str, JSON]) -> tuple[str, ...]:
    """`language_tabs` entries: a name, or a {name: label} mapping."""
    tabs = data.get("language_tabs") or []
    names: list[str] = []
    if isinstance(tabs, list):
        for tab in tabs:
            if isinstance(tab, str):
                names.append(tab)
            elif isinstance(tab, dict):
                names.extend(str(k) for k in tab)
    return tuple(names)
