"""The blocks of a page's files, the sections over them, and who owns what.

The parser reads each file into blocks (headings, code, annotations, paragraphs,
tables); a section is a heading and the blocks up to the next heading of its level or
above. An endpoint owns the section around what states it, or the section above when
that is a heading such as `### HTTP Request`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from vanceqa.docs import tables
from vanceqa.docs.discovery import ParagraphReading
from vanceqa.docs.jsonish import Parsed
from vanceqa.docs.model import Annotation, CodeExample, DocsPage, Section, Source
from vanceqa.docs.requestline import RequestLine

# Headings over a request line rather than over an endpoint: "HTTP Request", "Request URL".
REQUEST_HEADINGS = re.compile(
    r"^(http\s+)?(request|endpoint|url|uri|definition|method|route|resource)s?"
    r"(\s+(line|url|uri|definition|information|info|details))?\s*:?$",
    re.I,
)
_EXAMPLE_HEADINGS = re.compile(r"^(example|sample)s?(\s+(request|call|usage))?s?\s*:?$", re.I)
# "Query Parameters", "Resource parameters": a heading over a table, not over an endpoint.
_PARAMETER_HEADINGS = re.compile(
    r"^((query|path|url|uri|route|body|form|request|response|header|resource|optional|"
    r"required|common|input|output|additional|other|extra|json)\s+){0,2}"
    r"(parameters?|arguments?|attributes?|fields?)\s*:?$",
    re.I,
)


@dataclass
class Block:
    """One thing in a file: a heading, a code block, an annotation, a paragraph, a table."""

    kind: str  # heading | fence | note | paragraph | html | table
    file: str
    line: int
    heading: Section | None = None
    example: CodeExample | None = None
    note: Annotation | None = None
    table: tables.Table | None = None
    text: str = ""  # a paragraph's plain text
    codes: list[str] = field(default_factory=list)  # a paragraph's code spans
    reading: ParagraphReading | None = None
    requests: list[RequestLine] = field(default_factory=list)  # endpoint HTML
    quoted: bool = False  # inside a `>` annotation


@dataclass
class FileBlocks:
    """One file's blocks (partials spliced in) and the sections over them."""

    order: int
    name: str
    blocks: list[Block]
    stacks: list[tuple[Section, ...]] = field(default_factory=list)  # sections around a block
    spans: dict[int, list[int]] = field(default_factory=dict)  # id(section) -> block numbers
    claimed: set[int] = field(default_factory=set)


@dataclass
class Run:
    page: DocsPage
    parsed: dict[int, Parsed] = field(default_factory=dict)  # id(example) -> its JSON, read once
    order: dict[int, tuple[int, int]] = field(default_factory=dict)  # id(endpoint) -> place
    stated_urls: list[str] = field(default_factory=list)


def add_sections(file: FileBlocks, page: DocsPage) -> None:
    top = Section("", 0, Source(file.name, 1))
    stack: list[Section] = [top]
    first = len(page.sections)
    for number, block in enumerate(file.blocks):
        if block.heading is not None:
            while stack[-1].level >= block.heading.level and len(stack) > 1:
                stack.pop()
            stack.append(block.heading)
            page.sections.append(block.heading)
        for section in stack:
            file.spans.setdefault(id(section), []).append(number)
        file.stacks.append(tuple(stack))
        if block.example is not None:
            stack[-1].examples.append(block.example)
        if block.note is not None:
            stack[-1].annotations.append(block.note)
    if top.examples:
        page.sections.insert(first, top)


def owner_of(stack: tuple[Section, ...], *, examples: bool = False) -> Section:
    """The section a request line (or a curl example) documents."""
    title = stack[-1].title.strip()
    if len(stack) > 1 and (
        REQUEST_HEADINGS.match(title)
        or _PARAMETER_HEADINGS.match(title)  # a request line among its parameters
        or (examples and _EXAMPLE_HEADINGS.match(title))
    ):
        return stack[-2]
    return stack[-1]
