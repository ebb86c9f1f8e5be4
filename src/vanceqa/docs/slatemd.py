"""Markdown as Slate renders it, through markdown-it-py.

Slate renders with Redcarpet (`fenced_code_blocks`, `tables`,
`disable_indented_code_blocks`, no `space_after_headers`): `##Title` without a space is a
heading there, and an indented line is text, not code. Files may call ERB partials,
`<%= partial "includes/x" %>`, whose output Slate puts in place of the call.
"""

from __future__ import annotations

import re
from functools import cache

from markdown_it import MarkdownIt

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_TIGHT_HEADING = re.compile(r"^( {0,3}#{1,6})(?=[^#\s])")
_LANGUAGES = {
    "shell": "shell", "sh": "shell", "bash": "shell", "zsh": "shell", "curl": "shell",
    "console": "shell", "shell-session": "shell", "python": "python", "py": "python",
    "python3": "python", "ruby": "ruby", "rb": "ruby", "javascript": "javascript",
    "js": "javascript", "node": "javascript", "nodejs": "javascript", "php": "php",
    "json": "json", "jsonc": "json", "json5": "json",
}  # fmt: skip
PARTIAL_CALL = re.compile(r"""<%=\s*partial\s*\(?\s*["']([^"']+)["'][^%]*%>""")


@cache
def markdown() -> MarkdownIt:
    """CommonMark with tables and raw HTML, without indented code (Slate's Redcarpet)."""
    return MarkdownIt("commonmark", {"html": True}).enable("table").disable("code")


def redcarpet_headings(text: str) -> str:
    """`##Title` -> `## Title` outside code fences; every line keeps its number."""
    lines = text.split("\n")
    fence: str | None = None
    for index, line in enumerate(lines):
        opener = _FENCE.match(line)
        if fence is not None:
            if opener and opener.group(1)[0] == fence[0] and len(opener.group(1)) >= len(fence):
                fence = None
            continue
        if opener:
            fence = opener.group(1)
            continue
        if line.lstrip().startswith("#") and not line.lstrip().startswith("#!"):
            lines[index] = _TIGHT_HEADING.sub(r"\1 ", line, count=1)
    return "\n".join(lines)


def language_of(word: str) -> str:
    """A fence's language word, normalised: `sh`/`bash`/`curl` -> shell, `py` -> python."""
    lowered = word.lower()
    return _LANGUAGES.get(lowered, lowered)
