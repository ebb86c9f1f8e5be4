"""Keep secrets out of every report, log and repro line: tokens and secret header values."""

from __future__ import annotations

import re
import shlex
from collections.abc import Collection, Iterable, Mapping

REDACTED = "[REDACTED]"
_SENSITIVE_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "x-api-key"})
# An Authorization value in a log line, a curl line or a page's text, unless redacted.
# The value runs to the end of the line, or to a quote or markup that closes it.
_AUTH_VALUE = re.compile(
    r"(?i)(\b(?:proxy-)?authorization[\"']?\s*[:=]\s*[\"']?)(?!\[REDACTED\])([^'\"<&,}\s](?:[^'\"<&,}\r\n]*[^'\"<&,}\s])?)"
)


def redact_text(text: str, secrets: Iterable[str | None]) -> str:
    """Replace every occurrence of each non-empty secret in `text`."""
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return text


def redact_headers(
    headers: Mapping[str, str], secret_names: Collection[str] = ()
) -> dict[str, str]:
    """Headers with the value of every credential-carrying header replaced.

    An empty value stays empty: "sent an empty token" must stay visible in a repro.
    """
    names = _SENSITIVE_HEADERS | {n.lower() for n in secret_names}
    return {
        name: (REDACTED if name.lower() in names and value else value)
        for name, value in headers.items()
    }


def curl_line(
    method: str,
    url: str,
    headers: Mapping[str, str] | None = None,
    secrets: Iterable[str | None] = (),
    secret_names: Collection[str] = (),
) -> str:
    """A curl command that repeats a request, with credentials redacted."""
    parts = ["curl", "-i"]
    if method.upper() != "GET":
        parts += ["-X", method.upper()]
    for name, value in redact_headers(headers or {}, secret_names).items():
        parts += ["-H", f"{name}: {value}"]
    parts.append(url)
    return redact_text(" ".join(shlex.quote(p) for p in parts), secrets)


def scrub(text: str, secrets: Iterable[str | None]) -> str:
    """Redact known secrets and any Authorization value (a log line, a page's text)."""
    return _AUTH_VALUE.sub(lambda m: m.group(1) + REDACTED, redact_text(text, secrets))
