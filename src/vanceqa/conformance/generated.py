"""Schemathesis, wired to the suite: the contract, our settings, our client.

`st run` would send with its own client; here each generated case is sent through the
suite's `ApiClient` (pacing, 429 patience) and then validated by schemathesis' checks,
whose failures become `Finding`s with a redacted curl line like every other check.
"""

from __future__ import annotations

from typing import Any

import requests
import schemathesis
from schemathesis.config import SchemathesisConfig
from schemathesis.core.failures import Failure, FailureGroup

from vanceqa import resources
from vanceqa.conformance.checks import DOCS
from vanceqa.conformance.client import ApiClient, Exchange
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
    config = SchemathesisConfig.from_path(resources.conformance_dir() / SETTINGS_FILE)
    return schemathesis.openapi.from_path(resources.openapi_path(), config=config)


def _check_names(failures: list[Failure]) -> list[str]:
    names: list[str] = []
    for failure in failures:
        for name in type(failure).checks or (type(failure).__name__,):
            if name not in names:
                names.append(name)
    return names


def send_case(case: Any, target: TargetConfig, client: ApiClient) -> Exchange:
    """Send one generated case through `client` and run schemathesis' checks on the answer."""
    assert target.base_url is not None
    auth = {"Authorization": target.api_token or ""}
    kwargs = case.as_transport_kwargs(base_url=target.base_url, headers=auth)
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
    headers = {k: str(v) for k, v in prepared.headers.items()}
    exchange = client.send(str(prepared.method), str(prepared.url), headers, body)
    try:
        case.validate_response(
            exchange.raw, headers=auth, transport_kwargs={"base_url": target.base_url}
        )
    except FailureGroup as group:
        failures = list(group.exceptions)
        raise _finding(failures, exchange, case.operation.definition.raw) from None
    except Failure as failure:
        raise _finding([failure], exchange, case.operation.definition.raw) from None
    return exchange


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
