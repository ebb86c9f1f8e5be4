"""Read a Slate page the way Slate does, with markdown-it-py, into the docs model.

The page's body comes first, then each include of the front matter in order; an ERB
partial call is replaced by the partial's content, as Slate renders it. Each file is
read into a list of blocks (headings, code, annotations, tables, paragraphs stating
endpoints), which assemble.py turns into sections and endpoints.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from markdown_it.token import Token

from vanceqa.docs import assemble, tables
from vanceqa.docs.blocks import Block
from vanceqa.docs.discovery import read_paragraph
from vanceqa.docs.frontmatter import (
    find_partial,
    language_tabs,
    read_text,
    resolve_includes,
    split_front_matter,
)
from vanceqa.docs.model import Annotation, CodeExample, DocsPage, Section, Source
from vanceqa.docs.requestline import parse_endpoint_html
from vanceqa.docs.slatemd import PARTIAL_CALL, language_of, markdown, redcarpet_headings
from vanceqa.errors import UsageError

_MAX_PARTIAL_DEPTH = 8


def parse_page(path: Path | str) -> DocsPage:
    """Parse a Slate page and its includes; a missing page is a usage error."""
    page_path = Path(path)
    try:
        text = page_path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        raise UsageError(f"docs page not found: {page_path}") from None
    except IsADirectoryError:
        raise UsageError(f"docs page is a folder, not a file: {page_path}") from None
    name = page_path.name
    fm = split_front_matter(text, name)
    title = fm.data.get("title")
    page = DocsPage(
        path=page_path,
        title=str(title) if title else page_path.stem,
        front_matter=fm.data,
        language_tabs=language_tabs(fm.data),
        includes=[],
        files={name: text},
        problems=list(fm.problems),
    )
    root = page_path.parent
    walks = [(name, _walk(fm.body, name, root, page.files, ()))]
    for include, include_text in resolve_includes(root, fm.includes, name):
        page.includes.append(include)
        if include_text is not None:
            page.files[include.file] = include_text
            walks.append((include.file, _walk(include_text, include.file, root, page.files, ())))
    assemble.assemble(page, walks)
    return page


def _walk(
    text: str, file: str, root: Path, files: dict[str, str], callers: tuple[str, ...]
) -> list[Block]:
    """The blocks of one file, with the blocks of the partials it calls in their place."""
    tokens = markdown().parse(redcarpet_headings(text))
    blocks: list[Block] = []
    quoted = 0  # blockquote depth: a `>` line is an annotation
    for index, token in enumerate(tokens):
        line = _line(token)
        if token.type == "blockquote_close":
            quoted -= 1
        if token.type == "heading_open":
            section = Section(
                _inline_text(tokens[index + 1]), int(token.tag[1:]), Source(file, line)
            )
            blocks.append(Block("heading", file, line, heading=section))
        elif token.type == "fence":
            info = token.info.strip()
            word = info.split()[0].lower() if info else ""
            example = CodeExample(language_of(word), info, token.content, Source(file, line))
            blocks.append(Block("fence", file, line, example=example))
        elif token.type == "blockquote_open":
            quoted += 1
            if quoted == 1:
                end = _closing(tokens, index)
                parts = [_inline_text(t) for t in tokens[index:end] if t.type == "inline"]
                note = Annotation(" ".join(parts).strip(), Source(file, line))
                blocks.append(Block("note", file, line, note=note))
        elif token.type == "inline" and tokens[index - 1].type == "paragraph_open":
            calls = PARTIAL_CALL.findall(token.content)
            if calls:
                for call in calls:
                    blocks += _partial(call, file, line, root, files, callers)
                continue
            reading = read_paragraph(token)
            codes = [c.content for c in token.children or [] if c.type == "code_inline"]
            blocks.append(
                Block(
                    "paragraph",
                    file,
                    line,
                    text=_inline_text(token),
                    codes=codes,
                    reading=reading,
                    quoted=quoted > 0,
                )
            )
        elif token.type == "html_block":
            for request in parse_endpoint_html(token.content):
                blocks.append(Block("html", file, line, requests=[request]))
        elif token.type == "table_open":
            blocks.append(Block("table", file, line, table=_table(tokens, index, file)))
    return blocks


def _partial(
    name: str, file: str, line: int, root: Path, files: dict[str, str], callers: tuple[str, ...]
) -> list[Block]:
    """The blocks a `<%= partial "..." %>` call renders; a call that finds nothing adds none."""
    found = find_partial(root, name, str(PurePosixPath(file).parent))
    if found is None or found in callers or len(callers) >= _MAX_PARTIAL_DEPTH:
        return []
    text = files.get(found) or read_text(root / found)
    if text is None:
        return []
    files[found] = text
    return _walk(text, found, root, files, (*callers, file))


def _table(tokens: list[Token], start: int, file: str) -> tables.Table:
    header: list[str] = []
    rows: list[tuple[list[str], int]] = []
    markdown: list[list[str]] = []  # the body cells as written: marks say what is a value
    current: list[str] | None = None
    written: list[str] = []
    in_head = False
    line = _line(tokens[start])
    for token in tokens[start + 1 : _closing(tokens, start)]:
        if token.type == "thead_open":
            in_head = True
        elif token.type == "thead_close":
            in_head = False
        elif token.type == "tr_open" and not in_head:
            current, written = [], []
            rows.append((current, _line(token) or line))
            markdown.append(written)
        elif token.type == "inline":
            (header if in_head else current if current is not None else header).append(
                _inline_text(token)
            )
            if not in_head and current is not None:
                written.append(token.content.strip())
    return tables.Table(header, rows, file, line, markdown)


def _line(token: Token) -> int:
    return token.map[0] + 1 if token.map else 0


def _inline_text(token: Token) -> str:
    """Plain text of an inline token: code spans unwrapped, markup dropped."""
    parts: list[str] = []
    for child in token.children or []:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return "".join(parts).strip() if token.children else token.content.strip()


def _closing(tokens: list[Token], start: int) -> int:
    """Index of the token closing the one at `start` (same nesting level)."""
    opener = tokens[start]
    closer = opener.type.replace("_open", "_close")
    for index in range(start + 1, len(tokens)):
        if tokens[index].type == closer and tokens[index].level == opener.level:
            return index
    return len(tokens)
