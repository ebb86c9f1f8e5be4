"""Turn each endpoint's curl examples into requests for a target.

The docs' host becomes the target's base URL and the docs' token the user's; a DELETE
gets an id the user named; a read learns where a live id can be found should the docs'
id not be on the target (`livevalues.py`). Nothing here sends anything: `examples.py` does.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode, urlsplit

from vanceqa.docs.drift_self import CREDENTIAL_HEADERS, CREDENTIAL_PARAMS
from vanceqa.docs.livevalues import READ_METHODS, LiveLookup, live_lookup
from vanceqa.docs.model import CodeExample, DocsPage, Endpoint, ExampleResponse, Source
from vanceqa.docs.requestline import param_name, path_values, segments
from vanceqa.docs.snippets import CurlCommand, CurlParseError, parse_curl_commands
from vanceqa.target import TargetConfig

_WRITES = frozenset({"POST", "PUT", "PATCH"})


@dataclass
class PlannedExample:
    """One curl command of the docs, ready to send to the target (or skipped, with why)."""

    endpoint: Endpoint
    language: str
    source: Source  # the curl command's line
    method: str = ""
    url: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    content: bytes | None = None
    form: list[tuple[str, str]] = field(default_factory=list)
    skip: str | None = None
    expected: ExampleResponse | None = None
    live: LiveLookup | None = None  # reads only: where to find a live path value on a 404

    @property
    def label(self) -> str:
        return f"{self.method or '|'.join(self.endpoint.methods)} {self.endpoint.path}"

    @property
    def test_id(self) -> str:
        return f"{self.label} {self.source}"

    @property
    def changes_data(self) -> bool:
        return self.method in _WRITES or self.method == "DELETE"


def plan_examples(
    page: DocsPage, target: TargetConfig, *, own_mock: bool = False
) -> list[PlannedExample]:
    """Every endpoint's curl commands as requests to `target`, reads before writes.

    `own_mock`: the target is a bundled mock started for this run, so writes and DELETE
    may run (its data is reset afterwards) on the ids the docs use.
    """
    if not target.base_url:
        raise ValueError("plan_examples needs a target with a base URL")
    planned: list[PlannedExample] = []
    delete_ids = list(target.delete_ids)
    for endpoint in page.endpoints:
        shell = endpoint.examples_for("shell")
        if not shell:
            planned.append(
                PlannedExample(endpoint, "-", endpoint.source, skip="no curl example to run")
            )
            continue
        for example in shell:
            planned.extend(_plan_block(endpoint, example, target, own_mock, delete_ids))
    for plan in planned:
        # Never for DELETE or writes: those touch only the ids the user named.
        if plan.method in READ_METHODS and not plan.skip:
            plan.live = live_lookup(plan.endpoint, plan.url, page.endpoints)
    order = {"read": 0, "write": 1, "delete": 2}
    return sorted(planned, key=lambda p: order[_kind(p.method)])


def _plan_block(
    endpoint: Endpoint,
    example: CodeExample,
    target: TargetConfig,
    own_mock: bool,
    delete_ids: list[int],
) -> list[PlannedExample]:
    try:
        commands = parse_curl_commands(example.code)
    except CurlParseError as exc:
        return [PlannedExample(endpoint, "shell", example.source, skip=f"cannot read: {exc}")]
    if not commands:
        return []
    return [
        _plan_command(endpoint, example, command, target, own_mock, delete_ids)
        for command in commands
    ]


def _plan_command(
    endpoint: Endpoint,
    example: CodeExample,
    command: CurlCommand,
    target: TargetConfig,
    own_mock: bool,
    delete_ids: list[int],
) -> PlannedExample:
    source = Source(example.source.file, example.source.line + command.line)
    plan = PlannedExample(endpoint, "shell", source, method=command.method)
    plan.expected = next(iter(endpoint.success_responses()), None) or next(
        iter(r for r in endpoint.responses if r.kind == "response"), None
    )
    token = target.api_token or ""
    parts = urlsplit(command.url) if "://" in command.url else None
    if parts is None and not command.url.startswith("/"):
        plan.skip = f"the URL {command.url!r} is a placeholder"
        return plan
    path = parts.path if parts else command.url.split("?", 1)[0]
    query = parts.query if parts else (command.url.split("?", 1)[1] if "?" in command.url else "")
    if command.method == "DELETE" and not own_mock:
        if not target.destructive:
            plan.skip = "DELETE runs only with --destructive and --delete-id"
            return plan
        if not path_values(endpoint.path, path):
            plan.skip = "DELETE without an id in the path: not run"
            return plan
        if not delete_ids:
            plan.skip = "DELETE needs an id named with --delete-id (all given ids are used)"
            return plan
        path = _with_id(endpoint.path, path, str(delete_ids.pop(0)))
    elif command.method in _WRITES and not own_mock and not target.destructive:
        plan.skip = f"{command.method} changes data: runs only with --destructive"
        return plan
    if any(v.startswith(("@", "<")) for _, v in command.form) or command.upload_file:
        plan.skip = "uploads a local file: not run"
        return plan
    pairs = parse_qsl(query, keep_blank_values=True)
    if command.get_data:  # curl -G: the -d data goes into the query string
        for chunk in command.data:
            pairs += parse_qsl(chunk, keep_blank_values=True)
    query_pairs = [(k, token if k.lower() in CREDENTIAL_PARAMS else v) for k, v in pairs]
    plan.url = target.base_url.rstrip("/") + (path or "/")  # type: ignore[union-attr]
    if query_pairs:
        plan.url += "?" + urlencode(query_pairs)
    for name, value in command.headers:
        if name.lower() in CREDENTIAL_HEADERS:
            scheme = value.split()[0] + " " if len(value.split()) > 1 else ""
            value = scheme + token
        plan.headers[name] = value
    if command.user is not None:
        # The docs' user is a placeholder: the user's token takes its place.
        password = command.user.partition(":")[2]
        basic = base64.b64encode(f"{token}:{password}".encode()).decode()
        plan.headers["Authorization"] = f"Basic {basic}"
    plan.form = [(k, token if k.lower() in CREDENTIAL_PARAMS else v) for k, v in command.form]
    if command.data and not command.get_data:
        plan.content = _body(command, token).encode()
    return plan


def _body(command: CurlCommand, token: str) -> str:
    body = command.body or ""
    if command.json_body:
        try:
            document = json.loads(body)
        except json.JSONDecodeError:
            return body  # sent as written; drift reports the broken example
        if isinstance(document, dict):
            for key in document:
                if key.lower() in CREDENTIAL_PARAMS:
                    document[key] = token
        return json.dumps(document)
    pairs = parse_qsl(body, keep_blank_values=True)
    if pairs and all(k for k, _ in pairs):
        return urlencode([(k, token if k.lower() in CREDENTIAL_PARAMS else v) for k, v in pairs])
    return body


def _with_id(template: str, path: str, new: str) -> str:
    """`path` with the segments under the template's parameters (aligned from the end) set."""
    parts = segments(path)
    for offset, want in enumerate(reversed(segments(template)), 1):
        if offset <= len(parts) and param_name(want) is not None:
            parts[-offset] = new
    return "/" + "/".join(parts)


def _kind(method: str) -> str:
    if method == "DELETE":
        return "delete"
    return "write" if method in _WRITES else "read"
