"""What an endpoint's section gives it: examples, JSON bodies, parameters, error codes.

Several endpoints in one section share it; a code example goes to the one of its method
(and path). A table is read for what its heading and the sentence above it say it is: a
"This request returns ..." table lists response fields, whatever its heading.
"""

from __future__ import annotations

import re
from dataclasses import replace

from vanceqa.docs import paramnames, tables
from vanceqa.docs.basepath import tail_fits
from vanceqa.docs.blocks import Block, Run
from vanceqa.docs.jsonish import parse_jsonish
from vanceqa.docs.model import (
    Annotation,
    CodeExample,
    Endpoint,
    ExampleResponse,
    Parameter,
    Section,
    Source,
)
from vanceqa.docs.requestline import param_names, url_path
from vanceqa.docs.tabread import read_tab

_REQUEST_BODY_NOTE = re.compile(r"\brequest\b|\bsend|\bpayload\b|\bpost(ed)?\b", re.I)
_RESPONSE_NOTE = re.compile(r"\breturns?\b|\brespon|\bresult\b|\boutput\b", re.I)
_STATUS_IN_NOTE = re.compile(r"\b([1-5]\d\d)\b")


def fill(run: Run, endpoints: list[Endpoint], span: list[Block], owner: Section) -> None:
    heading = owner.title
    last_note: Annotation | None = None
    intro = ""  # the paragraph just above a table says what the table is
    for block in span:
        if block.heading is not None:
            heading, intro = block.heading.title, ""
        elif block.note is not None:
            last_note = block.note
        elif block.kind == "paragraph" and not block.quoted:
            intro = block.text
            _fill_prose_names(endpoints, block)
        elif block.example is not None:
            example = block.example
            for endpoint in _targets(endpoints, example):
                if example.language == "json":
                    notes = [last_note] if last_note else []
                    endpoint.responses.append(json_response(run, example, notes))
                else:
                    endpoint.examples.append(example)
        elif block.table is not None:
            _fill_table(endpoints, block.table, heading if heading != owner.title else None, intro)
            intro = ""
    for endpoint in endpoints:
        endpoint.annotations = [b.note for b in span if b.note is not None]


def _fill_table(
    endpoints: list[Endpoint], table: tables.Table, heading: str | None, intro: str
) -> None:
    if tables.is_error_table(table):
        for endpoint in endpoints:
            endpoint.error_codes.extend(tables.error_codes(table))
        return
    if not tables.is_parameter_table(table):
        return
    location = tables.location_from_heading(heading) if heading else None
    # "Form field | Description", "Header | Value": the first column may say where.
    location = location or tables.location_from_heading(table.header[0])
    if tables.introduces_response(intro) or tables.has_response_columns(table):
        location = "response"
    for endpoint in endpoints:
        for param in tables.parameters(table, location):
            param = _settle_location(param, endpoint)
            if param.location == "response":
                endpoint.response_fields.append(param)
            else:
                tables.add_parameter(endpoint.parameters, param)


def _fill_prose_names(endpoints: list[Endpoint], block: Block) -> None:
    """A field named with a placeholder in prose ("the field `profile.{id}`") is documented."""
    for name in paramnames.patterns_in_prose(block.text):
        for endpoint in endpoints:
            param = Parameter(name, "", Source(block.file, block.line), description=block.text)
            tables.add_parameter(endpoint.parameters, _settle_location(param, endpoint))


def _targets(endpoints: list[Endpoint], example: CodeExample) -> list[Endpoint]:
    """Several endpoints in one section: give an example to the one of its method and path."""
    if len(endpoints) == 1 or example.language == "json":
        return endpoints
    reading = read_tab(example.language, example.code)
    matching = [e for e in endpoints if reading.method in e.methods]
    if len(matching) > 1 and reading.url:
        by_path = [e for e in matching if tail_fits(e.path, url_path(reading.url))]
        matching = by_path or matching
    return matching if len(matching) == 1 else endpoints


def _settle_location(param: Parameter, endpoint: Endpoint) -> Parameter:
    names = {n.lower() for n in param_names(endpoint.path)}
    location = param.location
    if location == "path" and param.name.lower() not in names:
        location = "query"  # a "URL parameter" the path does not hold is in the query string
    if not location:
        if param.name.lower() in names:
            location = "path"
        elif set(endpoint.methods) <= {"GET", "HEAD", "DELETE", "OPTIONS"}:
            location = "query"
        else:
            location = "body"
    required = True if location == "path" and param.required is None else param.required
    return replace(param, location=location, required=required)


def json_response(run: Run, example: CodeExample, notes: list[Annotation]) -> ExampleResponse:
    """A JSON block, with the status and role its annotation gives it (parsed once)."""
    note_text = notes[-1].text if notes else ""
    parsed = run.parsed.get(id(example))
    if parsed is None:
        parsed = run.parsed[id(example)] = parse_jsonish(example.code)
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
        elided=parsed.elided,
        status=int(status_match.group(1)) if status_match else None,
        annotation=note_text,
        kind=kind,
    )
