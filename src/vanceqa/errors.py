"""The two error families: misuse of the toolkit, and findings about the API.

A `UsageError` is a problem with how vanceqa was called or configured (a wrong option,
a dead host, a refused token). The CLI prints its message and exits non-zero, with no
traceback. A `Finding` is the API breaking its documentation; it is an
`AssertionError` so pytest reports it as a failure, and it carries what is needed to
reproduce it with the token redacted.
"""

from __future__ import annotations

from dataclasses import dataclass, field


class UsageError(Exception):
    """Misuse or configuration: shown to the user as one clear message, exit code 2."""

    exit_code = 2


class TargetUnavailable(UsageError):
    """The target cannot be tested at all (unreachable, token refused, maintenance)."""

    exit_code = 3


@dataclass
class Finding(AssertionError):
    """A documented behaviour the target broke."""

    check: str
    behaviour: str
    docs_quote: str = ""
    curl: str = ""
    status: int | None = None
    body_excerpt: str = ""
    details: str = ""
    extra: dict[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__(str(self))

    def __str__(self) -> str:
        lines = [f"[{self.check}] {self.behaviour}"]
        if self.details:
            lines.append(self.details)
        if self.docs_quote:
            lines.append(f"docs: {self.docs_quote}")
        if self.curl:
            lines.append(f"request: {self.curl}")
        if self.status is not None:
            lines.append(f"response: {self.status} {self.body_excerpt}".rstrip())
        return "\n".join(lines)
