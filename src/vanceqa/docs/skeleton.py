"""An OpenAPI 3.1 skeleton built from the docs model: a start for a contract, not one.

Paths and methods come from the request lines, parameters from the tables, response
schemas are inferred from the JSON examples, error responses from the error tables.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from vanceqa.docs import tables
from vanceqa.docs.jsonish import infer_schema
from vanceqa.docs.model import DocsPage, Endpoint, ErrorCode, Parameter
from vanceqa.docs.requestline import openapi_path, param_names
from vanceqa.docs.snippets import CurlParseError, parse_curl_commands

JSON = Any


def build_skeleton(page: DocsPage) -> dict[str, JSON]:
    codes = {c.code: c for c in page.error_codes}
    document: dict[str, JSON] = {
        "openapi": "3.1.0",
        "info": {
            "title": page.title,
            "version": "0.0.0",
            "description": f"Skeleton built by `vanceqa docs parse` from {page.page_name}; "
            "review every inferred schema before using it as a contract.",
        },
    }
    servers = _servers(page)
    if servers:
        document["servers"] = [_server(url) for url in servers]
    paths: dict[str, dict[str, JSON]] = {}
    spelled: dict[str, str] = {}  # one template per route: /a/{id} and /a/{ID} are one path
    used_ids: set[str] = set()
    auth_header = _auth_header(page)
    for endpoint in page.endpoints:
        own = template_of(endpoint.path)
        template = spelled.setdefault(re.sub(r"\{[^{}]*\}", "{}", own), own)
        item = paths.setdefault(template, {})
        for method in endpoint.methods:
            if method.lower() in item:
                continue  # documented twice: the first documentation stands
            op_id = _operation_id(endpoint.title or endpoint.path, method, used_ids)
            item[method.lower()] = _operation(endpoint, method, op_id, codes, template)
    document["paths"] = paths
    components: dict[str, JSON] = {}
    all_codes = {c.code: c for c in page.all_error_codes()}
    if all_codes:
        components["responses"] = {
            f"Error{code}": {"description": c.meaning or c.name}
            for code, c in sorted(all_codes.items())
        }
    if auth_header:
        components["securitySchemes"] = {
            "apiToken": {"type": "apiKey", "in": "header", "name": auth_header}
        }
        document["security"] = [{"apiToken": []}]
    if components:
        document["components"] = components
    return document


def write_skeleton(page: DocsPage, target: Path | str) -> Path:
    path = Path(target)
    document = build_skeleton(page)
    if path.suffix == ".json":
        text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    else:
        text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def template_of(path: str) -> str:
    """An OpenAPI path template for a docs path: braces balanced, each name once."""
    parts: list[str] = []
    names: set[str] = set()
    for segment in openapi_path(path).split("/")[1:]:
        if segment.count("{") != segment.count("}") or "{{" in segment or "{}" in segment:
            segment = segment.replace("{", "").replace("}", "")  # `{survey` is no parameter
        for name in re.findall(r"\{([^{}]+)\}", segment):
            unique, n = name, 2
            while unique.lower() in names:
                unique, n = f"{name}{n}", n + 1
            names.add(unique.lower())
            segment = segment.replace("{" + name + "}", "{" + unique + "}", 1)
        parts.append(segment)
    return "/" + "/".join(parts)


def _operation(
    endpoint: Endpoint,
    method: str,
    op_id: str,
    page_codes: dict[int, ErrorCode],
    template: str,
) -> dict[str, JSON]:
    op: dict[str, JSON] = {"operationId": op_id, "summary": endpoint.title}
    names: list[str] = re.findall(r"\{([^{}]+)\}", template)
    # The docs' own names for the template's parameters, in order (`<ID>` for `{id}`).
    own = {o.lower(): n for o, n in zip(param_names(endpoint.path), names, strict=False)}
    params: list[dict[str, JSON]] = []
    seen: set[tuple[str, str]] = set()
    for param in endpoint.parameters:
        if param.location not in ("path", "query", "header"):
            continue
        name = param.name
        if param.location == "path":
            found = own.get(name.lower()) or next(
                (n for n in names if n.lower() == name.lower()), None
            )
            if found is None:
                continue  # not in the path: no path parameter (the parser says where it is)
            name = found
        key = (name.lower() if param.location != "query" else name, param.location)
        if key in seen:
            continue  # a row naming the path parameter again, a filter listed twice
        seen.add(key)
        params.append({**_parameter(param), "name": name})
    for name in names:  # every path template needs its parameter
        if (name.lower(), "path") not in seen:
            params.append(
                {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
            )
    if params:
        op["parameters"] = params
    body = _request_body(endpoint)
    if body:
        op["requestBody"] = body
    responses: dict[str, JSON] = {}
    for example in endpoint.responses:
        if example.kind != "response" or not example.parsed:
            continue
        status = str(example.status or 200)
        responses.setdefault(
            status,
            {
                "description": example.annotation or "Example from the docs.",
                "content": {
                    "application/json": {
                        "schema": infer_schema(example.body),
                        "example": example.body,
                    }
                },
            },
        )
    if not responses:
        responses["200"] = {"description": "No example response in the docs."}
    codes = {c.code: c for c in endpoint.error_codes} or page_codes
    for code in sorted(codes):
        responses.setdefault(str(code), {"$ref": f"#/components/responses/Error{code}"})
    op["responses"] = responses
    return op


def _parameter(param: Parameter) -> dict[str, JSON]:
    schema: dict[str, JSON] = _schema_of(param)
    result: dict[str, JSON] = {"name": param.name, "in": param.location}
    if param.description:
        result["description"] = param.description
    result["required"] = True if param.location == "path" else bool(param.required)
    result["schema"] = schema
    return result


def _schema_of(param: Parameter) -> dict[str, JSON]:
    schema: dict[str, JSON] = {}
    if param.type == "file":
        schema = {"type": "string", "format": "binary"}
    elif param.type and param.type != "null":
        schema = {"type": param.type}
    if param.default is not None:
        value = tables.default_value(param.default, param.type)
        if _fits_type(value, schema.get("type")):  # a default of another type says nothing
            schema["default"] = value
    return schema


def _fits_type(value: JSON, kind: JSON) -> bool:
    checks = {
        "string": lambda v: isinstance(v, str),
        "boolean": lambda v: isinstance(v, bool),
        "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
        "array": lambda v: isinstance(v, list),
        "object": lambda v: isinstance(v, dict),
    }
    check = checks.get(kind) if isinstance(kind, str) else None
    return check is None or bool(check(value))


def _request_body(endpoint: Endpoint) -> dict[str, JSON] | None:
    form = [p for p in endpoint.parameters if p.location == "formData"]
    body = [p for p in endpoint.parameters if p.location == "body"]
    example = next((r for r in endpoint.responses if r.kind == "request" and r.parsed), None)
    if form:
        media = (
            "multipart/form-data"
            if _sends_multipart(endpoint)
            else "application/x-www-form-urlencoded"
        )
        return {"content": {media: {"schema": _object(form)}}}
    if body or example:
        schema = _object(body) if body else infer_schema(example.body if example else None)
        content: dict[str, JSON] = {"schema": schema}
        if example is not None:
            content["example"] = example.body
        return {"content": {"application/json": content}}
    return None


def _object(params: list[Parameter]) -> dict[str, JSON]:
    return {
        "type": "object",
        "properties": {p.name: _schema_of(p) for p in params},
        "required": [p.name for p in params if p.required],
    }


def _sends_multipart(endpoint: Endpoint) -> bool:
    for example in endpoint.examples_for("shell"):
        try:
            if any(c.form for c in parse_curl_commands(example.code)):
                return True
        except CurlParseError:
            continue
    return not endpoint.examples_for("shell")


def _operation_id(title: str, method: str, used: set[str]) -> str:
    words: list[str] = re.findall(r"[A-Za-z0-9]+", title) or [method.lower()]
    base = words[0].lower() + "".join(w.capitalize() for w in words[1:])
    candidate = base
    if candidate in used:
        candidate = f"{base}{method.capitalize()}"
    n = 2
    while candidate in used:
        candidate, n = f"{base}{n}", n + 1
    used.add(candidate)
    return candidate


def _server(url: str) -> dict[str, JSON]:
    """A server; `https://{deployment}.x.com` gets the variable its template names."""
    server: dict[str, JSON] = {"url": url}
    names = re.findall(r"\{([^{}]+)\}", url)
    if names:
        server["variables"] = {name: {"default": name} for name in dict.fromkeys(names)}
    return server


def _servers(page: DocsPage) -> list[str]:
    servers: list[str] = []
    for endpoint in page.endpoints:
        if "://" in endpoint.url:
            parts = urlsplit(endpoint.url)
            servers.append(f"{parts.scheme}://{parts.netloc}")
    return list(dict.fromkeys(servers))


def _auth_header(page: DocsPage) -> str | None:
    for endpoint in page.endpoints:
        for example in endpoint.examples_for("shell"):
            try:
                commands = parse_curl_commands(example.code)
            except CurlParseError:
                continue
            for command in commands:
                for name, _ in command.headers:
                    if name.lower() in ("authorization", "x-api-key", "api-key", "x-auth-token"):
                        return name
    return None
