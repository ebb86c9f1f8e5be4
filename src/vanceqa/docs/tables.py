"""Reading Slate tables whatever their columns: parameter tables and error-code tables.

Slate sites name columns freely (`Parameter | Default | Description`,
`Field | Type | Description`, `Name | In | Type | Required | Description`, ...). A
table is recognised by its first column and read by the names of the others.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from vanceqa.docs import paramnames
from vanceqa.docs.model import JSON, ErrorCode, Parameter, Source

_PARAM_HEADS = {
    "parameter", "parameters", "param", "name", "field", "fields", "key", "argument",
    "arguments", "attribute", "attributes", "property", "properties", "header", "headers",
    "query parameter", "form field", "option",
}  # fmt: skip
_CODE_HEADS = re.compile(r"^(error|status|http|response)?\s*(code|status|status code)s?$", re.I)
_EMPTY = {"", "-", "—", "–", "n/a", "none given"}
_LOCATION_WORDS = (
    (re.compile(r"\b(url|path|route)\b", re.I), "path"),
    (re.compile(r"\bquery\b", re.I), "query"),
    (re.compile(r"\b(form|multipart)\b", re.I), "formData"),
    (re.compile(r"\b(response|returns?|result|output)\b", re.I), "response"),
    (re.compile(r"\b(body|json|payload|request fields)\b", re.I), "body"),
    (re.compile(r"\bheaders?\b", re.I), "header"),
)
_TYPES = {
    "int": "integer", "integer": "integer", "long": "integer", "int32": "integer",
    "int64": "integer", "bool": "boolean", "boolean": "boolean", "string": "string",
    "str": "string", "text": "string", "date": "string", "datetime": "string", "url": "string",
    "uuid": "string", "email": "string", "number": "number", "float": "number",
    "double": "number", "decimal": "number", "array": "array", "list": "array",
    "object": "object", "dict": "object", "hash": "object", "map": "object", "json": "object",
    "file": "file", "binary": "file", "null": "null", "enum": "string",
}  # fmt: skip
# "Defaults to 20", "(default: 2)", "Default value is `false`", "Defaults to _1_": the
# prose names a value. It does so only by marking it (a code span, emphasis, quotes) or by
# writing a literal (a number, true/false/null): "defaults to the current user", "default
# value is today", "it default to sender's email" and "defaults to 30 days" (a quantity in
# another unit than the parameter's) state none. Read from the Markdown as written: its
# plain text has lost the marks (`Reference 1` would be the bare word "Reference").
_DEFAULT_IN_TEXT = re.compile(
    r"(?:\bdefaults?(?:\s+value)?\s*(?:to|is|:|=|of)\s*|\(default:?\s*)"
    r"(?:(`+)(?P<code>.+?)\1(?!`)|<code>(?P<html>.*?)</code>"
    r"|\"(?P<dq>[^\"]+)\"|“(?P<cq>[^”]+)”|'(?P<sq>[^']+)'(?!\w)|‘(?P<tq>[^’]+)’"
    r"|(?P<em>\*\*|__|\*|_)(?P<emph>\S(?:.*?\S)?)(?P=em)(?!\w)"
    r"|(?P<bare>[^\s,;)<]+))",
    re.I,
)
_LITERAL = re.compile(r"[-+]?(\d+(\.\d+)?|\.\d+)|true|false|null", re.I)
_UNIT_AFTER = re.compile(
    r"\s*(ms|milli(second)?s?|s|secs?|seconds?|mins?|minutes?|h|hrs?|hours?|days?|weeks?|"
    r"months?|years?|bytes?|[kmgt]i?b|kilobytes?|megabytes?|gigabytes?|characters?|chars?|"
    r"percent|%)\b",
    re.I,
)
_NOT_A_VALUE = {
    "the", "a", "an", "this", "that", "these", "those", "your", "our", "their", "its",
    "his", "her", "all", "any", "each", "every", "no", "current", "whatever", "same",
    "what", "which", "whichever", "one", "value", "values", "being", "be",
}  # fmt: skip
_RESPONSE_INTRO = re.compile(r"\b(returns?|returned|respon(se|ds?))\b", re.I)
_REQUEST_INTRO = re.compile(
    r"\b(parameters?|arguments?|filters?|query|queries|send|sent|set|updated?|accepts?|"
    r"supports?|search(es|ed)?|may be|can be|pass(ed)?|provided?)\b",
    re.I,
)
_BOOLEAN_HINT = re.compile(r"\bset to (true|false)\b|\b(true|false) or (true|false)\b", re.I)


@dataclass(frozen=True)
class Table:
    """A Markdown table as plain-text cells, with the line of each body row."""

    header: list[str]
    rows: list[tuple[list[str], int]]  # (cells, 1-based line)
    file: str
    line: int
    # Each body row's cells as written (Markdown), where the parser has them: a code
    # span, emphasis or quotes in a description mark a value ("Default value is `1`").
    markdown: list[list[str]] = field(default_factory=list)


def is_error_table(table: Table) -> bool:
    if not table.header or not _CODE_HEADS.match(table.header[0].strip()):
        return False
    return any(_status(cells[0]) is not None for cells, _ in table.rows if cells)


def is_parameter_table(table: Table) -> bool:
    return bool(table.header) and table.header[0].strip().lower() in _PARAM_HEADS


def error_codes(table: Table) -> list[ErrorCode]:
    codes: list[ErrorCode] = []
    for cells, line in table.rows:
        code = _status(cells[0]) if cells else None
        if code is None:
            continue
        meaning = " -- ".join(c.strip() for c in cells[1:] if c.strip())
        codes.append(ErrorCode(code, meaning, Source(table.file, line)))
    return codes


def location_from_heading(title: str) -> str | None:
    """`### Query Parameters` -> query; `### Response Fields` -> response; else None."""
    for pattern, location in _LOCATION_WORDS:
        if pattern.search(title):
            return location
    return None


def parameters(table: Table, heading_location: str | None) -> list[Parameter]:
    """The rows of a parameter table; location None is settled by the caller."""
    columns = [h.strip().lower() for h in table.header]

    def column(*names: str) -> int | None:
        for i, name in enumerate(columns):
            if i and any(name == n or name.startswith(n) for n in names):
                return i
        return None

    c_default, c_type = column("default"), column("type", "format", "data type")
    c_required = column("required", "mandatory", "optional")
    c_location = column("in", "location", "where")
    c_desc = column("description", "meaning", "details", "notes", "comment")
    params: list[Parameter] = []
    for number, (cells, line) in enumerate(table.rows):
        if not cells or not clean(cells[0]):
            continue

        def cell(index: int | None, row: list[str] = cells) -> str:
            return row[index].strip() if index is not None and index < len(row) else ""

        description = cell(c_desc)
        default = clean(cell(c_default)) if c_default is not None else None
        if default is not None and default.lower() in _EMPTY:
            default = None
        if default is None:
            written = table.markdown[number] if number < len(table.markdown) else cells
            default = default_in_text(cell(c_desc, written))
        stated = normalise_type(cell(c_type))
        location = heading_location
        if c_location is not None:
            location = location_from_heading(cell(c_location)) or location
        required = _required(cell(c_required), columns[c_required] if c_required else "")
        if required is None:
            required = _required_from_text(description)
        # `zipcode/postcode`: two spellings, each documented; a required row needs one.
        names = paramnames.spellings(clean(cells[0]))
        if len(names) > 1 and required:
            required = None
        params += [
            Parameter(
                name=name,
                location=location or "",
                source=Source(table.file, line),
                default=default,
                type=stated or infer_type(default, description),
                required=required,
                description=description,
                type_stated=stated is not None,
            )
            for name in names
        ]
    return params


def default_in_text(description: str) -> str | None:
    """The default value a description (Markdown) states, or None when it states none."""
    found = _DEFAULT_IN_TEXT.search(description)
    if not found:
        return None
    marked = next(
        (found.group(g) for g in ("code", "html", "dq", "cq", "sq", "tq") if found.group(g)),
        None,
    )
    if marked is not None:
        return clean(marked) or None
    if found.group("emph"):
        value = clean(found.group("emph").replace("\\", ""))
        # Emphasis also stresses words: "defaults to **the current user**" names none.
        first = value.split()[0].lower() if value.split() else ""
        return None if not value or first in _NOT_A_VALUE else value
    word = found.group("bare").rstrip(".:")
    if not _LITERAL.fullmatch(word) or _UNIT_AFTER.match(description, found.end("bare")):
        return None
    return word


def default_value(text: str, kind: str | None) -> JSON:
    """A default as written, as the JSON value it means for a parameter of type `kind`.

    `null` is JSON's null whatever the type; a value that does not read as the type stays
    the text it is.
    """
    value = text.strip()
    if value.lower() == "null":
        return None
    try:
        if kind == "boolean" and value.lower() in ("true", "false"):
            return value.lower() == "true"
        if kind == "integer":
            return int(value)
        if kind == "number":
            return float(value)
    except ValueError:
        pass
    return value


def introduces_response(text: str) -> bool:
    """Does the sentence above a table present what a request returns?

    "This request returns a single field:" does; "The following fields may be updated
    through this request:" and "filters over the following fields:" do not.
    """
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s.strip()]
    last = sentences[-1] if sentences else ""
    return bool(_RESPONSE_INTRO.search(last)) and not _REQUEST_INTRO.search(last)


def has_response_columns(table: Table) -> bool:
    """A column such as `Response field` or `Returned` says the rows are response fields."""
    return any(re.search(r"\b(response|returned)\b", h, re.I) for h in table.header[:1])


def add_parameter(params: list[Parameter], param: Parameter) -> None:
    """Add a parameter; a second table naming it again (filters repeated) merges into it."""
    for index, known in enumerate(params):
        if known.name == param.name and known.location == param.location:
            params[index] = replace(
                known,
                default=known.default if known.default is not None else param.default,
                type=known.type or param.type,
                type_stated=known.type_stated or param.type_stated,
                required=known.required if known.required is not None else param.required,
                description=known.description or param.description,
            )
            return
    params.append(param)


def clean(text: str) -> str:
    """A name or value without the backticks, quotes and emphasis around it.

    Underscores go only in pairs (`_x_`): `_page` is a name of its own.
    """
    word = text.strip()
    while len(word) >= 2 and word[0] == word[-1] and word[0] in "`*_\"'":
        word = word[1:-1].strip()
    return word.strip("`*\"'").strip()


def normalise_type(text: str) -> str | None:
    word = clean(text).lower()
    if not word:
        return None
    if word.endswith("[]") or word.startswith(("array", "list of", "list[")):
        return "array"
    head = re.split(r"[\s(<\[,/|]", word, maxsplit=1)[0]
    return _TYPES.get(head)


def infer_type(default: str | None, description: str) -> str | None:
    if default is not None:
        value = default.lower()
        if value in ("true", "false"):
            return "boolean"
        if re.fullmatch(r"-?\d+", value):
            return "integer"
        if re.fullmatch(r"-?\d+\.\d+", value):
            return "number"
    if _BOOLEAN_HINT.search(description):
        return "boolean"
    return None


def _status(text: str) -> int | None:
    word = clean(text)
    if re.fullmatch(r"[1-5]\d\d", word):
        return int(word)
    return None


def _required(text: str, column_name: str) -> bool | None:
    value = clean(text).lower()
    if not value:
        return None
    yes = value in ("yes", "y", "true", "required", "✓", "✔", "x", "mandatory")
    no = value in ("no", "n", "false", "optional", "-", "—")
    if column_name.startswith("optional"):
        yes, no = no, yes
    return True if yes else False if no else None


def _required_from_text(description: str) -> bool | None:
    text = description.strip().lower()
    if text.startswith(("(required)", "required.", "required,", "**required**")):
        return True
    if text.startswith(("(optional)", "optional.", "optional,", "**optional**")):
        return False
    return None
