"""Drift of the docs against the contract: endpoints, methods, parameters, examples, errors.

A docs endpoint is matched to a contract operation by method and path (parameter names
aside, and a server base path such as /v1 allowed on either side). When its request
line matches nothing but its curl examples do, the operation is matched through them
and the request line is reported (reading 1: `/kittens/<ID>` is a docs defect, not a
second route).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import fastjsonschema

from vanceqa.contract import Contract, Operation
from vanceqa.docs import tables
from vanceqa.docs.findings import DriftFinding, Rule, rule
from vanceqa.docs.model import DocsPage, Endpoint, Parameter, Source
from vanceqa.docs.paramnames import fits, has_placeholder
from vanceqa.docs.requestline import canonical, matches, param_names, url_path
from vanceqa.docs.snippets import CurlParseError, parse_curl_commands

JSON = Any
_AUTH_HEADERS = {"authorization"}


@dataclass(frozen=True)
class Match:
    endpoint: Endpoint
    method: str
    operation: Operation | None
    via_curl: str | None = None  # the curl path that matched, when the request line did not


def match_operations(page: DocsPage, contract: Contract) -> list[Match]:
    found: list[Match] = []
    for endpoint in page.endpoints:
        for method in endpoint.methods:
            op = _by_template(contract, method, endpoint.path)
            via: str | None = None
            if op is None:
                for path in _curl_paths(endpoint):
                    op = _by_concrete(contract, method, path)
                    if op is not None:
                        via = path
                        break
            found.append(Match(endpoint, method, op, via))
    return found


@rule(
    "request-line-not-in-contract",
    "error",
    "a request line's path is not in the contract",
    "contract",
)
def check_request_lines(r: Rule, page: DocsPage, contract: Contract) -> Iterator[DriftFinding]:
    for m in match_operations(page, contract):
        if m.operation is not None and m.via_curl is not None:
            message = (
                f"{m.method} {m.endpoint.path} is not in the contract; its curl example "
                f"requests {m.via_curl}, which is {m.operation.operation_id} "
                f"({m.operation.method} {m.operation.path})"
            )
            key = f"{m.method} {canonical(m.endpoint.path)} ~ {m.operation.operation_id}"
            yield r.finding(m.endpoint.source, message, key)


@rule(
    "endpoint-not-in-contract",
    "error",
    "a documented endpoint or method is not in the contract",
    "contract",
)
def check_unknown_endpoints(r: Rule, page: DocsPage, contract: Contract) -> Iterator[DriftFinding]:
    for m in match_operations(page, contract):
        if m.operation is not None:
            continue
        others = [
            op.method
            for op in contract.operations
            if _same_route(contract, op.path, m.endpoint.path)
        ]
        if others:
            message = (
                f"{m.method} is documented for {m.endpoint.path}, but the contract gives only "
                f"{', '.join(others)}"
            )
        else:
            message = f"{m.method} {m.endpoint.path} is documented but not in the contract"
        yield r.finding(m.endpoint.source, message, f"{m.method} {canonical(m.endpoint.path)}")


@rule("operation-not-in-docs", "error", "a contract operation is not documented", "contract")
def check_undocumented(r: Rule, page: DocsPage, contract: Contract) -> Iterator[DriftFinding]:
    matched = {id(m.operation) for m in match_operations(page, contract) if m.operation}
    where = Source(page.page_name, 1)
    for op in contract.operations:
        if id(op) not in matched:
            message = (
                f"{op.operation_id} ({op.method} {op.path}) is in the contract, not in the docs"
            )
            yield r.finding(where, message, op.operation_id)


@rule("parameter-drift", "error", "parameters differ between docs and contract", "contract")
def check_parameters(r: Rule, page: DocsPage, contract: Contract) -> Iterator[DriftFinding]:
    for m in match_operations(page, contract):
        if m.operation is None:
            continue
        op = m.operation
        documented = {_pkey(p.name, p.location): p for p in m.endpoint.parameters}
        params = _contract_params(contract, op)
        expected = {_pkey(name, loc): schema for name, loc, schema in params}
        where_in = {_pkey(name, loc): loc for name, loc, _ in params}
        label = f"{m.method} {canonical(m.endpoint.path)}"
        patterns = [(k, p.name) for k, p in documented.items() if has_placeholder(p.name)]
        open_body = _open_body(contract, op)
        for key, param in documented.items():
            if _pattern_agrees(key, param, expected, open_body):
                continue  # `profile.{id}`: the contract names `profile.12`, or takes any field
            if key not in expected:
                other = [k for k in expected if k[0] == key[0]]
                if other:
                    message = (
                        f"{param.name!r} is a {param.location} parameter in the docs, "
                        f"{other[0][1]} in the contract ({op.operation_id})"
                    )
                else:
                    message = f"{param.name!r} is documented but not in {op.operation_id}"
                yield r.finding(param.source, message, f"{label} {param.name} missing")
                continue
            yield from _compare(r, param, expected[key], op, label)
        # The request line's own template documents the path parameters, by position.
        in_path = len(param_names(m.endpoint.path))
        op_path = [n.lower() for n in param_names(op.path)]
        for key in expected:
            name = key[0]
            if key[1] == "path" and name.lower() in op_path[:in_path]:
                continue
            fitted = any(k[1] == key[1] and fits(pattern, name) for k, pattern in patterns)
            if key not in documented and not any(k[0] == name for k in documented) and not fitted:
                message = (
                    f"{op.operation_id} has {where_in[key]} parameter {name!r}; the docs do not"
                )
                yield r.finding(m.endpoint.source, message, f"{label} {name} undocumented")


@rule(
    "example-invalid", "error", "an example body does not validate against the contract", "contract"
)
def check_examples(r: Rule, page: DocsPage, contract: Contract) -> Iterator[DriftFinding]:
    for m in match_operations(page, contract):
        op = m.operation
        if op is None:
            continue
        for response in m.endpoint.responses:
            if not response.parsed:
                continue
            if response.kind == "request":
                schema = _request_schema(contract, op)
                what = "request body"
            else:
                status = response.status or min(
                    (s for s in op.statuses if 200 <= s < 300), default=200
                )
                if status not in op.statuses:
                    message = (
                        f"the example is for status {status}, not a response of {op.operation_id}"
                    )
                    yield r.finding(
                        response.source, message, f"{m.method} {op.path} {status}", "warning"
                    )
                    continue
                schema = op.responses.get(status)
                what = f"{status} response"
            if not schema:
                continue
            # An elided example shows part of the body: what it leaves out is not missing.
            error = _schema_error(_relaxed(schema) if response.elided else schema, response.body)
            if error is not None:
                message = (
                    f"example {what} of {m.method} {m.endpoint.path} breaks the contract's "
                    f"schema ({op.operation_id}): {error}"
                )
                yield r.finding(response.source, message, f"{m.method} {op.path} {what}")


@rule(
    "error-code-drift", "error", "error codes differ between the docs and the contract", "contract"
)
def check_error_codes(r: Rule, page: DocsPage, contract: Contract) -> Iterator[DriftFinding]:
    codes = page.all_error_codes()
    documented = {c.code for c in codes}
    anchor = codes[0].source if codes else Source(page.page_name, 1)
    used: dict[int, list[str]] = {}
    for op in contract.operations:
        for status in op.statuses:
            used.setdefault(status, []).append(op.operation_id)
    for status in sorted(used):
        if status >= 400 and status not in documented:
            ops = ", ".join(used[status])
            message = f"the contract answers {status} ({ops}); no error table of the docs lists it"
            yield r.finding(anchor, message, f"{status} undocumented")
    for code in codes:
        if code.code not in used:
            message = (
                f"{code.code} {code.name} is in the error table but no contract operation "
                "answers it"
            )
            yield r.finding(code.source, message, f"{code.code} not in contract", "info")


# -- helpers ---------------------------------------------------------------------------


def _relaxed(schema: JSON) -> JSON:
    """The schema without what an elided example cannot show: required keys, least sizes."""
    if isinstance(schema, list):
        return [_relaxed(item) for item in schema]
    if not isinstance(schema, Mapping):
        return schema
    relaxed: dict[str, JSON] = {}
    for key, value in schema.items():
        counts = key in ("minItems", "minProperties") and isinstance(value, int)
        if counts or (key == "required" and isinstance(value, list)):
            continue  # a keyword; a property named "required" holds a schema, kept
        relaxed[key] = _relaxed(value)
    return relaxed


def _schema_error(schema: Mapping[str, JSON], value: JSON) -> str | None:
    """Why `value` breaks `schema` ("data[0].id must be integer"), or None."""
    try:
        fastjsonschema.validate(dict(schema), value)
    except fastjsonschema.JsonSchemaValueException as exc:
        return str(exc.message).replace("data", "$", 1)
    except fastjsonschema.JsonSchemaDefinitionException as exc:
        return f"the contract's schema cannot be compiled: {exc}"
    return None


def _compare(
    r: Rule, param: Parameter, schema: Mapping[str, JSON], op: Operation, label: str
) -> Iterator[DriftFinding]:
    ctype = schema.get("type") if isinstance(schema.get("type"), str) else None
    if schema.get("format") == "binary":
        ctype = "file"
    if param.type and ctype and param.type != ctype:
        how = "stated" if param.type_stated else "inferred"
        message = (
            f"{param.name!r} is {param.type} in the docs ({how}), {ctype} in {op.operation_id}"
        )
        yield r.finding(param.source, message, f"{label} {param.name} type", "warning")
    has_default = "default" in schema
    if param.default is not None and has_default:
        value = tables.default_value(param.default, ctype)
        if value != schema["default"]:
            message = (
                f"{param.name!r} defaults to {param.default} in the docs, "
                f"{_show(schema['default'])} in {op.operation_id}"
            )
            yield r.finding(param.source, message, f"{label} {param.name} default")
    elif param.default is not None or has_default:
        side = "the docs" if param.default is not None else op.operation_id
        shown = param.default if param.default is not None else _show(schema["default"])
        message = f"{param.name!r} has a default ({shown}) only in {side}"
        yield r.finding(param.source, message, f"{label} {param.name} default", "warning")


def _contract_params(
    contract: Contract, op: Operation
) -> list[tuple[str, str, Mapping[str, JSON]]]:
    header = contract.auth_header().lower()
    params = [
        (p.name, p.location, p.schema)
        for p in op.parameters
        if not (p.location == "header" and p.name.lower() in (_AUTH_HEADERS | {header}))
    ]
    body = _request_body(contract, op)
    if body is not None:
        media, schema = body
        location = "formData" if "form" in media else "body"
        for name, prop in (schema.get("properties") or {}).items():
            params.append((name, location, prop))
    return params


def _pattern_agrees(
    key: tuple[str, str],
    param: Parameter,
    expected: Mapping[tuple[str, str], JSON],
    open_body: bool,
) -> bool:
    """A documented name with a placeholder that the contract covers its own way.

    The contract cannot name `profile.{id}` as a parameter: it lists concrete names that
    fit it (`profile.12`), or states a body taking further fields; either is agreement.
    """
    if key in expected or not has_placeholder(param.name):
        return False
    fitting = any(k[1] == key[1] and fits(param.name, k[0]) for k in expected)
    return fitting or (open_body and key[1] == "body")


def _open_body(contract: Contract, op: Operation) -> bool:
    """Does the request body say it takes fields besides its properties (stated, not implied)?"""
    body = _request_body(contract, op)
    if body is None:
        return False
    extra = body[1].get("additionalProperties")
    return bool(body[1].get("patternProperties")) or (extra is not None and extra is not False)


def _request_body(contract: Contract, op: Operation) -> tuple[str, Mapping[str, JSON]] | None:
    spec = contract.document.get("paths", {}).get(op.path, {}).get(op.method.lower(), {})
    body = contract.resolve(spec.get("requestBody")) if spec.get("requestBody") else None
    if not body:
        return None
    for media, content in (body.get("content") or {}).items():
        schema = content.get("schema")
        if schema is not None:
            return media, contract.resolve_deep(schema)
    return None


def _request_schema(contract: Contract, op: Operation) -> Mapping[str, JSON] | None:
    body = _request_body(contract, op)
    return body[1] if body and "json" in body[0] else None


def _pkey(name: str, location: str) -> tuple[str, str]:
    # Path parameter names are free (`<ID>` vs `{id}`); form and body fields are one family.
    loc = "body" if location in ("body", "formData") else location
    return (name.lower() if location == "path" else name, loc)


def _show(value: JSON) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _prefixes(contract: Contract) -> list[str]:
    prefixes = [""]
    for server in contract.document.get("servers") or []:
        url = str(server.get("url", "")) if isinstance(server, dict) else ""
        path = urlsplit(url).path if "://" in url else url
        if path.strip("/"):
            prefixes.append("/" + path.strip("/"))
    return prefixes


def _variants(contract: Contract, docs_path: str) -> list[str]:
    variants = [docs_path]
    for prefix in _prefixes(contract)[1:]:
        if docs_path.startswith(prefix + "/"):
            variants.append(docs_path[len(prefix) :])
    return variants


def _same_route(contract: Contract, contract_path: str, docs_path: str) -> bool:
    return any(canonical(v) == canonical(contract_path) for v in _variants(contract, docs_path))


def _by_template(contract: Contract, method: str, docs_path: str) -> Operation | None:
    for op in contract.operations:
        if op.method == method and _same_route(contract, op.path, docs_path):
            return op
    return None


def _by_concrete(contract: Contract, method: str, path: str) -> Operation | None:
    for op in contract.operations:
        if op.method == method and any(matches(op.path, v) for v in _variants(contract, path)):
            return op
    return None


def _curl_paths(endpoint: Endpoint) -> list[str]:
    paths: list[str] = []
    for example in endpoint.examples_for("shell"):
        try:
            commands = parse_curl_commands(example.code)
        except CurlParseError:
            continue
        paths += [url_path(c.url) for c in commands if "://" in c.url or c.url.startswith("/")]
    return list(dict.fromkeys(paths))
