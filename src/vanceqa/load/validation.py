"""The contract, checked on every response of a load test.

A response passes when its status is documented for the operation, a body it carries
is declared JSON (reading 7), and a 200's body matches the operation's schema. A
documented status the scenario did not ask for (a 401 mid-run, a 503) is an error too,
under its own reason. A 429 is throttling: counted apart, never an error (reading 11).

Under load the same bytes come back again and again (the list, one kitten), so each
verdict is remembered per (operation, status, content type, body): the compiled
fastjsonschema validator runs once per distinct body, not once per response.
"""

from __future__ import annotations

from collections.abc import Collection
from http import HTTPStatus

import fastjsonschema
import orjson

from vanceqa.contract import Contract, default_contract

THROTTLED = 429
_CACHE_LIMIT = 4096
_CACHE_BODY_LIMIT = 256 * 1024
_OK = ""  # cached verdict meaning "passed"


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "unknown status"


def is_json_type(content_type: str | None) -> bool:
    if not content_type:
        return False
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


class ResponseCheck:
    """Judges (operation, status, content type, body); returns a failure reason or None."""

    def __init__(self, contract: Contract | None = None) -> None:
        self.contract = contract or default_contract()
        self.statuses = {op.operation_id: op.statuses for op in self.contract.operations}
        self._cache: dict[tuple[str, int, str | None, bytes], str] = {}

    def failure(
        self,
        operation: str,
        status: int,
        content_type: str | None,
        body: bytes,
        expected: Collection[int] = (200,),
    ) -> str | None:
        """Why this response breaks the contract or the scenario, or None if it is fine."""
        key = (operation, status, content_type, body)
        verdict = self._cache.get(key)
        if verdict is None:
            verdict = self._judge(operation, status, content_type, body) or _OK
            if len(body) <= _CACHE_BODY_LIMIT:
                if len(self._cache) >= _CACHE_LIMIT:
                    self._cache.clear()
                self._cache[key] = verdict
        if verdict:
            return verdict
        if status not in expected and status != THROTTLED:
            return f"unexpected {status} {_phrase(status)}"
        return None

    def _judge(self, operation: str, status: int, content_type: str | None, body: bytes) -> str:
        statuses = self.statuses.get(operation)
        if statuses is None:
            return f"operation {operation} is not in the contract"
        if status not in statuses:
            return f"status {status} not documented for {operation}"
        if status == THROTTLED:
            return ""
        if not body:
            return "empty body" if status == 200 else ""
        if not is_json_type(content_type):
            return f"content-type {content_type or '(none)'} is not JSON"
        try:
            document = orjson.loads(body)
        except orjson.JSONDecodeError:
            return "body is not JSON"
        validator = self.contract.validator(operation, status)
        if validator is not None:
            try:
                validator(document)
            except fastjsonschema.JsonSchemaException as exc:
                return f"body breaks the {operation} {status} schema: {str(exc)[:120]}"
        return ""
