"""The contract (fixtures/openapi.yaml), loaded once, answering what the suites ask.

Everything downstream (mock, checks, load validation, drift) asks this module rather
than reading the YAML, so the contract has one reader.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from typing import Any

import fastjsonschema
import yaml

from vanceqa import resources
from vanceqa.errors import UsageError

JSON = Any
Validator = Callable[[JSON], Any]

HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE")


@dataclass(frozen=True)
class Parameter:
    name: str
    location: str  # "query" | "path" | "header"
    required: bool
    schema: Mapping[str, JSON]
    description: str = ""

    @property
    def default(self) -> JSON:
        return self.schema.get("default")

    @property
    def type(self) -> str | None:
        value = self.schema.get("type")
        return value if isinstance(value, str) else None


@dataclass(frozen=True)
class Operation:
    operation_id: str
    method: str  # upper case
    path: str  # templated, e.g. /api/kittens/{id}
    summary: str
    description: str
    parameters: tuple[Parameter, ...]
    # status code (as int) -> JSON schema of the body, or None when none is given
    responses: Mapping[int, Mapping[str, JSON] | None]
    links: Mapping[int, Mapping[str, JSON]] = field(default_factory=dict)

    @property
    def statuses(self) -> frozenset[int]:
        """The documented status codes of this operation."""
        return frozenset(self.responses)

    def parameter(self, name: str) -> Parameter:
        for param in self.parameters:
            if param.name == name:
                return param
        raise KeyError(f"{self.operation_id} has no parameter {name!r}")

    def query_parameters(self) -> tuple[Parameter, ...]:
        return tuple(p for p in self.parameters if p.location == "query")

    def defaults(self) -> dict[str, JSON]:
        """Documented defaults of the query parameters, e.g. {'include_cats': False}."""
        return {p.name: p.default for p in self.query_parameters() if "default" in p.schema}

    def url_path(self, **path_params: object) -> str:
        path = self.path
        for name, value in path_params.items():
            path = path.replace("{" + name + "}", str(value))
        return path


class Contract:
    """An OpenAPI 3.1 document with its references resolved."""

    def __init__(self, document: Mapping[str, JSON], source: Path | None = None) -> None:
        self.document = document
        self.source = source
        self._validators: dict[tuple[str, int], Validator | None] = {}

    # -- structure ---------------------------------------------------------------
    @cached_property
    def operations(self) -> tuple[Operation, ...]:
        ops: list[Operation] = []
        for path, item in self.document.get("paths", {}).items():
            shared = [self._param(p) for p in item.get("parameters", [])]
            for method, spec in item.items():
                if method.upper() not in HTTP_METHODS:
                    continue
                own = [self._param(p) for p in spec.get("parameters", [])]
                names = {p.name for p in own}
                params = tuple(own + [p for p in shared if p.name not in names])
                responses: dict[int, Mapping[str, JSON] | None] = {}
                links: dict[int, Mapping[str, JSON]] = {}
                for code, response in spec.get("responses", {}).items():
                    response = self.resolve(response)
                    status = int(code)
                    media = response.get("content", {}).get("application/json", {})
                    schema = media.get("schema")
                    responses[status] = self.resolve_deep(schema) if schema is not None else None
                    if "links" in response:
                        links[status] = response["links"]
                ops.append(
                    Operation(
                        operation_id=spec["operationId"],
                        method=method.upper(),
                        path=path,
                        summary=spec.get("summary", ""),
                        description=spec.get("description", ""),
                        parameters=params,
                        responses=responses,
                        links=links,
                    )
                )
        return tuple(ops)

    def operation(self, operation_id: str) -> Operation:
        for op in self.operations:
            if op.operation_id == operation_id:
                return op
        known = ", ".join(o.operation_id for o in self.operations)
        raise KeyError(f"no operation {operation_id!r} in the contract (known: {known})")

    def operation_ids(self) -> tuple[str, ...]:
        return tuple(op.operation_id for op in self.operations)

    def paths(self) -> tuple[str, ...]:
        return tuple(self.document.get("paths", {}))

    def methods_for(self, path: str) -> tuple[str, ...]:
        """Documented methods of a templated path, in document order (for `Allow`)."""
        return tuple(op.method for op in self.operations if op.path == path)

    def auth_header(self) -> str:
        schemes = self.document.get("components", {}).get("securitySchemes", {})
        for scheme in schemes.values():
            if scheme.get("type") == "apiKey" and scheme.get("in") == "header":
                return str(scheme["name"])
        return "Authorization"

    # -- schemas -----------------------------------------------------------------
    def schema(self, name: str) -> Mapping[str, JSON]:
        """A component schema with references resolved."""
        schema: Mapping[str, JSON] = self.resolve_deep(self.document["components"]["schemas"][name])
        return schema

    def response_schema(self, operation_id: str, status: int) -> Mapping[str, JSON] | None:
        return self.operation(operation_id).responses.get(status)

    def validator(self, operation_id: str, status: int) -> Validator | None:
        """A compiled validator for the body of a response, or None if none applies.

        fastjsonschema compiles to Python code: cheap enough to run on every response
        of a load test.
        """
        key = (operation_id, status)
        if key not in self._validators:
            schema = self.response_schema(operation_id, status)
            self._validators[key] = fastjsonschema.compile(dict(schema)) if schema else None
        return self._validators[key]

    # -- references ----------------------------------------------------------------
    def resolve(self, node: JSON) -> JSON:
        """Follow a top-level $ref (local references only)."""
        seen = 0
        while isinstance(node, Mapping) and "$ref" in node:
            ref = node["$ref"]
            if not isinstance(ref, str) or not ref.startswith("#/"):
                raise UsageError(f"only local $ref are supported, got {ref!r}")
            target: JSON = self.document
            for part in ref[2:].split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            node = target
            seen += 1
            if seen > 64:
                raise UsageError(f"$ref cycle at {ref}")
        return node

    def resolve_deep(self, node: JSON) -> JSON:
        node = self.resolve(node)
        if isinstance(node, Mapping):
            return {k: self.resolve_deep(v) for k, v in node.items() if k != "description"}
        if isinstance(node, list):
            return [self.resolve_deep(v) for v in node]
        return copy.deepcopy(node)

    def _param(self, raw: JSON) -> Parameter:
        raw = self.resolve(raw)
        return Parameter(
            name=raw["name"],
            location=raw["in"],
            required=bool(raw.get("required", False)),
            schema=self.resolve_deep(raw.get("schema", {})),
            description=raw.get("description", ""),
        )

    def __iter__(self) -> Iterator[Operation]:
        return iter(self.operations)


def load_contract(path: Path | str | None = None) -> Contract:
    """Read and parse a contract file (the bundled one by default)."""
    source = Path(path) if path is not None else resources.openapi_path()
    try:
        document = yaml.safe_load(source.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"contract not found: {source}") from None
    except yaml.YAMLError as exc:
        raise UsageError(f"contract {source} is not valid YAML: {exc}") from None
    if not isinstance(document, dict) or "paths" not in document:
        raise UsageError(f"contract {source} is not an OpenAPI document (no 'paths')")
    return Contract(document, source)


@cache
def default_contract() -> Contract:
    """The bundled contract, loaded once per process."""
    return load_contract()
