"""Read a Slate page the way Slate does, with markdown-it-py, into the docs model.

The page's body comes first, then each include of the front matter in order. Endpoints
are found by their request lines, not by heading level: the endpoint owns the section
around its request line (the section above it when the request line sits under a
heading such as `### HTTP Request`), and everything in that section belongs to it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from markdown_it import MarkdownIt
from markdown_it.token import Token

from vanceqa.docs import tables
from vanceqa.docs.frontmatter import language_tabs, resolve_includes, split_front_matter
from vanceqa.docs.jsonish import parse_jsonish
from vanceqa.docs.model import (
    Annotation,
    CodeExample,
    DocsPage,
    Endpoint,
    ExampleResponse,
    Parameter,
    Section,
    Source,
)
from vanceqa.docs.requestline import (
    RequestLine,
    param_names,
    parse_endpoint_html,
    parse_request_text,
    url_path,
)
from vanceqa.docs.snippets import read_tab
from vanceqa.errors import UsageError

_LANGUAGES = {
    "shell": "shell", "sh": "shell", "bash": "shell", "zsh": "shell", "curl": "shell",
    "console": "shell", "shell-session": "shell", "python": "python", "py": "python",
    "python3": "python", "ruby": "ruby", "rb": "ruby", "javascript": "javascript",
    "js": "javascript", "node": "javascript", "nodejs": "javascript", "php": "php",
    "json": "json", "jsonc": "json", "json5": "json",
}  # fmt: skip
_REQUEST_HEADINGS = re.compile(
    r"^(http\s+)?(request|endpoint|url|definition|method|route)s?(\s+(line|url|definition))?$",
    re.I,
)
_REQUEST_BODY_NOTE = re.compile(r"\brequest\b|\bsend|\bpayload\b|\bpost(ed)?\b", re.I)
_RESPONSE_NOTE = re.compile(r"\breturns?\b|\brespon|\bresult\b|\boutput\b", re.I)
_STATUS_IN_NOTE = re.compile(r"\b([1-5]\d\d)\b")


def markdown() -> MarkdownIt:
    """CommonMark with tables and raw HTML: what Slate's Redcarpet settings accept."""
    return MarkdownIt("commonmark", {"html": True}).enable("table")


@dataclass
class _Block:
    kind: str  # heading | fence | note | request | table
    line: int
    token_index: int
    heading: Section | None = None
    example: CodeExample | None = None
    note: Annotation | None = None
    request: RequestLine | None = None
    markup: str = ""
    table: tables.Table | None = None


@dataclass
class _FileWalk:
    file: str
    blocks: list[_Block] = field(default_factory=list)


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
    walks = [_walk(fm.body, name)]
    for include, include_text in resolve_includes(page_path.parent, fm.includes, name):
        page.includes.append(include)
        if include_text is not None:
            page.files[include.file] = include_text
            walks.append(_walk(include_text, include.file))
    for walk in walks:
        _assemble(walk, page)
    return page


def _walk(text: str, file: str) -> _FileWalk:
    tokens = markdown().parse(text)
    walk = _FileWalk(file)
    quoted = 0  # blockquote depth: a `>` line is an annotation, never a request line
    for index, token in enumerate(tokens):
        line = _line(token)
        if token.type == "blockquote_close":
            quoted -= 1
        if token.type == "heading_open":
            title = _inline_text(tokens[index + 1])
            section = Section(title, int(token.tag[1:]), Source(file, line))
            walk.blocks.append(_Block("heading", line, index, heading=section))
        elif token.type == "fence":
            info = token.info.strip()
            word = info.split()[0].lower() if info else ""
            example = CodeExample(
                _LANGUAGES.get(word, word), info, token.content, Source(file, line)
            )
            walk.blocks.append(_Block("fence", line, index, example=example))
        elif token.type == "blockquote_open":
            quoted += 1
            if quoted > 1:
                continue
            end = _closing(tokens, index)
            text_parts = [_inline_text(t) for t in tokens[index:end] if t.type == "inline"]
            note = Annotation(" ".join(text_parts).strip(), Source(file, line))
            walk.blocks.append(_Block("note", line, index, note=note))
        elif token.type == "inline" and tokens[index - 1].type == "paragraph_open":
            if quoted:
                continue
            for request, markup in _request_lines(token):
                walk.blocks.append(_Block("request", line, index, request=request, markup=markup))
        elif token.type == "html_block":
            for request in parse_endpoint_html(token.content):
                walk.blocks.append(
                    _Block("request", line, index, request=request, markup="endpoint-html")
                )
        elif token.type == "table_open":
            walk.blocks.append(_Block("table", line, index, table=_table(tokens, index, file)))
    return walk


def _request_lines(inline: Token) -> list[tuple[RequestLine, str]]:
    children = [
        c for c in inline.children or [] if not (c.type == "text" and not c.content.strip())
    ]
    if len(children) == 1 and children[0].type == "code_inline":
        found = parse_request_text(children[0].content)
        return [(found, "code-span")] if found else []
    if "endpoint" in inline.content and any(c.type == "html_inline" for c in children):
        return [(r, "endpoint-html") for r in parse_endpoint_html(inline.content)]
    return []


def _assemble(walk: _FileWalk, page: DocsPage) -> None:
    blocks = walk.blocks
    top = Section("", 0, Source(walk.file, 1))  # content before the first heading
    stack: list[Section] = [top]
    spans: dict[int, list[int]] = {}  # id(owner section) -> block indexes in its span
    owner_of: dict[int, Section] = {}
    requests: list[tuple[_Block, Section]] = []
    for number, block in enumerate(blocks):
        if block.heading is not None:
            while stack[-1].level >= block.heading.level and len(stack) > 1:
                stack.pop()
            stack.append(block.heading)
            page.sections.append(block.heading)
        for section in stack:
            spans.setdefault(id(section), []).append(number)
            owner_of[id(section)] = section
        if block.example is not None:
            stack[-1].examples.append(block.example)
        if block.note is not None:
            stack[-1].annotations.append(block.note)
        if block.request is not None:
            owner = stack[-1]
            if _REQUEST_HEADINGS.match(owner.title.strip()) and len(stack) > 1:
                owner = stack[-2]
            requests.append((block, owner))
    claimed: set[int] = set()
    by_owner: dict[int, list[Endpoint]] = {}
    for block, owner in requests:
        assert block.request is not None
        endpoint = Endpoint(
            title=owner.title,
            methods=block.request.methods,
            path=url_path(block.request.url),
            url=block.request.url,
            source=Source(walk.file, block.line),
            section=owner.source,
            markup=block.markup,
        )
        by_owner.setdefault(id(owner), []).append(endpoint)
        page.endpoints.append(endpoint)
    for key, endpoints in by_owner.items():
        span = spans[key]
        claimed.update(span)
        _fill(endpoints, [blocks[i] for i in span], owner_of[key])
    for number, block in enumerate(blocks):
        if number not in claimed and block.table is not None and tables.is_error_table(block.table):
            page.error_codes.extend(tables.error_codes(block.table))
    if top.examples:
        page.sections.insert(0, top)
    # Sections own the JSON blocks outside endpoints too, so drift can check them.
    for section in page.sections:
        section.responses = [_response(e, section.annotations) for e in _json_examples(section)]


def _fill(endpoints: list[Endpoint], span: list[_Block], owner: Section) -> None:
    heading = owner.title
    last_note: Annotation | None = None
    for block in span:
        if block.heading is not None:
            heading = block.heading.title
        elif block.note is not None:
            last_note = block.note
        elif block.example is not None:
            example = block.example
            targets = _targets(endpoints, example)
            for endpoint in targets:
                if example.language == "json":
                    endpoint.responses.append(_response(example, [last_note] if last_note else []))
                else:
                    endpoint.examples.append(example)
        elif block.table is not None:
            table = block.table
            if tables.is_error_table(table):
                for endpoint in endpoints:
                    endpoint.error_codes.extend(tables.error_codes(table))
            elif tables.is_parameter_table(table):
                location = tables.location_from_heading(heading) if heading != owner.title else None
                for endpoint in endpoints:
                    for param in tables.parameters(table, location):
                        param = _settle_location(param, endpoint)
                        if param.location == "response":
                            endpoint.response_fields.append(param)
                        else:
                            endpoint.parameters.append(param)
    for endpoint in endpoints:
        endpoint.annotations = [b.note for b in span if b.note is not None]


def _targets(endpoints: list[Endpoint], example: CodeExample) -> list[Endpoint]:
    """Several request lines in one section: give an example to the one of its method."""
    if len(endpoints) == 1 or example.language == "json":
        return endpoints
    method = read_tab(example.language, example.code).method
    matching = [e for e in endpoints if method in e.methods]
    return matching if len(matching) == 1 else endpoints


def _settle_location(param: Parameter, endpoint: Endpoint) -> Parameter:
    names = {n.lower() for n in param_names(endpoint.path)}
    location = param.location
    if not location:
        if param.name.lower() in names:
            location = "path"
        elif set(endpoint.methods) <= {"GET", "HEAD", "DELETE", "OPTIONS"}:
            location = "query"
        else:
            location = "body"
    required = True if location == "path" and param.required is None else param.required
    return replace(param, location=location, required=required)


def _json_examples(section: Section) -> list[CodeExample]:
    return [e for e in section.examples if e.language == "json"]


def _response(example: CodeExample, notes: list[Annotation]) -> ExampleResponse:
    """A JSON block, with the status and role its annotation gives it."""
    parsed = parse_jsonish(example.code)
    note_text = notes[-1].text if notes else ""
    kind = "response"
    if note_text and _REQUEST_BODY_NOTE.search(note_text) and not _RESPONSE_NOTE.search(note_text):
        kind = "request"
    status_match = _STATUS_IN_NOTE.search(note_text)
    return ExampleResponse(
        raw=example.code,
        source=example.source,
        body=parsed.value,
        parse_error=parsed.error,
        error_line=example.source.line + parsed.error_line if parsed.error_line else None,
        had_comments=parsed.had_comments,
        status=int(status_match.group(1)) if status_match else None,
        annotation=note_text,
        kind=kind,
    )


def _table(tokens: list[Token], start: int, file: str) -> tables.Table:
    header: list[str] = []
    rows: list[tuple[list[str], int]] = []
    current: list[str] | None = None
    in_head = False
    line = _line(tokens[start])
    for token in tokens[start + 1 : _closing(tokens, start)]:
        if token.type == "thead_open":
            in_head = True
        elif token.type == "thead_close":
            in_head = False
        elif token.type == "tr_open" and not in_head:
            current = []
            rows.append((current, _line(token) or line))
        elif token.type == "inline":
            (header if in_head else current if current is not None else header).append(
                _inline_text(token)
            )
    return tables.Table(header, rows, file, line)


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
