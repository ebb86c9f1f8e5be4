"""Parameters a page documents once for every request, outside any endpoint.

Pages describe their common parameters in an introduction (pagination `_page` and
`_limit` in a table, "use the `_fields` parameter", `` `_fields=website` ``) and then
send them in every endpoint's examples. Object descriptions (`Field | Type`) are not
parameters: only tables whose first column says parameter or argument count.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from vanceqa.docs import tables
from vanceqa.docs.model import Parameter, Source

if TYPE_CHECKING:
    from vanceqa.docs.blocks import Block

_PARAMETER_HEADS = {"parameter", "parameters", "param", "argument", "arguments", "query parameter"}
_ASSIGNED = re.compile(r"^([A-Za-z_$][\w.$-]*(?:\[[^\]]*\])*)=")
_CALLED = re.compile(
    r"\bthe\s+([A-Za-z_$][\w.$-]*)\s+(?:query\s+|request\s+|url\s+)?parameter\b", re.I
)


def page_parameters(blocks: Iterable[Block]) -> list[Parameter]:
    """The common parameters stated in blocks no endpoint owns."""
    found: dict[str, Parameter] = {}
    heading = ""
    for block in blocks:
        if block.heading is not None:
            heading = block.heading.title
        elif block.table is not None and _is_common_table(block.table):
            location = tables.location_from_heading(heading)
            if location == "response":
                continue
            for param in tables.parameters(block.table, location or "query"):
                found.setdefault(param.name, param)
        elif block.kind == "paragraph":
            names = [m.group(1) for code in block.codes if (m := _ASSIGNED.match(code))]
            names += [m.group(1) for m in _CALLED.finditer(block.text) if m.group(1) in block.codes]
            for name in names:
                source = Source(block.file, block.line)
                found.setdefault(name, Parameter(name, "query", source))
    return list(found.values())


def _is_common_table(table: tables.Table) -> bool:
    return bool(table.header) and tables.clean(table.header[0]).lower() in _PARAMETER_HEADS
