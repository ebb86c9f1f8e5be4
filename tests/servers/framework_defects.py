"""Typical defects of each framework server, as its users ship them, and the check each
must fail (tests/test_framework_servers.py proves it). The servers take `--defect NAME`."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FrameworkDefect:
    framework: str
    name: str
    expected_check: str
    description: str

    @property
    def label(self) -> str:
        return f"{self.framework}-{self.name}"


FRAMEWORK_DEFECTS = (
    FrameworkDefect("flask", "html_errors", "shape_content_type",
                    "no JSON error handler: Flask's HTML 404/405 pages"),
    FrameworkDefect("flask", "flag_equals_true", "param_malformed",
                    '`request.args.get("include_cats") == "true"`, nothing refused'),
    FrameworkDefect("fastapi", "validation_422", "param_malformed",
                    "FastAPI's own 422 for a bad flag or id (no RequestValidationError handler)"),
    FrameworkDefect("fastapi", "two_routes_allow", "protocol_405_allow",
                    "@app.get + @app.delete on one path: Starlette's Allow names only GET"),
    FrameworkDefect("django", "auth_403", "auth_no_token",
                    "DRF authentication without authenticate_header: 403 for a missing token"),
    FrameworkDefect("django", "trailing_slash", "shape_item_schema",
                    "`api/kittens/<int:pk>/`: APPEND_SLASH answers the documented path 301"),
    FrameworkDefect("aiohttp", "text_errors", "shape_content_type",
                    "no middleware for aiohttp's own errors: text/plain 404 and 405"),
    FrameworkDefect("aiohttp", "truthy_flags", "param_default",
                    '`bool(request.query.get("include_cats"))`: "false" turns cats on'),
    FrameworkDefect("express", "no_405", "protocol_405",
                    "no `.all()` handler: PUT falls through to the 404 handler"),
    FrameworkDefect("express", "truthy_query", "param_default",
                    '`if (req.query.include_cats)`: the string "false" is truthy'),
)  # fmt: skip
FRAMEWORKS = ("flask", "fastapi", "django", "aiohttp", "express")


def defects_of(framework: str) -> tuple[str, ...]:
    return tuple(d.name for d in FRAMEWORK_DEFECTS if d.framework == framework)
