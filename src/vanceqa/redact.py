"""Keep tokens out of every report, log and repro line."""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable, Mapping

REDACTED = "[REDACTED]"
_SENSITIVE_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "x-api-key"})


def redact_text(text: str, secrets: Iterable[str | None]) -> str:
    """Replace every occurrence of each non-empty secret in `text`."""
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return text


def redact_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Headers with the value of every credential-carrying header replaced.

    An empty value stays empty: "sent an empty token" must stay visible in a repro.
    """
    return {
        name: (REDACTED if name.lower() in _SENSITIVE_HEADERS and value else value)
        for name, value in headers.items()
    }


def curl_line(
    method: str,
    url: str,
    headers: Mapping[str, str] | None = None,
    secrets: Iterable[str | None] = (),
) -> str:
    """A curl command that repeats a request, with credentials redacted."""
    parts = ["curl", "-i"]
    if method.upper() != "GET":
        parts += ["-X", method.upper()]
    for name, value in redact_headers(headers or {}).items():
        parts += ["-H", f"{name}: {value}"]
    parts.append(url)
    return redact_text(" ".join(shlex.quote(p) for p in parts), secrets)


_BEARERISH = re.compile(r"(?i)(authorization:\s*)(\S.*)")


def scrub_log_line(line: str, secrets: Iterable[str | None]) -> str:
    """Redact known secrets and any Authorization header value in a log line."""
    line = redact_text(line, secrets)
    return _BEARERISH.sub(lambda m: m.group(1) + REDACTED, line)
