"""Broken curl examples: what a shell would do with them, and the command a reader sees.

Docs often break a curl command in ways a reader does not notice: a continuation line
without its `\\`, a space after the `\\`, `curl'https://...'` without a space, a quote
never closed. A shell runs such a block differently from what it shows. `mend()` says
what is broken (each problem with its line) and returns the text a reader means, with
the same lines, so the endpoint, method and URL can still be read from it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_CURL_START = re.compile(r"(?:^|[\s;|&$(])curl(?=\s|$)")
_CURL_GLUED = re.compile(r"(?:^|(?<=[\s;|&$(]))curl(['\"])")
_CONTINUES = re.compile(r"^\s*(?:-{1,2}[A-Za-z]|['\"]?https?://)")
_TRAILING_SPACE_AFTER_BACKSLASH = re.compile(r"\\[ \t]+$")


@dataclass(frozen=True)
class CurlProblem:
    """One way a curl example is broken; `line` is 1-based within the code block."""

    line: int
    kind: str  # glued | backslash-space | no-continuation | unclosed-quote | no-url | ...
    message: str


def mend(code: str) -> tuple[str, list[CurlProblem]]:
    """The code as a reader means it (same number of lines), and what a shell would trip on."""
    lines = code.split("\n")
    problems: list[CurlProblem] = []
    in_command = False
    quote: str | None = None
    opened_at = 0
    orphans: list[tuple[int, str]] = []  # lines continuing a command, the `\` above missing
    for index, raw in enumerate(lines):
        line = raw.rstrip("\r")
        if quote is None and not in_command:
            if line.lstrip().startswith("#"):
                continue
            glued = _CURL_GLUED.search(line)
            if glued:
                word = line[glued.start(1) :].split()[0]
                shown = word if len(word) <= 40 else word[:37] + "..."
                problems.append(
                    CurlProblem(
                        index + 1,
                        "glued",
                        f"no space between `curl` and {shown}: a shell looks for a command "
                        "named `curl` followed by that word, not for curl",
                    )
                )
                line = line[: glued.start(1)] + " " + line[glued.start(1) :]
                lines[index] = line
            in_command = bool(_CURL_START.search(line))
            if not in_command:
                continue
        was_open = quote
        quote = _open_quote(line, quote)
        if quote is not None:
            if was_open is None:
                opened_at = index + 1
            continue  # a string running over lines: the newline is part of it
        if line.endswith("\\"):
            continue
        if _TRAILING_SPACE_AFTER_BACKSLASH.search(line):
            problems.append(
                CurlProblem(
                    index + 1,
                    "backslash-space",
                    f"line {index + 1} ends with `\\` and a space: the backslash escapes the "
                    "space, so the command ends there and the next line runs on its own",
                )
            )
            lines[index] = line.rstrip(" \t")
            continue
        following = lines[index + 1] if index + 1 < len(lines) else ""
        if _CONTINUES.match(following):
            orphans.append((index + 2, following.strip()))
            lines[index] = line + " \\"
            continue
        _report_orphans(orphans, problems)
        in_command = False
    _report_orphans(orphans, problems)
    mended = "\n".join(lines)
    if quote is not None:
        problems.append(
            CurlProblem(
                opened_at,
                "unclosed-quote",
                f"the quote ({quote}) opened on line {opened_at} is never closed: a shell "
                "waits for more input",
            )
        )
        mended += quote
    return mended, problems


def _report_orphans(orphans: list[tuple[int, str]], problems: list[CurlProblem]) -> None:
    """One problem per command for its lines that lack the `\\` before them."""
    if not orphans:
        return
    first, text = orphans[0]
    shown = text if len(text) <= 30 else text[:27] + "..."
    more = f" and {len(orphans) - 1} more line(s) after it" if len(orphans) > 1 else ""
    problems.append(
        CurlProblem(
            first,
            "no-continuation",
            f"line {first} (`{shown}`){more} continue the curl command, but the line before "
            "does not end with `\\`: a shell runs them as commands of their own",
        )
    )
    orphans.clear()


def _open_quote(line: str, quote: str | None) -> str | None:
    """The quote still open at the end of `line`, given the one open at its start."""
    i = 0
    while i < len(line):
        ch = line[i]
        if quote is None:
            if ch == "\\":
                i += 1
            elif ch in "'\"":
                quote = ch
            elif ch == "#" and (i == 0 or line[i - 1].isspace()):
                break  # a comment
        elif quote == "'":
            if ch == "'":
                quote = None
        elif ch == "\\":
            i += 1
        elif ch == '"':
            quote = None
        i += 1
    return quote
