"""The `vanceqa` command: a thin dispatcher over subcommand modules.

Each subcommand lives in its own module exposing `add_arguments(parser)` and
`run(args) -> int`, imported only when that subcommand runs, so `vanceqa mock` never
pays for (or gets patched by) locust, and `vanceqa --help` stays instant.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from typing import Protocol, cast

from vanceqa import __version__, resources
from vanceqa.errors import UsageError

# name -> (module, one-line help)
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "run": (
        "vanceqa.report.run_command",
        "run conformance and a short load test, write one report",
    ),
    "check": ("vanceqa.conformance.cli", "run the conformance suites and write their reports"),
    "load": ("vanceqa.load.cli", "run a locust load test with HDR latencies and SLO gates"),
    "report": ("vanceqa.report.report_command", "rebuild reports/index.html from result files"),
    "mock": ("vanceqa.mock.cli", "serve the bundled mock of the API on a real socket"),
    "docs": ("vanceqa.docs.cli", "parse the Slate docs, find drift, run their examples"),
    "init": ("vanceqa.init_command", "write a workspace (suites, SLOs, data, settings) to edit"),
}
PROJECT_HELP = (
    "the workspace whose fixtures/, conformance/, loadtests/ and vanceqa.toml win over "
    "the bundled ones (env VANCEQA_PROJECT; default: the current directory)"
)


class _Subcommand(Protocol):
    def add_arguments(self, parser: argparse.ArgumentParser) -> None: ...

    def run(self, args: argparse.Namespace) -> int: ...


def _overview() -> str:
    width = max(map(len, SUBCOMMANDS))
    rows = "\n".join(f"  {name:<{width}}  {text}" for name, (_, text) in SUBCOMMANDS.items())
    return f"commands:\n{rows}\n\nRun `vanceqa COMMAND --help` for a command's options."


def _take_project(args: list[str]) -> tuple[str | None, list[str]]:
    """Take `--project DIR` from anywhere before `--` (`vanceqa --project DIR run`,
    `vanceqa docs examples --project DIR`); what follows `--` belongs to pytest/locust."""
    project: str | None = None
    rest: list[str] = []
    index = 0
    while index < len(args):
        arg = args[index]
        if arg == "--":
            rest += args[index:]
            break
        if arg == "--project":
            project = args[index + 1] if index + 1 < len(args) else ""
            index += 2
            continue
        if arg.startswith("--project="):
            project = arg.split("=", 1)[1]
        else:
            rest.append(arg)
        index += 1
    return project, rest


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `vanceqa` console script; returns the exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    top = argparse.ArgumentParser(
        prog="vanceqa",
        description="Conformance and load testing for the Vance AI API.",
        epilog=_overview(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    top.add_argument("--version", action="version", version=f"vanceqa {__version__}")
    top.add_argument("--project", metavar="DIR", help=PROJECT_HELP)
    top.add_argument("command", choices=sorted(SUBCOMMANDS), metavar="COMMAND")
    project, args = _take_project(args)
    if project == "":
        top.error("--project needs a folder")
    if not args:
        top.print_help()
        return 2
    if args[0].startswith("-"):
        top.parse_args(args)  # --help / --version exit here; anything else is an error
        return 2
    name, rest = args[0], args[1:]
    if name not in SUBCOMMANDS:
        top.parse_args([name])  # argparse prints the valid choices and exits 2
        return 2
    module_name, text = SUBCOMMANDS[name]
    module = cast(_Subcommand, importlib.import_module(module_name))
    parser = argparse.ArgumentParser(prog=f"vanceqa {name}", description=text)
    module.add_arguments(parser)
    parser.add_argument("--project", metavar="DIR", help=PROJECT_HELP)  # for --help only
    parsed = parser.parse_args(rest)
    try:
        if project:
            resources.use_project(project)  # the phases and the mock inherit it
        code = module.run(parsed)
        sys.stdout.flush()  # a closed pipe shows here, not in the interpreter's exit
        return code
    except UsageError as exc:
        print(f"vanceqa {name}: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(f"vanceqa {name}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`vanceqa docs parse --json | head`): stop quietly, as
        # Unix tools do, and keep Python's final flush from raising again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141
