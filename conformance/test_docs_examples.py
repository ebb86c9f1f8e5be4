"""The docs' curl examples, run against the target: each answer must have the documented
status family and the documented example's shape (see `vanceqa docs examples`).

One test per curl command of the Slate page. DELETE examples run only when the target
allows it (`--destructive --delete-id N`; the bundled mock does), on the last id named,
after the reads and before the state checks. Against another target it needs an id of
its own: with one `--delete-id` only, that id is left to the state checks (test_state.py)
and the docs' DELETE skips, saying so. A read whose docs id the target does not
have (404) runs again with a live id from the sibling collection, or skips without one.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from vanceqa import resources
from vanceqa.client import TargetClient
from vanceqa.conformance import checks
from vanceqa.contract import default_contract
from vanceqa.docs.drift_contract import match_operations
from vanceqa.docs.examples import Maintenance, Unreachable, run_example
from vanceqa.docs.parser import parse_page
from vanceqa.docs.plan import PlannedExample, plan_examples
from vanceqa.errors import Finding
from vanceqa.target import TargetConfig

PAGE = parse_page(resources.docs_page_path())
# Plans are made again per test with the real target; this one only names the tests.
_NAMING = TargetConfig(base_url="http://docs.invalid", api_token="-", destructive=True)
PLANS = plan_examples(PAGE, _NAMING)
_OPERATIONS = {
    (id(m.endpoint), m.method): m.operation.operation_id
    for m in match_operations(PAGE, default_contract())
    if m.operation is not None
}


def _param(index: int, plan: PlannedExample) -> object:
    operation = _OPERATIONS.get((id(plan.endpoint), plan.method), "*")
    stage = 2 if plan.changes_data else 0
    marks = [checks.DOCS_EXAMPLE.mark(operation=operation, stage=stage)]
    return pytest.param(index, id=plan.test_id, marks=marks)


@pytest.mark.parametrize("index", [_param(i, p) for i, p in enumerate(PLANS)])
def test_docs_example(
    index: int,
    vanceqa_target: TargetConfig,
    vanceqa_client: TargetClient,
    request: pytest.FixtureRequest,
) -> None:
    # The last id named goes to the docs' DELETE: the state checks take the first live one.
    target = replace(vanceqa_target, delete_ids=tuple(reversed(vanceqa_target.delete_ids)))
    plan = plan_examples(PAGE, target)[index]
    assert plan.source == PLANS[index].source, "the plan order changed between collection and run"
    if (
        plan.method == "DELETE"
        and not plan.skip
        and not target.bundled_mock
        and len(target.delete_ids) == 1
    ):
        # The state checks delete the first live id; taking the only one would skip them all.
        pytest.skip(
            "the docs' DELETE needs a second --delete-id: the only one given is kept "
            "for the state checks"
        )
    try:
        result = run_example(plan, vanceqa_client, target)
    except Maintenance as exc:
        pytest.skip(str(exc))
    except Unreachable as exc:
        pytest.fail(f"the target cannot be reached: {exc}")
    if result.outcome == "skipped":
        pytest.skip(result.message or "skipped")
    if result.message:  # e.g. the docs' id was not on the target and a live one was used
        request.node.user_properties.append(("note", result.message))
    if result.outcome == "failed":
        raise Finding(
            check=checks.DOCS_EXAMPLE.name,
            behaviour=f"the docs' curl example for {plan.label} works as documented",
            docs_quote=f"{result.file}:{result.line} (curl example)",
            curl=result.curl or "",
            status=result.status,
            details=result.message or "",
        )
