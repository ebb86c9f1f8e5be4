"""Drift of the docs against themselves: examples, request lines, includes, text.

Each rule is a plain function of the parsed page that yields findings (see findings.py).
Examples are read as a reader means them (snippets.read_curl_leniently); how a shell
would trip on them is `curl-unparsable`'s finding, said once. The language tab rules
are in drift_tabs.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import parse_qsl, urlsplit

from vanceqa.docs.basepath import fits, is_relative
from vanceqa.docs.findings import DriftFinding, Rule, rule
from vanceqa.docs.jsonish import Parsed, parse_jsonish
from vanceqa.docs.model import CodeExample, DocsPage, Endpoint, Source
from vanceqa.docs.paramnames import covered
from vanceqa.docs.requestline import canonical, url_path
from vanceqa.docs.snippets import CurlCommand, curl_problems, read_curl_leniently

# The Slate template's own stand-ins: left in a page, they were never replaced.
TEMPLATE_TOKENS = frozenset({"meowmeowmeow"})
TEMPLATE_URLS = frozenset({"api_endpoint_here"})
PLACEHOLDER_HOSTS = re.compile(
    r"^(?:[\w.-]+\.)?example\.(?:com|org|net)$|^your[-_.]|^<.*>$|^\{.*\}$|^(?:api\.)?yourdomain\.",
    re.I,
)
PLACEHOLDER_TOKEN = re.compile(
    r"^(?:your[-_ ]?)?(?:api[-_ ]?)?(?:key|token|secret)(?:[-_ ]?here)?$|^your_\w+$|^<[^<>]+>$|"
    r"^\{\{?[^{}]+\}?\}$|^x{4,}$|^\$\{?[A-Za-z_]\w*\}?$|^\.\.\.$|^changeme$",
    re.I,
)
CREDENTIAL_HEADERS = frozenset(
    {"authorization", "x-api-key", "api-key", "x-auth-token", "x-api-token", "apikey"}
)
CREDENTIAL_PARAMS = frozenset(
    {"api_token", "token", "api_key", "apikey", "key", "access_token", "auth_token"}
)
_MOJIBAKE_RUN = re.compile(
    "[\u00c0-\u00ff][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192"
    "\u02c6\u02dc\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]+"
    "|\ufffd+"
)
_NUMERICISH = re.compile(r"^(\d+|[0-9a-f]{8}-[0-9a-f-]{27,}|[0-9a-f]{24,})$", re.I)


@rule("include-missing", "error", "an include named in the front matter is missing")
def check_includes(r: Rule, page: DocsPage) -> Iterator[DriftFinding]:
    for include in page.includes:
        if not include.found:
            message = f"include {include.name!r} names {include.file}, which does not exist"
            yield r.finding(include.source, message, include.name)


@rule("front-matter-invalid", "error", "the front matter cannot be read")
def check_front_matter(r: Rule, page: DocsPage) -> Iterator[DriftFinding]:
    for problem in page.problems:
        yield r.finding(problem.source, problem.message, problem.message.split(":")[0])


@rule("json-invalid", "error", "a JSON example does not parse")
def check_json(r: Rule, page: DocsPage) -> Iterator[DriftFinding]:
    for section in page.sections:
        for response in section.responses:
            if response.parse_error:
                where = Source(response.source.file, response.error_line or response.source.line)
                message = f"JSON example does not parse: {response.parse_error}"
                yield r.finding(where, message, f"{section.title}: {_first_line(response.raw)}")
    for endpoint, where, parsed in _curl_json_bodies(page):
        if parsed.error:
            message = f"JSON request body of the curl example does not parse: {parsed.error}"
            yield r.finding(where, message, f"{endpoint.label} curl body")


@rule("json-elided", "info", "a JSON example elides items or keys")
def check_elided_json(r: Rule, page: DocsPage) -> Iterator[DriftFinding]:
    # Not an error: the reader sees `...` standing for more. Said once per example, since
    # the drift rules check only what it shows.
    for section in page.sections:
        for response in section.responses:
            if response.elided:
                message = "JSON example elides items or keys (`...`): checked as far as it shows"
                yield r.finding(
                    response.source, message, f"{section.title}: {_first_line(response.raw)}"
                )
    for endpoint, where, parsed in _curl_json_bodies(page):
        if parsed.elided:
            message = "JSON request body of the curl example elides items or keys (`...`)"
            yield r.finding(where, message, f"{endpoint.label} curl body")


@rule("curl-unparsable", "error", "a shell would not run a curl example as it reads")
def check_curl_parses(r: Rule, page: DocsPage) -> Iterator[DriftFinding]:
    for section in page.sections:
        for example in section.examples:
            if example.language != "shell" or "curl" not in example.code:
                continue
            for problem in curl_problems(example.code):
                where = Source(example.source.file, example.source.line + problem.line)
                yield r.finding(where, problem.message, f"{section.title}: {problem.kind}")


@rule("curl-path-mismatch", "error", "a curl URL's path differs from the request line")
def check_curl_paths(r: Rule, page: DocsPage) -> Iterator[DriftFinding]:
    sharing: dict[int, list[Endpoint]] = {}  # a block with curls for two endpoints of a section
    for endpoint in page.endpoints:
        for example in endpoint.examples_for("shell"):
            sharing.setdefault(id(example), []).append(endpoint)
    for endpoint, example, command in _curl_commands(page):
        path = url_path(command.url)
        if placeholder_url(command.url) or any(
            fits(e, path, page.base_paths) for e in sharing[id(example)]
        ):
            continue
        if not fits(endpoint, path, page.base_paths):
            message = (
                f"curl requests {path} but the request line of {endpoint.title!r} says "
                f"{endpoint.path} ({endpoint.source})"
            )
            if is_relative(endpoint) and page.base_paths:
                message += f", after the base path {' or '.join(page.base_paths)}"
            where = Source(example.source.file, example.source.line + command.line)
            yield r.finding(where, message, f"{endpoint.label} <- {path}")


@rule("placeholder-url", "warning", "an example's URL is a placeholder, not a URL")
def check_placeholder_urls(r: Rule, page: DocsPage) -> Iterator[DriftFinding]:
    for section in page.sections:
        for example in section.examples:
            if example.language == "json":
                continue
            for word in sorted(TEMPLATE_URLS):
                if word in example.code:
                    message = f"{word!r} is the Slate template's stand-in URL, never replaced"
                    yield r.finding(example.source, message, f"{section.title}: {word}")
            if example.language != "shell":
                continue
            for command in read_curl_leniently(example.code):
                if placeholder_url(command.url) and command.url not in TEMPLATE_URLS:
                    message = f"curl URL {command.url!r} is not a URL (a placeholder left in?)"
                    yield r.finding(example.source, message, f"{section.title}: {command.url}")


@rule("placeholder-token", "warning", "a placeholder token is left in the examples")
def check_placeholder_tokens(r: Rule, page: DocsPage) -> Iterator[DriftFinding]:
    seen: dict[tuple[str, str], list[CodeExample]] = {}
    for section in page.sections:
        for example in section.examples:
            for token in _tokens_in(example):
                seen.setdefault((example.source.file, token), []).append(example)
    for (_, token), examples in seen.items():
        first = examples[0].source
        count = f"{len(examples)} example{'s' if len(examples) != 1 else ''}"
        if token in TEMPLATE_TOKENS:
            message = f"token {token!r} (the Slate template's stand-in) is left in {count}"
            yield r.finding(first, message, token)
        else:
            message = f"placeholder token {token!r} in {count}; `docs examples` substitutes it"
            yield r.finding(first, message, token, severity="info")


@rule("placeholder-host", "info", "examples call a placeholder host")
def check_placeholder_hosts(r: Rule, page: DocsPage) -> Iterator[DriftFinding]:
    seen: dict[tuple[str, str], list[Source]] = {}
    for section in page.sections:
        for example in section.examples:
            if example.language == "shell":
                for command in read_curl_leniently(example.code):
                    host = host_of(command.url)
                    if host and PLACEHOLDER_HOSTS.search(host):
                        seen.setdefault((example.source.file, host), []).append(example.source)
    for (_, host), sources in seen.items():
        message = (
            f"{len(sources)} curl example(s) call {host}; `docs examples` sends them to the "
            "target instead"
        )
        yield r.finding(sources[0], message, host)


@rule("mojibake", "warning", "mis-decoded characters in the text")
def check_mojibake(r: Rule, page: DocsPage) -> Iterator[DriftFinding]:
    for file, text in page.files.items():
        for number, line in enumerate(text.splitlines(), 1):
            for match in _MOJIBAKE_RUN.finditer(line):
                run = match.group(0)
                fixed = _redecode(run)
                if run.startswith("\ufffd"):
                    message = "bytes that are not UTF-8 (shown as \ufffd)"
                elif fixed is None:
                    continue
                else:
                    message = f"{run!r} looks like {fixed!r} decoded with the wrong charset"
                context = line.strip()[:60]
                yield r.finding(Source(file, number), message, f"{run} in {context!r}")


@rule("undocumented-example-parameter", "warning", "an example sends an undocumented parameter")
def check_example_parameters(r: Rule, page: DocsPage) -> Iterator[DriftFinding]:
    common = [p.name for p in page.page_parameters]
    for endpoint, example, command in _curl_commands(page):
        documented = [p.name for p in endpoint.parameters] + common
        if not endpoint.parameters:
            continue  # nothing documented at all: the contract rules say more
        for name in _sent_parameters(command):
            if not covered(name, documented) and name.lower() not in CREDENTIAL_PARAMS:
                message = f"the curl example sends {name!r}, which {endpoint.title!r} does not list"
                where = Source(example.source.file, example.source.line + command.line)
                yield r.finding(where, message, f"{endpoint.label} {name}")


@rule("example-missing-required", "warning", "an example leaves out a required parameter")
def check_required_parameters(r: Rule, page: DocsPage) -> Iterator[DriftFinding]:
    for endpoint, example, command in _curl_commands(page):
        sent = {n.lower() for n in _sent_parameters(command)}
        for param in endpoint.parameters:
            wanted = param.required and param.location in ("query", "formData", "body")
            in_json = param.location == "body" and command.json_body
            if wanted and param.name.lower() not in sent and not in_json:
                message = f"required {param.location} parameter {param.name!r} is not sent"
                where = Source(example.source.file, example.source.line + command.line)
                yield r.finding(where, message, f"{endpoint.label} {param.name}")


@rule("duplicate-endpoint", "warning", "the same method and path are documented twice")
def check_duplicates(r: Rule, page: DocsPage) -> Iterator[DriftFinding]:
    first: dict[tuple[str, str], Endpoint] = {}
    for endpoint in page.endpoints:
        for method in endpoint.methods:
            key = (method, canonical(endpoint.path))
            if key not in first:
                first[key] = endpoint
                continue
            earlier = first[key]
            message = f"{method} {endpoint.path} is also documented at {earlier.source}"
            # Under another heading it is a second use of the endpoint ("Deactivate a
            # series" besides "Update a series"): a note. Under the same one, a repeat.
            repeat = _same_title(earlier.title, endpoint.title)
            severity = "" if repeat else "info"
            if not repeat:
                message += f" ({earlier.title!r}; here {endpoint.title!r})"
            key_text = f"{method} {canonical(endpoint.path)}"
            yield r.finding(endpoint.source, message, key_text, severity=severity)


# -- helpers ---------------------------------------------------------------------------


def _curl_commands(page: DocsPage) -> Iterator[tuple[Endpoint, CodeExample, CurlCommand]]:
    for endpoint in page.endpoints:
        for example in endpoint.examples_for("shell"):
            for command in read_curl_leniently(example.code):
                yield endpoint, example, command


def _curl_json_bodies(page: DocsPage) -> Iterator[tuple[Endpoint, Source, Parsed]]:
    """The JSON bodies curl examples send inline (not `@file`), parsed, with their line."""
    for endpoint, example, command in _curl_commands(page):
        if command.json_body and command.body and not command.body.startswith("@"):
            where = Source(example.source.file, example.source.line + command.line)
            yield endpoint, where, parse_jsonish(command.body)


def _same_title(a: str, b: str) -> bool:
    x, y = (" ".join(re.findall(r"\w+", t.lower())) for t in (a, b))
    return x.startswith(y) or y.startswith(x)


def placeholder_url(url: str) -> bool:
    """Not a URL at all: no scheme, no leading slash, no dotted host (`api_endpoint_here`)."""
    text = url.strip()
    if "://" in text or text.startswith("/"):
        return False
    host = text.split("/", 1)[0]
    return "." not in host and ":" not in host and "{" not in host


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "") if "://" in url else ""


def route_of(url: str) -> str:
    """A concrete path with id-like segments made generic: /api/kittens/2 -> /api/kittens/{}."""
    parts = ["{}" if _NUMERICISH.match(s) else s for s in canonical(url_path(url)).split("/")]
    return "/".join(parts)


def _sent_parameters(command: CurlCommand) -> list[str]:
    names = [k for k, _ in parse_qsl(urlsplit(command.url).query, keep_blank_values=True)]
    names += [k for k, _ in command.form]
    if not command.json_body:
        for chunk in command.data:
            if not chunk.lstrip().startswith(("@", "{", "[")):  # a file, or a JSON body
                names += [k for k, _ in parse_qsl(chunk, keep_blank_values=True)]
    return list(dict.fromkeys(names))


def _tokens_in(example: CodeExample) -> list[str]:
    """Credential values an example sends or hands to an SDK."""
    found: list[str] = []
    if example.language == "shell":
        for command in read_curl_leniently(example.code):
            for name, value in command.headers:
                if name.lower() in CREDENTIAL_HEADERS and value:
                    found.append(value.split()[-1])
            if command.user:
                found.append(command.user.split(":")[0])
            query = parse_qsl(urlsplit(command.url).query, keep_blank_values=True)
            for name, value in [*query, *command.form]:
                if name.lower() in CREDENTIAL_PARAMS and value:
                    found.append(value)
    if example.language != "json":
        for word in TEMPLATE_TOKENS:
            if word in example.code:
                found.append(word)
    return list(
        dict.fromkeys(t for t in found if t in TEMPLATE_TOKENS or PLACEHOLDER_TOKEN.match(t))
    )


def _redecode(run: str) -> str | None:
    for codec in ("cp1252", "latin-1"):
        try:
            fixed = run.encode(codec).decode("utf-8")
        except UnicodeError:
            continue
        if fixed != run:
            return fixed
    return None


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")[:40]
