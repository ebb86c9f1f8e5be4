"""From the blocks of each file to sections and endpoints, linear in the page.

First the sections of every file; then the endpoints the sections state (stated.py);
then the base path relative request lines hang from (basepath.py); then the endpoints
only curl examples state (curlsections.py); last, what no endpoint owns: the page's
error codes and common parameters, and every section's JSON examples (each read once).
"""

from __future__ import annotations

from vanceqa.docs import tables
from vanceqa.docs.basepath import learn_base_paths
from vanceqa.docs.blocks import Block, FileBlocks, Run, add_sections
from vanceqa.docs.curlsections import curl_endpoints
from vanceqa.docs.filling import json_response
from vanceqa.docs.model import DocsPage
from vanceqa.docs.pageparams import page_parameters
from vanceqa.docs.stated import stated_endpoints


def assemble(page: DocsPage, walks: list[tuple[str, list[Block]]]) -> None:
    """Sections, endpoints, page error codes and parameters of a page's files."""
    run = Run(page)
    files = [FileBlocks(order, name, blocks) for order, (name, blocks) in enumerate(walks)]
    for file in files:
        add_sections(file, page)
    for file in files:
        stated_endpoints(file, run)
    page.base_paths = learn_base_paths(page.endpoints, run.stated_urls)
    curl_endpoints(files, run)
    for file in files:
        unclaimed = [b for n, b in enumerate(file.blocks) if n not in file.claimed]
        for block in unclaimed:
            if block.table is not None and tables.is_error_table(block.table):
                page.error_codes.extend(tables.error_codes(block.table))
        page.page_parameters.extend(page_parameters(unclaimed))
    page.endpoints.sort(key=lambda e: run.order[id(e)])
    for section in page.sections:
        section.responses = [
            json_response(run, e, section.annotations)
            for e in section.examples
            if e.language == "json"
        ]
