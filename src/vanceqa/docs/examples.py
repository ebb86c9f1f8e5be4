"""Run the docs' curl examples against a target and judge each answer.

An answer passes when its status is in the documented family (2xx unless the example
says otherwise) and its JSON has the documented example's shape: the same keys with the
same value types; values may differ. Extra keys are allowed (decision 5) unless
`strict_keys` is set. A 429 is waited out (decision 11); a 503 stops the run as
maintenance (decision 12) instead of failing every example.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from vanceqa.docs.jsonish import shape_differences
from vanceqa.docs.livevalues import LiveLookup, LiveValue, pick_live_value
from vanceqa.docs.plan import PlannedExample
from vanceqa.redact import curl_line, redact_text
from vanceqa.target import TargetConfig

MAX_RETRY_AFTER_S = 10.0
RETRIES_ON_429 = 3


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


def skipped(plan: PlannedExample, reason: str) -> ExampleResult:
    return ExampleResult(
        plan.label, plan.language, plan.source.file, plan.source.line, "skipped", message=reason
    )


def run_example(
    plan: PlannedExample,
    client: httpx.Client,
    target: TargetConfig,
    *,
    strict_keys: bool = False,
    sleep: Callable[[float], None] = time.sleep,
    pace: Callable[[], None] | None = None,
) -> ExampleResult:
    """Send one planned example and judge the answer. Raises Maintenance / Unreachable.

    A read whose path value is not usable on the target (404, 410, or 403: hidden for
    this token) is run again with a live value from the sibling collection
    (`livevalues.py`), or skipped when there is none;
    `pace` runs before each of those extra requests.
    """
    if plan.skip:
        return skipped(plan, plan.skip)
    secrets = target.secrets
    started = time.monotonic()
    url = plan.url
    response = _send(client, plan.method, url, plan, secrets, sleep)
    note: str | None = None
    lookup = plan.live
    expected_family = plan.expected.family if plan.expected else "2xx"
    status = response.status_code
    if lookup is not None and status in _UNUSABLE and expected_family != "4xx":
        docs = f"the docs' {lookup.parameter} {lookup.docs_value}"
        # A hidden value may be listed (the docs do not say): take another one then.
        live = _live_value(lookup, plan, client, secrets, sleep, pace, avoid_docs=status == 403)
        where = lookup.collection or f"GET {lookup.collection_path}"
        if live.lists_docs_value:
            note = f"{docs} answered {status}, yet {where} lists it"
        elif live.value is None:
            return ExampleResult(
                plan.label,
                plan.language,
                plan.source.file,
                plan.source.line,
                "skipped",
                status,
                f"{docs} {_UNUSABLE[status]} ({status}) and {live.problem}: not judged",
                curl_line(plan.method, url, plan.headers, secrets),
                time.monotonic() - started,
            )
        else:
            note = f"{docs} {_UNUSABLE[status]}; used {live.value} from {where}"
            url = lookup.url_with(live.value)
            if pace is not None:
                pace()
            response = _send(client, plan.method, url, plan, secrets, sleep)
    outcome, message = _judge(plan, response, strict_keys, secrets)
    if response.status_code == 503:
        raise Maintenance(f"{plan.label} answered 503: the target is in maintenance")
    if note is not None:
        message = note if message is None else f"{note}; {message}"
    return ExampleResult(
        plan.label,
        plan.language,
        plan.source.file,
        plan.source.line,
        outcome,
        response.status_code,
        message,
        curl_line(plan.method, url, plan.headers, secrets),
        time.monotonic() - started,
    )


def _send(
    client: httpx.Client,
    method: str,
    url: str,
    plan: PlannedExample,
    secrets: tuple[str, ...],
    sleep: Callable[[float], None],
    *,
    with_body: bool = True,
) -> httpx.Response:
    """One request with the plan's headers (and body), a 429 waited out (bounded)."""
    response: httpx.Response | None = None
    for attempt in range(RETRIES_ON_429 + 1):
        try:
            response = client.request(
                method,
                url,
                headers=plan.headers,
                content=plan.content if with_body else None,
                files=([(k, (None, v)) for k, v in plan.form] or None) if with_body else None,
            )
        except httpx.TransportError as exc:
            raise Unreachable(redact_text(f"{url}: {exc}", secrets)) from None
        if response.status_code != 429 or attempt == RETRIES_ON_429:
            break
        sleep(_retry_after(response))
    assert response is not None
    return response


def _live_value(
    lookup: LiveLookup,
    plan: PlannedExample,
    client: httpx.Client,
    secrets: tuple[str, ...],
    sleep: Callable[[float], None],
    pace: Callable[[], None] | None,
    *,
    avoid_docs: bool = False,
) -> LiveValue:
    """Ask the sibling collection (with the example's headers: the user's token) for a value."""
    if lookup.collection is None:
        return LiveValue(
            problem=f"the page documents no GET {lookup.collection_path} to find one on"
        )
    if pace is not None:
        pace()
    answer = _send(client, "GET", lookup.collection_url, plan, secrets, sleep, with_body=False)
    if answer.status_code == 503:
        raise Maintenance(f"{lookup.collection} answered 503: the target is in maintenance")
    if answer.status_code // 100 != 2:
        return LiveValue(problem=f"{lookup.collection} answered {answer.status_code}")
    try:
        body = answer.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return LiveValue(problem=f"{lookup.collection} answered no JSON")
    return pick_live_value(lookup, body, avoid_docs=avoid_docs)


def run_examples(
    plans: list[PlannedExample],
    target: TargetConfig,
    *,
    client: httpx.Client | None = None,
    strict_keys: bool = False,
    timeout: float = 10.0,
    after: Callable[[], None] | None = None,
) -> tuple[list[ExampleResult], str | None]:
    """Run every plan; (results, why the run stopped early or None).

    `after` runs once at the end when an example changed data (the CLI resets its own
    mock with it).
    """
    own = client is None
    http = client or httpx.Client(timeout=timeout, follow_redirects=False)
    results: list[ExampleResult] = []
    stopped: str | None = None
    pace = _Pacer(target.max_rps)
    changed = False
    try:
        for plan in plans:
            if stopped:
                results.append(skipped(plan, f"not run: {stopped}"))
                continue
            if not plan.skip:
                pace()
            changed = changed or (plan.changes_data and not plan.skip)
            try:
                results.append(run_example(plan, http, target, strict_keys=strict_keys, pace=pace))
            except Maintenance as exc:
                stopped = str(exc)
                results.append(skipped(plan, stopped))
            except Unreachable as exc:
                stopped = f"the target cannot be reached ({exc})"
                results.append(
                    ExampleResult(
                        plan.label,
                        plan.language,
                        plan.source.file,
                        plan.source.line,
                        "failed",
                        message=stopped,
                    )
                )
    finally:
        if own:
            http.close()
        if changed and after is not None:
            after()
    return results, stopped


class _Pacer:
    """Keeps the run under `--max-rps`: each call waits for the next request's turn."""

    def __init__(self, max_rps: float | None) -> None:
        self.interval = 1.0 / max_rps if max_rps else 0.0
        self.last = 0.0

    def __call__(self) -> None:
        if self.interval:
            time.sleep(max(0.0, self.last + self.interval - time.monotonic()))
            self.last = time.monotonic()


def _judge(
    plan: PlannedExample, response: httpx.Response, strict_keys: bool, secrets: tuple[str, ...]
) -> tuple[str, str | None]:
    expected = plan.expected
    family = expected.family if expected else "2xx"
    status = response.status_code
    excerpt = redact_text(response.text[:200], secrets)
    if status == 429:
        return "skipped", "still rate limited (429) after waiting as Retry-After asked"
    if f"{status // 100}xx" != family:
        hint = " (is the API token right?)" if status == 401 else ""
        return "failed", f"status {status}, the docs show a {family} answer{hint}: {excerpt}"
    if expected is None or not expected.parsed or plan.method == "HEAD":
        return "passed", None if expected else "no documented response to compare the shape with"
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return "failed", f"the answer is not JSON, the docs show JSON: {excerpt}"
    problems = shape_differences(expected.body, body, allow_extra_keys=not strict_keys)
    if problems:
        shown = "; ".join(problems[:5]) + (" ..." if len(problems) > 5 else "")
        return "failed", f"shape differs from the example at {expected.source}: {shown}"
    return "passed", None


def _retry_after(response: httpx.Response) -> float:
    try:
        wait = float(response.headers.get("retry-after", "1"))
    except ValueError:
        wait = 1.0
    return min(max(wait, 0.0), MAX_RETRY_AFTER_S)
