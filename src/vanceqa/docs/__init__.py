"""Slate docs as a contract: parse a page, find drift, run its examples.

parse_page(path) -> DocsPage        the docs model (parser.py, model.py)
find_drift(page, contract, baseline) -> DriftReport
plan_examples(page, target) / run_examples(plans, target)
write_docs_json(dir, page, drift=..., examples=...)   reports/docs.json
"""

from __future__ import annotations

from vanceqa.docs.docs_json import write_docs_json
from vanceqa.docs.drift import DriftReport, find_drift
from vanceqa.docs.examples import ExampleResult, run_example, run_examples
from vanceqa.docs.findings import Baseline, DriftFinding, load_baseline
from vanceqa.docs.model import DocsPage, Endpoint
from vanceqa.docs.parser import parse_page
from vanceqa.docs.plan import PlannedExample, plan_examples

__all__ = [
    "Baseline",
    "DocsPage",
    "DriftFinding",
    "DriftReport",
    "Endpoint",
    "ExampleResult",
    "PlannedExample",
    "find_drift",
    "load_baseline",
    "parse_page",
    "plan_examples",
    "run_example",
    "run_examples",
    "write_docs_json",
]
