"""`vanceqa docs parse | drift | examples`: read the Slate docs, find drift, run examples.

PAGE defaults to the bundled fixtures/docs/index.html.md; for that page the bundled
contract and baseline (fixtures/docs-baseline.json) are used unless told otherwise.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from vanceqa import resources
from vanceqa.contract import Contract, load_contract
from vanceqa.docs.docs_json import write_docs_json
from vanceqa.docs.drift import DriftReport, find_drift
from vanceqa.docs.examples import ExampleResult, run_examples
from vanceqa.docs.findings import Baseline, load_baseline, write_baseline
from vanceqa.docs.parser import parse_page
from vanceqa.docs.plan import plan_examples
from vanceqa.docs.render import display_path, drift_text, examples_text, page_summary
from vanceqa.docs.skeleton import write_skeleton
from vanceqa.errors import TargetUnavailable, UsageError
from vanceqa.mock.launcher import serve_mock
from vanceqa.target import INSECURE_NOTE, add_target_arguments
from vanceqa.workspace import target_from_args

BASELINE_NAME = "docs-baseline.json"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    page_help = "the Slate page (default: the bundled fixtures/docs/index.html.md)"

    parse = actions.add_parser("parse", help="read a Slate page and print what it documents")
    parse.add_argument("page", nargs="?", metavar="PAGE", help=page_help)
    parse.add_argument("--json", action="store_true", help="print the docs model as JSON")
    parse.add_argument("--openapi", metavar="FILE", help="write an OpenAPI skeleton (.yaml/.json)")

    drift = actions.add_parser("drift", help="find where the docs drift from the contract")
    drift.add_argument("page", nargs="?", metavar="PAGE", help=page_help)
    drift.add_argument(
        "--contract", metavar="FILE", help="OpenAPI contract (default for the bundled page: ours)"
    )
    drift.add_argument("--no-contract", action="store_true", help="check the docs only")
    drift.add_argument(
        "--baseline", metavar="FILE", help="accepted findings (default for the bundled page: ours)"
    )
    drift.add_argument("--no-baseline", action="store_true", help="report every finding as new")
    drift.add_argument(
        "--write-baseline", metavar="FILE", help="accept every current finding into FILE"
    )
    drift.add_argument("--all", action="store_true", help="list info findings too")
    drift.add_argument("--json", action="store_true", help="print the findings as JSON")
    drift.add_argument("--report-dir", metavar="DIR", help="write DIR/docs.json")

    examples = actions.add_parser("examples", help="run the docs' curl examples against a target")
    examples.add_argument("page", nargs="?", metavar="PAGE", help=page_help)
    examples.add_argument(
        "--strict-keys", action="store_true", help="fail answers with keys the example lacks"
    )
    examples.add_argument("--json", action="store_true", help="print the results as JSON")
    examples.add_argument("--report-dir", metavar="DIR", help="write DIR/docs.json")
    add_target_arguments(examples)


def run(args: argparse.Namespace) -> int:
    if args.action == "parse":
        return _parse(args)
    if args.action == "drift":
        return _drift(args)
    return _examples(args)


def _page(args: argparse.Namespace) -> Path:
    return Path(args.page) if args.page else resources.docs_page_path()


def _parse(args: argparse.Namespace) -> int:
    path = _page(args)
    page = parse_page(path)
    if args.openapi:
        with _writing("the OpenAPI skeleton", args.openapi):
            written = write_skeleton(page, args.openapi)
        print(f"wrote OpenAPI skeleton {written}", file=sys.stderr)
    if args.json:
        print(json.dumps(page.to_json(), indent=2, ensure_ascii=False))
    else:
        print(page_summary(page, display_path(path)))
    return 0


def drift_for(args: argparse.Namespace) -> tuple[DriftReport, Path]:
    """Run drift as the options say (also used by `vanceqa run`-style callers)."""
    path = _page(args)
    bundled = args.page is None
    page = parse_page(path)
    contract: Contract | None = None
    if args.contract and args.no_contract:
        raise UsageError("--contract and --no-contract contradict each other")
    if args.contract:
        try:
            contract = load_contract(args.contract)
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"cannot read the contract {args.contract}: {exc}") from None
    elif bundled and not args.no_contract:
        contract = load_contract()
    baseline: Baseline | None = None
    if args.baseline and args.no_baseline:
        raise UsageError("--baseline and --no-baseline contradict each other")
    if args.baseline:
        baseline = load_baseline(args.baseline)
    elif bundled and not args.no_baseline:
        with contextlib.suppress(FileNotFoundError):  # the workspace's, else ours, else none
            baseline = load_baseline(resources.locate("docs_baseline").path)
    return find_drift(page, contract, baseline), path


def _drift(args: argparse.Namespace) -> int:
    _check_report_dir(args)
    report, path = drift_for(args)
    if args.write_baseline:
        previous = report_baseline(args.write_baseline)
        with _writing("the baseline", args.write_baseline):
            count = write_baseline(args.write_baseline, report.findings, previous)
        print(f"wrote {count} accepted findings to {args.write_baseline}", file=sys.stderr)
    if args.report_dir:
        used = {"docs": path, "contract": report.contract, "docs_baseline": report.baseline}
        sources = resources.sources_record([k for k, v in used.items() if v], used)
        with _writing("the result file", Path(args.report_dir) / "docs.json"):
            written = write_docs_json(args.report_dir, path, drift=report, sources=sources)
        print(f"wrote {written}", file=sys.stderr)
    if args.json:
        document = {
            "format": "vanceqa.docs-drift/1",
            "page": display_path(path),
            "contract": report.contract,
            "baseline": report.baseline,
            "new_errors": len(report.gating),
            "findings": report.to_json(),
            "stale_baseline": report.stale_baseline,
        }
        print(json.dumps(document, indent=2, ensure_ascii=False))
    else:
        print(drift_text(report, display_path(path), show_info=args.all))
    return 0 if args.write_baseline else report.exit_code


def _check_report_dir(args: argparse.Namespace) -> None:
    if args.report_dir:
        resources.ensure_report_dir(args.report_dir)


@contextmanager
def _writing(what: str, path: Path | str) -> Iterator[None]:
    """A file we cannot write is a clear usage error, not a traceback."""
    try:
        yield
    except OSError as exc:
        raise UsageError(f"cannot write {what} {path}: {exc}") from None


def report_baseline(path: str) -> Baseline | None:
    """The baseline already at `path`, so rewriting it keeps the reasons people wrote."""
    return load_baseline(path) if Path(path).exists() else None


def _examples(args: argparse.Namespace) -> int:
    path = _page(args)
    page = parse_page(path)
    target = target_from_args(args)
    _check_report_dir(args)  # before any example runs, so no result is lost to it
    if not page.endpoints:
        raise UsageError(f"{display_path(path)} has no request line: no example to run")
    results: list[ExampleResult]
    ends_at = time.monotonic() + target.time_limit("docs")
    if target.starts_mock:
        with serve_mock() as server:
            mock_target = server.stand_in_for(target)
            plans = plan_examples(page, mock_target, own_mock=True)
            results, stopped = run_examples(
                plans,
                mock_target,
                strict_keys=args.strict_keys,
                after=server.reset,
                ends_at=ends_at,
            )
            where = f"{server.base_url} (the bundled mock)"
            summary_target: dict[str, object] = {"base_url": server.base_url, "mock": True}
            used = ["docs", "data"]
    else:
        plans = plan_examples(page, target)
        results, stopped = run_examples(
            plans, target, strict_keys=args.strict_keys, ends_at=ends_at
        )
        where = str(target.base_url)
        summary_target = {"base_url": target.base_url, "mock": False}
        used = ["docs"]
    summary_target["insecure"] = target.insecure
    sources = resources.sources_record(used, {"docs": path})
    print(f"docs examples: sources: {resources.sources_text(sources)}", file=sys.stderr)
    if target.insecure:
        print(f"docs examples: {INSECURE_NOTE}", file=sys.stderr)
    ran = [r for r in results if r.outcome != "skipped"]
    if not stopped and ran and all(r.status == 401 for r in ran):
        # Every example refused: that is the token, not the docs (one message, exit 3).
        stopped = (
            "the target refused the API token: every example that ran answered 401 "
            "(check --api-token or VANCEQA_API_TOKEN)"
        )
    elif not stopped and ran and all(r.status == 403 for r in ran):
        # The docs give 403 to hidden kittens only: a gateway is turning us away.
        sent = ", ".join(name for name, _ in target.headers) or "none"
        stopped = (
            "every example that ran answered 403 Forbidden: a gateway in front of the API "
            f"may want a header of its own (--header 'Name: value'; headers sent: {sent})"
        )
    if args.report_dir:
        with _writing("the result file", Path(args.report_dir) / "docs.json"):
            written = write_docs_json(
                args.report_dir,
                path,
                examples=results,
                target=summary_target,
                stopped=stopped,
                sources=sources,
            )
        print(f"wrote {written}", file=sys.stderr)
    if args.json:
        print(json.dumps([r.to_json() for r in results], indent=2, ensure_ascii=False))
    else:
        heading = f"docs examples: {display_path(path)} against {where}"
        print(examples_text(results, heading, stopped))
    if stopped:
        raise TargetUnavailable(stopped)
    if not ran:
        # Every example skipped: nothing was verified, which is no pass (cf. pytest's 5).
        print("docs examples: no example ran; see the reasons above", file=sys.stderr)
        return 1
    return 1 if any(r.outcome == "failed" for r in results) else 0
