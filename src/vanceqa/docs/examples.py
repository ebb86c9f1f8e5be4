"""Run the docs' curl examples against a target and judge each answer.

An answer passes when its status is in the documented family (2xx unless the example
says otherwise) and its JSON has the documented example's shape: the same keys with the
same value types; values may differ. Extra keys are allowed (reading 5) unless
`strict_keys` is set. Requests go through the one `TargetClient`: a 429 is waited out
(reading 11), `--max-rps` holds, every request has its deadline and body cap, and a
DELETE the user did not name is never sent (reading 14). A 503 stops the run as
maintenance (reading 12) instead of failing every example.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from vanceqa.client import DeleteRefused, Exchange, TargetClient
from vanceqa.docs.jsonish import shape_differences
from vanceqa.docs.livevalues import LiveLookup, LiveValue, pick_live_value
from vanceqa.docs.plan import PlannedExample
from vanceqa.errors import Finding, TargetUnavailable
from vanceqa.pacing import StillThrottled
from vanceqa.redact import curl_line, redact_text
from vanceqa.target import TargetConfig


@dataclass(frozen=True)
class ExampleResult:
    endpoint: str  # "GET /api/kittens", as the request line writes the path
    language: str
    file: str
    line: int
    outcome: str  # passed | failed | skipped
    status: int | None = None
    message: str | None = None
    curl: str | None = None  # the request sent, token redacted
    duration_s: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "endpoint": self.endpoint,
            "language": self.language,
            "file": self.file,
            "line": self.line,
            "outcome": self.outcome,
            "status": self.status,
            "message": self.message,
            "curl": self.curl,
            "duration_s": round(self.duration_s, 4),
        }


# Answers meaning "the docs' example value cannot be used here", not "the docs are wrong".
_UNUSABLE = {
    403: "is hidden for this token",
    404: "is not on the target",
    410: "is gone from the target",
}


class Maintenance(Exception):
    """The target answered 503: it is in maintenance, the rest cannot be judged."""


class Unreachable(Exception):
    """The target could not be reached at all."""


class Oversized(Exception):
    """An answer passed --max-body: a finding on that example, not on the target."""


def result_for(plan: PlannedExample, outcome: str, **fields: Any) -> ExampleResult:
    """The result of `plan`: its label, language and place in the docs, and `fields`."""
    return ExampleResult(
        plan.label, plan.language, plan.source.file, plan.source.line, outcome, **fields
    )


def skipped(plan: PlannedExample, reason: str) -> ExampleResult:
    return result_for(plan, "skipped", message=reason)


def run_example(
    plan: PlannedExample,
    client: TargetClient,
    target: TargetConfig,
    *,
    strict_keys: bool = False,
) -> ExampleResult:
    """Send one planned example and judge the answer. Raises Maintenance / Unreachable.

    A read whose path value is not usable on the target (404, 410, or 403: hidden for
    this token) is run again with a live value from the sibling collection
    (`livevalues.py`), or skipped when there is none. A DELETE the user did not name,
    or an answer still 429 past the retry bound, is skipped with the reason.
    """
    if plan.skip:
        return skipped(plan, plan.skip)
    try:
        return _run(plan, client, target, strict_keys)
    except DeleteRefused as exc:
        return skipped(plan, str(exc))
    except Oversized as exc:
        curl = curl_line(plan.method, plan.url, plan.headers, target.secrets)
        return result_for(plan, "failed", message=str(exc), curl=curl)
    except StillThrottled:
        return skipped(plan, "still rate limited (429) after waiting as Retry-After asked")


def _run(
    plan: PlannedExample, client: TargetClient, target: TargetConfig, strict_keys: bool
) -> ExampleResult:
    secrets = target.secrets
    started = time.monotonic()
    url = plan.url
    response = _send(client, plan.method, url, plan)
    note: str | None = None
    lookup = plan.live
    expected_family = plan.expected.family if plan.expected else "2xx"
    status = response.status
    if plan.method == "DELETE" and status in (404, 410) and expected_family == "2xx":
        # The named id is gone already (an earlier run, or this run's state checks,
        # deleted it): 410 and 404 are the documented answers for it (reading 10), and
        # nothing is left for the example to delete. No verdict on the docs either way.
        return result_for(
            plan,
            "skipped",
            status=status,
            message=f"the id it deletes is gone already ({status}): name a live --delete-id "
            "to run the docs' DELETE",
            curl=curl_line(plan.method, url, plan.headers, secrets),
            duration_s=time.monotonic() - started,
        )
    if lookup is not None and status in _UNUSABLE and expected_family != "4xx":
        docs = f"the docs' {lookup.parameter} {lookup.docs_value}"
        # A hidden value may be listed (the docs do not say): take another one then.
        live = _live_value(lookup, plan, client, avoid_docs=status == 403)
        where = lookup.collection or f"GET {lookup.collection_path}"
        if live.lists_docs_value:
            note = f"{docs} answered {status}, yet {where} lists it"
        elif live.value is None:
            return result_for(
                plan,
                "skipped",
                status=status,
                message=f"{docs} {_UNUSABLE[status]} ({status}) and {live.problem}: not judged",
                curl=curl_line(plan.method, url, plan.headers, secrets),
                duration_s=time.monotonic() - started,
            )
        else:
            note = f"{docs} {_UNUSABLE[status]}; used {live.value} from {where}"
            url = lookup.url_with(live.value)
            response = _send(client, plan.method, url, plan)
    outcome, message = _judge(plan, response, strict_keys, secrets)
    if response.status == 503:
        raise Maintenance(f"{plan.label} answered 503: the target is in maintenance")
    if note is not None:
        message = note if message is None else f"{note}; {message}"
    return result_for(
        plan,
        outcome,
        status=response.status,
        message=message,
        curl=curl_line(plan.method, url, plan.headers, secrets),
        duration_s=time.monotonic() - started,
    )


def _send(
    client: TargetClient, method: str, url: str, plan: PlannedExample, *, with_body: bool = True
) -> Exchange:
    """One request with the plan's headers (and body, multipart forms encoded as curl -F)."""
    headers, content = dict(plan.headers), plan.content if with_body else None
    if with_body and plan.form:
        encoded = httpx.Request(method, url, files=[(k, (None, v)) for k, v in plan.form])
        content = encoded.read()
        headers["Content-Type"] = encoded.headers["content-type"]
    try:
        return client.send(method, url, headers, content)
    except TargetUnavailable:  # stopped answering, or the run's time is up
        raise
    except Finding as exc:  # no answer at all, or more than --max-body of one
        text = redact_text(f"{url}: {exc.details}", client.secrets)
        raise (Oversized if exc.check == "response_size" else Unreachable)(text) from None


def _live_value(
    lookup: LiveLookup, plan: PlannedExample, client: TargetClient, *, avoid_docs: bool = False
) -> LiveValue:
    """Ask the sibling collection (with the example's headers: the user's token) for a value."""
    if lookup.collection is None:
        return LiveValue(
            problem=f"the page documents no GET {lookup.collection_path} to find one on"
        )
    answer = _send(client, "GET", lookup.collection_url, plan, with_body=False)
    if answer.status == 503:
        raise Maintenance(f"{lookup.collection} answered 503: the target is in maintenance")
    if answer.status // 100 != 2:
        return LiveValue(problem=f"{lookup.collection} answered {answer.status}")
    try:
        body = answer.json()
    except (ValueError, UnicodeDecodeError):
        return LiveValue(problem=f"{lookup.collection} answered no JSON")
    return pick_live_value(lookup, body, avoid_docs=avoid_docs)


def run_examples(
    plans: list[PlannedExample],
    target: TargetConfig,
    *,
    client: TargetClient | None = None,
    strict_keys: bool = False,
    after: Callable[[], None] | None = None,
    ends_at: float | None = None,
) -> tuple[list[ExampleResult], str | None]:
    """Run every plan; (results, why the run stopped early or None).

    `after` runs once at the end when an example changed data (the CLI resets its own
    mock with it). Past `ends_at` (monotonic; the client's clock), no request is sent and
    the examples left are not run.
    """
    own = client is None
    http = client or TargetClient(target)
    if ends_at is not None:
        http.start_clock(max(0.0, ends_at - time.monotonic()))
    results: list[ExampleResult] = []
    stopped: str | None = None
    changed = False
    try:
        for plan in plans:
            if not stopped and ends_at is not None and time.monotonic() > ends_at:
                stopped = "the run's time limit (--time-limit) passed"
            if stopped:
                results.append(skipped(plan, f"not run: {stopped}"))
                continue
            changed = changed or (plan.changes_data and not plan.skip)
            try:
                results.append(run_example(plan, http, target, strict_keys=strict_keys))
            except (Maintenance, TargetUnavailable) as exc:
                stopped = str(exc)
                results.append(skipped(plan, stopped))
            except Unreachable as exc:
                stopped = f"the target cannot be reached ({exc})"
                results.append(result_for(plan, "failed", message=stopped))
    finally:
        if own:
            http.close()
        if changed and after is not None:
            after()
    return results, stopped


def _judge(
    plan: PlannedExample, response: Exchange, strict_keys: bool, secrets: tuple[str, ...]
) -> tuple[str, str | None]:
    expected = plan.expected
    family = expected.family if expected else "2xx"
    status = response.status
    excerpt = redact_text(response.body[:200].decode("utf-8", "replace"), secrets)
    if f"{status // 100}xx" != family:
        hint = " (is the API token right?)" if status == 401 else ""
        return "failed", f"status {status}, the docs show a {family} answer{hint}: {excerpt}"
    if expected is None or not expected.parsed or plan.method == "HEAD":
        return "passed", None if expected else "no documented response to compare the shape with"
    try:
        body = response.json()
    except (ValueError, UnicodeDecodeError):
        return "failed", f"the answer is not JSON, the docs show JSON: {excerpt}"
    # An elided example (`...`) shows only part of the answer: keys beyond it are no news.
    strict = strict_keys and not expected.elided
    problems = shape_differences(expected.body, body, allow_extra_keys=not strict)
    if problems:
        shown = "; ".join(problems[:5]) + (" ..." if len(problems) > 5 else "")
        return "failed", f"shape differs from the example at {expected.source}: {shown}"
    return "passed", None
