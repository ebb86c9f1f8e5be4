"""The docs model: what a Slate page says, each fact with the file and line it came from.

The parser builds it; drift rules, the example runner and the OpenAPI skeleton read it.
`to_json()` is the `vanceqa docs parse --json` output.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

JSON = Any
MODEL_FORMAT = "vanceqa.docs-model/1"


@dataclass(frozen=True)
class Source:
    """Where a fact was read: a file relative to the page's folder, and a 1-based line."""

    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True)
class Parameter:
    name: str
    location: str  # path | query | header | body | formData
    source: Source
    default: str | None = None  # as written in the docs
    type: str | None = None  # JSON schema type, stated or inferred
    required: bool | None = None  # None: the docs do not say
    description: str = ""
    type_stated: bool = False  # False: inferred from the default or the description

    def to_json(self) -> dict[str, JSON]:
        return {
            "name": self.name,
            "location": self.location,
            "default": self.default,
            "type": self.type,
            "type_stated": self.type_stated,
            "required": self.required,
            "description": self.description,
            "file": self.source.file,
            "line": self.source.line,
        }


@dataclass(frozen=True)
class CodeExample:
    """One fenced code block of a language tab."""

    language: str  # normalised: shell, python, ruby, javascript, php, ...
    info: str  # the fence's info string as written
    code: str
    source: Source  # the fence's opening line

    def to_json(self) -> dict[str, JSON]:
        return {
            "language": self.language,
            "info": self.info,
            "code": self.code,
            "file": self.source.file,
            "line": self.source.line,
        }


@dataclass(frozen=True)
class ExampleResponse:
    """A JSON block shown as what a request returns (or sends, for request bodies)."""

    raw: str
    source: Source
    body: JSON = None
    parse_error: str | None = None  # set when the block is not JSON (comments allowed)
    error_line: int | None = None  # the file line of the parse error
    had_comments: bool = False
    status: int | None = None  # stated in the annotation above it, if any
    annotation: str = ""
    kind: str = "response"  # response | request
    elided: bool = False  # `...` stands for more: the body is what the example shows

    @property
    def parsed(self) -> bool:
        return self.parse_error is None

    @property
    def family(self) -> str:
        """The documented status family: the stated status's, else 2xx."""
        return f"{self.status // 100}xx" if self.status else "2xx"

    def to_json(self) -> dict[str, JSON]:
        return {
            "kind": self.kind,
            "status": self.status,
            "family": self.family,
            "annotation": self.annotation,
            "body": self.body if self.parsed else None,
            "parse_error": self.parse_error,
            "had_comments": self.had_comments,
            "elided": self.elided,
            "file": self.source.file,
            "line": self.source.line,
        }


@dataclass(frozen=True)
class ErrorCode:
    code: int
    meaning: str  # e.g. "Bad Request -- Your request is invalid."
    source: Source

    @property
    def name(self) -> str:
        for sep in (" -- ", " — ", " - ", " – "):
            if sep in self.meaning:
                return self.meaning.split(sep, 1)[0].strip()
        return self.meaning.strip()

    def to_json(self) -> dict[str, JSON]:
        return {
            "code": self.code,
            "name": self.name,
            "meaning": self.meaning,
            "file": self.source.file,
            "line": self.source.line,
        }


@dataclass(frozen=True)
class Annotation:
    """A `>` line: Slate shows it in the dark right-hand column."""

    text: str
    source: Source


@dataclass
class Section:
    """A heading and everything under it up to the next heading of its level or above."""

    title: str
    level: int
    source: Source
    examples: list[CodeExample] = field(default_factory=list)
    responses: list[ExampleResponse] = field(default_factory=list)
    annotations: list[Annotation] = field(default_factory=list)


@dataclass
class Endpoint:
    """One endpoint the page states (request line, method table, lone URL or curl) and
    the section that documents it."""

    title: str  # the owning section's heading
    methods: tuple[str, ...]
    path: str  # templated as written, host removed: /kittens/<ID>
    url: str  # the request line's URL as written
    source: Source  # what states it: the request line (table, URL, curl command)
    section: Source  # the owning heading
    markup: str  # code-span | endpoint-html | table | url | curl (how the page states it)
    parameters: list[Parameter] = field(default_factory=list)
    response_fields: list[Parameter] = field(default_factory=list)
    examples: list[CodeExample] = field(default_factory=list)
    responses: list[ExampleResponse] = field(default_factory=list)
    annotations: list[Annotation] = field(default_factory=list)
    error_codes: list[ErrorCode] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{'|'.join(self.methods)} {self.path}"

    def examples_for(self, language: str) -> list[CodeExample]:
        return [e for e in self.examples if e.language == language]

    def success_responses(self) -> list[ExampleResponse]:
        return [r for r in self.responses if r.kind == "response" and r.family == "2xx"]

    def to_json(self) -> list[dict[str, JSON]]:
        """One JSON endpoint per method: a request line may name several."""
        by_language: dict[str, list[JSON]] = {}
        for example in self.examples:
            by_language.setdefault(example.language, []).append(example.to_json())
        common: dict[str, JSON] = {
            "title": self.title,
            "methods": list(self.methods),
            "path": self.path,
            "url": self.url,
            "markup": self.markup,
            "file": self.source.file,
            "line": self.source.line,
            "section_line": self.section.line,
            "parameters": [p.to_json() for p in self.parameters],
            "response_fields": [p.to_json() for p in self.response_fields],
            "examples": by_language,
            "responses": [r.to_json() for r in self.responses],
            "annotations": [{"text": a.text, "line": a.source.line} for a in self.annotations],
            "error_codes": [e.to_json() for e in self.error_codes],
        }
        return [{"method": method, **common} for method in self.methods]


@dataclass(frozen=True)
class Include:
    name: str  # as written in the front matter
    file: str  # relative to the page's folder: includes/_errors.md
    found: bool
    source: Source  # the front matter line naming it


@dataclass
class FrontMatterIssue:
    message: str
    source: Source


@dataclass
class DocsPage:
    """A Slate page with its includes, parsed."""

    path: Path
    title: str
    front_matter: dict[str, JSON]
    language_tabs: tuple[str, ...]
    includes: list[Include]
    files: dict[str, str]  # relative name -> text, the page first
    sections: list[Section] = field(default_factory=list)
    endpoints: list[Endpoint] = field(default_factory=list)
    error_codes: list[ErrorCode] = field(default_factory=list)  # tables outside endpoints
    problems: list[FrontMatterIssue] = field(default_factory=list)
    base_paths: tuple[str, ...] = ()  # what relative request lines hang from: ("/api/1",)
    # Parameters documented once for every request (`_fields`, `_page`), outside endpoints.
    page_parameters: list[Parameter] = field(default_factory=list)

    @property
    def root(self) -> Path:
        return self.path.parent

    @property
    def page_name(self) -> str:
        return self.path.name

    def all_error_codes(self) -> list[ErrorCode]:
        codes = list(self.error_codes)
        for endpoint in self.endpoints:
            codes.extend(endpoint.error_codes)
        return codes

    def to_json(self) -> dict[str, JSON]:
        endpoints: list[JSON] = []
        for endpoint in self.endpoints:
            endpoints.extend(endpoint.to_json())
        return {
            "format": MODEL_FORMAT,
            "page": str(self.path),
            "title": self.title,
            "language_tabs": list(self.language_tabs),
            "files": list(self.files),
            "includes": [
                {"name": i.name, "file": i.file, "found": i.found, "line": i.source.line}
                for i in self.includes
            ],
            "sections": [
                {"title": s.title, "level": s.level, "file": s.source.file, "line": s.source.line}
                for s in self.sections
            ],
            "base_paths": list(self.base_paths),
            "page_parameters": [p.to_json() for p in self.page_parameters],
            "endpoints": endpoints,
            "error_codes": [e.to_json() for e in self.error_codes],
        }
