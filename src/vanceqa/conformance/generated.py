"""Schemathesis, wired to the suite: the contract, our settings, our client.

`st run` would send with its own client; here each generated case is sent through the
suite's `TargetClient` (the DELETE guard, deadlines, pacing, 429 patience) and then
validated by schemathesis' checks, whose failures become `Finding`s with a redacted curl
line like every other check.
"""

from __future__ import annotations

from typing import Any

import requests
import schemathesis
from schemathesis.config import SchemathesisConfig
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.core.transport import Response
from schemathesis.specs.openapi.schemas import OpenApiSchema
from schemathesis.transport.requests import RequestsTransport

from vanceqa import resources
from vanceqa.client import Exchange, TargetClient
from vanceqa.conformance.checks import DOCS, flag_meaning
from vanceqa.conformance.suite import lenient_positive_integer
from vanceqa.errors import Finding
from vanceqa.redact import redact_text
from vanceqa.target import TargetConfig

SETTINGS_FILE = "schemathesis.toml"
# The docs line each schemathesis check stands for, most telling first.
_DOCS_FOR = {
    "not_a_server_error": DOCS[500],
    "negative_data_rejection": DOCS[400],
    "ignored_auth": DOCS[401],
    "unsupported_method": DOCS[405],
    "allow_header_conformance": DOCS[405],
    "positive_data_acceptance": DOCS[404],
    "use_after_free": DOCS[410],
    "content_type_conformance": DOCS["json"],
}
_BODY_DOCS = {
    "listKittens": DOCS["list"],
    "getKitten": DOCS["item"],
    "deleteKitten": DOCS["delete"],
}


def load_schema() -> Any:
    """The contract as a schemathesis schema, with conformance/schemathesis.toml applied."""
    config = SchemathesisConfig.from_path(resources.suite_file(SETTINGS_FILE))
    schema = schemathesis.openapi.from_path(resources.openapi_path(), config=config)
    schema.__class__ = _ClientRoutedSchema  # only the transport differs
    return schema


def _check_names(failures: list[Failure]) -> list[str]:
    names: list[str] = []
    for failure in failures:
        for name in type(failure).checks or (type(failure).__name__,):
            if name not in names:
                names.append(name)
    return names


def send_case(case: Any, target: TargetConfig, client: TargetClient) -> Exchange:
    """Send one generated case through `client` and run schemathesis' checks on the answer."""
    assert target.base_url is not None
    auth = {"Authorization": target.api_token or ""}
    exchange = _send_through(client, case, target.base_url, auth)
    _PROBES.client = client  # the checks' own follow-up requests go through it too
    try:
        case.validate_response(
            exchange.raw, headers=auth, transport_kwargs={"base_url": target.base_url}
        )
    except FailureGroup as group:
        failures = _judged(case, list(group.exceptions))
    except Failure as failure:
        failures = _judged(case, [failure])
    else:
        failures = []
    if failures:
        raise _finding(failures, exchange, case.operation.definition.raw) from None
    return exchange


def _judged(case: Any, failures: list[Failure]) -> list[Failure]:
    """The failures our readings let stand: a case schemathesis built as invalid data,
    but whose values reading 4 (a flag spelled `True`, `1`, ``) or reading 6 (an id
    spelled `1.0`, `0x10`) leaves open, may be accepted: no negative_data_rejection."""
    if not _left_open(case):
        return failures
    return [f for f in failures if "negative_data_rejection" not in _check_names([f])]


def _left_open(case: Any) -> bool:
    """Whether every value of the case is one the readings allow, and one at least is
    open (not the documented spelling): then the case is no invalid data for us."""
    open_found = False
    for value in (getattr(case, "query", None) or {}).values():
        values = value if isinstance(value, list) else [value]
        if len(values) > 1:
            open_found = True  # a flag given twice: which one counts is not documented
            continue
        text = _text(values[0]) if values else ""
        if flag_meaning(text) is None:
            return False
        open_found = open_found or text not in ("true", "false")
    for value in (getattr(case, "path_parameters", None) or {}).values():
        text = _text(value)
        if not (text.isdigit() or lenient_positive_integer(text)):
            return False
        open_found = open_found or not text.isdigit()
    return open_found


def _text(value: object) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def _send_through(
    client: TargetClient, case: Any, base_url: str | None, headers: dict[str, str] | None
) -> Exchange:
    """Serialize `case` as schemathesis would, and send it through the suite's client."""
    kwargs = case.as_transport_kwargs(base_url=base_url, headers=headers)
    prepared = requests.Request(
        method=kwargs["method"],
        url=kwargs["url"],
        headers=kwargs.get("headers"),
        params=kwargs.get("params"),
        cookies=kwargs.get("cookies"),
        data=kwargs.get("data"),
        json=kwargs.get("json"),
        files=kwargs.get("files"),
    ).prepare()
    raw_body = prepared.body
    body = raw_body.encode() if isinstance(raw_body, str) else raw_body
    if body is not None and not isinstance(body, bytes):
        body = b"".join(c.encode() if isinstance(c, str) else bytes(c) for c in body)  # type: ignore[union-attr]
    sent = {k: str(v) for k, v in prepared.headers.items()}
    return client.send(str(prepared.method), str(prepared.url), sent, body)


class _ClientTransport(RequestsTransport):
    """Sends the requests schemathesis' checks make themselves (ignored_auth's probes
    without and with a wrong token) through the suite's client: `requests` would skip
    the --max-rps pacing, and a 429 on a probe would read as "auth ignored"."""

    client: TargetClient | None = None

    def send(self, case: Any, *, session: Any = None, **kwargs: Any) -> Response:
        if self.client is None:
            raise RuntimeError("no conformance client to send schemathesis' probe through")
        exchange = _send_through(self.client, case, kwargs.get("base_url"), kwargs.get("headers"))
        assert exchange.raw is not None
        return Response.from_httpx(exchange.raw, verify=True)


_PROBES = _ClientTransport()


class _ClientRoutedSchema(OpenApiSchema):
    """The contract's schema, whose transport is the suite's client."""

    @property
    def transport(self) -> Any:
        return _PROBES


def _docs_quote(names: list[str], operation_id: str) -> str:
    for name, quote in _DOCS_FOR.items():
        if name in names:
            return quote
    return _BODY_DOCS.get(operation_id, DOCS[400])


def _finding(failures: list[Failure], exchange: Exchange, definition: Any) -> Finding:
    names = _check_names(failures)
    operation_id = definition.get("operationId", "") if isinstance(definition, dict) else ""
    titles = "; ".join(dict.fromkeys(f.title for f in failures))
    details = "\n".join(f"- {f.title}: {f.message}".rstrip(": ") for f in failures)
    return Finding(
        check="schemathesis:" + "+".join(names),
        behaviour=f"schemathesis {', '.join(names)}: {titles}",
        docs_quote=_docs_quote(names, operation_id),
        curl=exchange.curl(),
        status=exchange.status,
        body_excerpt=exchange.excerpt(),
        details=redact_text(details, exchange.secrets),
    )
