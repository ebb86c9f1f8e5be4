"""What to test and what is allowed against it: `TargetConfig`, declared once.

Every target option is one `Option` in `OPTIONS`: its flag, its `VANCEQA_*` twin, its
help and its grammar. From that one table come the argparse options of every command,
the pytest plugin's options, locust's options, and the two ways a `TargetConfig`
travels to a child process: `to_env()` (everything, secrets included, for a child we
start) and `to_argv()` (no secret: a command line is visible to every local user).
Adding a target option is one entry here plus its field below.

Precedence: an option given on the command line, then its environment variable, then
the project's defaults (`vanceqa.toml`), then the built-in default.
"""

from __future__ import annotations

import argparse
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from typing import Any
from urllib.parse import urlsplit

from vanceqa.errors import UsageError
from vanceqa.option_kinds import KINDS
from vanceqa.paths import ITEM_PREFIX
from vanceqa.processes import is_loopback
from vanceqa.units import (
    format_size,
)

BUNDLED_MOCK_ENV = "VANCEQA_BUNDLED_MOCK"  # the URL of a mock a parent process started
DEFAULT_REQUEST_TIMEOUT_S = 10.0
DEFAULT_MAX_BODY = 8 * 1024 * 1024
# What every report and summary says of a run with --insecure.
INSECURE_NOTE = (
    "TLS certificates were NOT verified (--insecure): whoever answered at the target's "
    "address was tested, and was sent the tokens"
)
DEFAULT_CONCURRENCY = 8
# The deadline each kind of run sets itself without --time-limit: (seconds, the most
# requests it sends, for the longer time a --max-rps ceiling needs).
RUN_TIME_LIMITS = {"check": (20 * 60.0, 4000), "docs": (10 * 60.0, 200)}
# Header names whose values are secret without being marked (gateway keys, cookies).
_SECRET_NAME = re.compile(r"(?i)auth|key|token|secret|pass|cookie|session|signature|credential")


@dataclass(frozen=True)
class Option:
    """One target option: field name, flag, environment twin, help and kind."""

    name: str
    flag: str
    env: str
    help: str
    kind: str = "text"
    secret: bool = False  # travels in the environment only, never on a command line
    fallback_env: tuple[str, ...] = ()  # variables other tools use for the same thing
    pytest_flag: str | None = None  # where pytest already owns the flag (--strict)

    def flag_for(self, pytest: bool) -> str:
        return (self.pytest_flag or self.flag) if pytest else self.flag

    def argparse_keywords(self) -> dict[str, Any]:
        """Keywords for `add_argument` (argparse, pytest and configargparse alike).

        Built anew on each call so no parser shares a mutable default with another.
        """
        kind = KINDS[self.kind]
        keywords: dict[str, Any] = {"dest": self.name, "default": [] if kind.repeatable else None}
        keywords.update(kind.argparse)
        if self.kind == "switch":
            keywords["default"] = False
        env = f"{self.env}" + (
            f"; also {', '.join(self.fallback_env)}" if self.fallback_env else ""
        )
        example = {"ids": "=3,4", "names": "=X-Key,X-Other", "headers": ": one per line"}
        repeat = ", repeatable" if kind.repeatable else ""
        keywords["help"] = f"{self.help}{repeat} (env {env}{example.get(self.kind, '')})"
        return keywords


OPTIONS: tuple[Option, ...] = (
    Option("base_url", "--base-url", "VANCEQA_BASE_URL",
           "server to test, with any path prefix (default: the bundled mock)", "url"),
    Option("api_token", "--api-token", "VANCEQA_API_TOKEN",
           "regular API token (required with a base URL)", secret=True),
    Option("admin_token", "--admin-token", "VANCEQA_ADMIN_TOKEN",
           "administrator token (admin checks skip without it)", secret=True),
    Option("hidden_ids", "--hidden-id", "VANCEQA_HIDDEN_IDS",
           "an id hidden for administrators (403 checks skip without one)", "ids"),
    Option("destructive", "--destructive", "VANCEQA_DESTRUCTIVE",
           "allow DELETE, on the ids given by --delete-id only", "switch"),
    Option("delete_ids", "--delete-id", "VANCEQA_DELETE_IDS",
           "an id DELETE may touch", "ids"),
    Option("max_rps", "--max-rps", "VANCEQA_MAX_RPS",
           "ceiling on the request rate, for fragile servers", "rate"),
    Option("concurrency", "--concurrency", "VANCEQA_CONCURRENCY",
           f"requests the suites keep in flight at once, within --max-rps "
           f"(default {DEFAULT_CONCURRENCY}; 1: one at a time)", "count"),
    Option("request_timeout_s", "--request-timeout", "VANCEQA_REQUEST_TIMEOUT",
           f"deadline of one request: connect, send and the whole answer "
           f"(default {DEFAULT_REQUEST_TIMEOUT_S:g}s)", "duration"),
    Option("max_body", "--max-body", "VANCEQA_MAX_BODY",
           f"most of one response body read, after decompression "
           f"(default {format_size(DEFAULT_MAX_BODY)})", "size"),
    Option("ca_bundle", "--ca-bundle", "VANCEQA_CA_BUNDLE",
           "PEM file of the certificate authorities to trust (a company CA), or a "
           "directory of them in OpenSSL's hashed layout", "ca",
           fallback_env=("REQUESTS_CA_BUNDLE", "SSL_CERT_FILE", "CURL_CA_BUNDLE")),
    Option("client_cert", "--client-cert", "VANCEQA_CLIENT_CERT",
           "client certificate (PEM) for mutual TLS; may hold the key too", "file"),
    Option("client_key", "--client-key", "VANCEQA_CLIENT_KEY",
           "private key of --client-cert, when it is a file of its own", "file"),
    Option("insecure", "--insecure", "VANCEQA_INSECURE",
           "do not verify TLS certificates (every report then says so)", "switch"),
    Option("proxy", "--proxy", "VANCEQA_PROXY",
           "HTTP(S) proxy for every request (default: HTTPS_PROXY/HTTP_PROXY, "
           "minus NO_PROXY)", "proxy"),
    Option("headers", "--header", "VANCEQA_HEADERS",
           "a header sent on every request, e.g. 'X-Gateway-Key: abc'", "headers"),
    Option("secret_headers", "--secret-header", "VANCEQA_SECRET_HEADERS",
           "a --header whose value is secret (names with key/token/auth/... are already)",
           "names"),
    Option("time_limit_s", "--time-limit", "VANCEQA_TIME_LIMIT",
           "the whole run stops by then, keeping what it measured "
           "(default: derived from the other options)", "duration"),
    Option("strict", "--strict", "VANCEQA_STRICT",
           "warnings fail the run too (findings beyond the docs, HTTP and our readings)",
           "switch", pytest_flag="--vanceqa-strict"),
)  # fmt: skip
ENV: dict[str, str] = {option.name: option.env for option in OPTIONS}
BY_NAME: dict[str, Option] = {option.name: option for option in OPTIONS}


@dataclass(frozen=True)
class TargetConfig:
    """A target and what the user allows against it."""

    base_url: str | None = None  # None: start the bundled mock
    api_token: str | None = None
    admin_token: str | None = None
    hidden_ids: tuple[int, ...] = ()
    destructive: bool = False
    delete_ids: tuple[int, ...] = ()
    max_rps: float | None = None
    concurrency: int = DEFAULT_CONCURRENCY
    request_timeout_s: float = DEFAULT_REQUEST_TIMEOUT_S
    max_body: int = DEFAULT_MAX_BODY
    ca_bundle: str | None = None
    client_cert: str | None = None
    client_key: str | None = None
    insecure: bool = False
    proxy: str | None = None
    headers: tuple[tuple[str, str], ...] = ()
    secret_headers: tuple[str, ...] = ()
    time_limit_s: float | None = None  # None: each entry point derives one
    strict: bool = False
    # Set by the mock launcher, never by an option: this URL is a mock we started, where
    # DELETE may touch any id. It travels to children as BUNDLED_MOCK_ENV.
    bundled_mock: bool = False

    def __post_init__(self) -> None:
        if self.client_key and not self.client_cert:
            raise UsageError("--client-key needs --client-cert")

    @property
    def starts_mock(self) -> bool:
        """No base URL: the entry point starts the bundled mock itself."""
        return self.base_url is None

    @property
    def secret_header_names(self) -> frozenset[str]:
        marked = set(self.secret_headers)
        return frozenset(
            n.lower() for n, _ in self.headers if n.lower() in marked or _SECRET_NAME.search(n)
        )

    @property
    def secrets(self) -> tuple[str, ...]:
        """Every value that must never reach a report, a log or a repro line."""
        values = [self.api_token, self.admin_token]
        values += [v for n, v in self.headers if n.lower() in self.secret_header_names]
        return tuple(dict.fromkeys(v for v in values if v))

    @property
    def may_delete(self) -> bool:
        return self.destructive and bool(self.delete_ids)

    @property
    def path_prefix(self) -> str:
        """The base URL's path ('/vance/v1' behind a gateway), '' for none."""
        return urlsplit(self.base_url or "").path.rstrip("/")

    def url(self, path: str, query: str = "") -> str:
        assert self.base_url is not None, "a resolved target has a base URL"
        return f"{self.base_url}{path}" + (f"?{query}" if query else "")

    def time_limit(self, kind: str) -> float:
        """The run's deadline in seconds: --time-limit, else the kind's own default,
        stretched to what --max-rps needs for all its requests (never unbounded)."""
        if self.time_limit_s is not None:
            return self.time_limit_s
        default, requests = RUN_TIME_LIMITS[kind]
        return max(default, 1.5 * requests / self.max_rps) if self.max_rps else default

    def delete_refusal(self, method: str, url: str) -> str | None:
        """Why a request must not leave the process, or None (reading 14).

        Off the bundled mock, a DELETE goes only to the exact path of an id the user
        named with --delete-id (no other spelling, no query), and only with --destructive.
        """
        if method.upper() != "DELETE" or self.bundled_mock:
            return None
        parts = urlsplit(url)
        if not self.destructive or not self.delete_ids:
            return (
                f"DELETE {parts.path} not sent: against a server other than the bundled mock, "
                "DELETE needs --destructive and the ids named with --delete-id"
            )
        base = urlsplit(self.base_url or "")
        allowed = {f"{self.path_prefix}{ITEM_PREFIX}{i}" for i in self.delete_ids}
        same_origin = (parts.scheme, parts.netloc) == (base.scheme, base.netloc)
        if same_origin and parts.path in allowed and not parts.query and not parts.fragment:
            return None
        named = ", ".join(map(str, self.delete_ids))
        return (
            f"DELETE {parts.path}{'?' + parts.query if parts.query else ''} not sent: "
            f"it is not one of the ids named with --delete-id ({named}); off the bundled "
            "mock, DELETE touches only those"
        )

    # -- travel ------------------------------------------------------------------------
    @classmethod
    def from_sources(
        cls,
        options: Mapping[str, object],
        environ: Mapping[str, str] | None = None,
        defaults: Mapping[str, object] | None = None,
    ) -> TargetConfig:
        """Options win over environment variables, which win over `defaults`.

        `options` maps field names to values (None, False or empty when not given).
        """
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        given_url = _pick(BY_NAME["base_url"], options, env, defaults or {})[0]
        https = str(given_url or "").strip().lower().startswith("https:")
        for option in OPTIONS:
            raw, source = _pick(option, options, env, defaults or {})
            if source in option.fallback_env and not https:
                # Another tool's variable (SSL_CERT_FILE...) means nothing to a plain-HTTP
                # target: a stale one must not stop a run against the bundled mock.
                continue
            if raw is not None:
                values[option.name] = KINDS[option.kind].parse(raw, source)
        base_url = values.get("base_url")
        if base_url and not values.get("api_token"):
            raise UsageError(
                f"a --base-url needs an API token: pass --api-token or set {ENV['api_token']}"
            )
        mock_url = options.get("bundled_mock") or env.get(BUNDLED_MOCK_ENV)
        values["bundled_mock"] = bool(base_url) and _is_our_mock(str(mock_url or ""), str(base_url))
        return cls(**values)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> TargetConfig:
        return cls.from_sources({}, environ)

    def to_env(self) -> dict[str, str]:
        """Every option that differs from its default, as VANCEQA_* variables."""
        env: dict[str, str] = {}
        for option in OPTIONS:
            value = getattr(self, option.name)
            if value != _default_of(option.name) and value not in (None, (), False):
                env[option.env] = KINDS[option.kind].to_text(value)
        if self.bundled_mock and self.base_url:
            env[BUNDLED_MOCK_ENV] = self.base_url
        return env

    def to_argv(self, *, secrets: bool = False, pytest: bool = False) -> list[str]:
        """The options on a command line; secret ones only when asked (tests, in-process).

        `pytest`: the flags of the pytest plugin (where pytest owns a flag, ours differs).
        """
        argv: list[str] = []
        for option in OPTIONS:
            value = getattr(self, option.name)
            if value == _default_of(option.name) or value in (None, (), False):
                continue
            if (option.secret or option.kind == "headers") and not secrets:
                continue
            kind, flag = KINDS[option.kind], option.flag_for(pytest)
            if option.kind == "switch":
                argv.append(flag)
            elif kind.repeatable:
                for item in value:
                    argv += [flag, kind.to_text((item,))]
            else:
                argv += [flag, kind.to_text(value)]
        return argv

    def option_values(self) -> dict[str, object]:
        """Each option as a parser would hold it (text, lists of text, switches): for a
        parsed-options object that travels on (locust sends its options to workers)."""
        values: dict[str, object] = {}
        for option in OPTIONS:
            value, kind = getattr(self, option.name), KINDS[option.kind]
            if option.kind == "switch":
                values[option.name] = bool(value)
            elif kind.repeatable:
                values[option.name] = [kind.to_text((item,)) for item in value]
            else:
                values[option.name] = None if value is None else kind.to_text(value)
        values["bundled_mock"] = self.base_url if self.bundled_mock else ""
        return values

    def with_changes(self, **changes: Any) -> TargetConfig:
        return replace(self, **changes)


def clean_environment(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """A copy of the environment without any VANCEQA_* target variable (nothing stale)."""
    env = dict(os.environ if base is None else base)
    for name in [*ENV.values(), BUNDLED_MOCK_ENV]:
        env.pop(name, None)
    return env


def _pick(
    option: Option,
    options: Mapping[str, object],
    env: Mapping[str, str],
    defaults: Mapping[str, object],
) -> tuple[object, str]:
    """(the value given, where it came from: the flag, a variable or the project file)."""
    value = options.get(option.name)
    if _given(value):
        return value, option.flag
    for name in (option.env, *option.fallback_env):
        if env.get(name):
            return env[name], name
    value = defaults.get(option.name)
    if _given(value):
        return value, f"{option.name.removesuffix('_s')} in the project's vanceqa settings"
    return None, option.flag


def _default_of(name: str) -> object:
    return _DEFAULTS[name]


_DEFAULTS: dict[str, object] = {f.name: f.default for f in fields(TargetConfig)}


def _is_our_mock(mock_url: str, base_url: str) -> bool:
    """A parent's bundled mock, on a loopback address, is the one we test."""
    if not mock_url or mock_url.rstrip("/") != base_url:
        return False
    return is_loopback(urlsplit(base_url).hostname or "")


def _given(value: object) -> bool:
    """Whether an option was given (0 was: it must be validated, not ignored)."""
    if value is None or value is False:
        return False
    return not (isinstance(value, str | list | tuple) and len(value) == 0)


# -- argparse ------------------------------------------------------------------------


def add_target_arguments(parser: argparse.ArgumentParser, *, skip: Iterable[str] = ()) -> None:
    """The target options, same names as the pytest plugin's and locust's."""
    group = parser.add_argument_group("target (default: the bundled mock)")
    skipped = set(skip)
    for option in OPTIONS:
        if option.name not in skipped:
            group.add_argument(option.flag, **option.argparse_keywords())


def target_from_args(
    args: argparse.Namespace, defaults: Mapping[str, object] | None = None
) -> TargetConfig:
    return TargetConfig.from_sources(vars(args), defaults=defaults)


def option_flags(names: Sequence[str] | None = None) -> list[str]:
    return [o.flag for o in OPTIONS if names is None or o.name in names]
