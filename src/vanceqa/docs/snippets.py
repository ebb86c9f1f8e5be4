"""What a code example asks for: curl commands parsed with shlex, other tabs read lightly.

A curl example is split into words the way a POSIX shell would (shlex), never run by
one. The other language tabs are only read for the HTTP method and URL they use, so
tabs of one endpoint can be compared with each other.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field

_NO_ARG = set("isSvLkgfNqn#")  # short flags that take no value, e.g. -sS, -iL
_LONG_NO_ARG = {
    "--include", "--silent", "--show-error", "--verbose", "--location", "--insecure",
    "--globoff", "--fail", "--fail-with-body", "--compressed", "--no-buffer", "--http1.1",
    "--http2", "--progress-bar", "--raw", "--no-progress-meter",
}  # fmt: skip
_DATA = {"-d", "--data", "--data-raw", "--data-binary", "--data-ascii", "--data-urlencode"}
_SEPARATORS = {"|", "||", "&&", ";", "&", "\n", ";;"}


@dataclass
class CurlCommand:
    method: str
    url: str
    headers: list[tuple[str, str]] = field(default_factory=list)
    data: list[str] = field(default_factory=list)
    form: list[tuple[str, str]] = field(default_factory=list)
    user: str | None = None
    json_body: bool = False  # --json, or a JSON Content-Type with -d
    get_data: bool = False  # -G: data goes into the query string
    upload_file: str | None = None  # -T
    line: int = 1  # within the code block, 1-based
    unknown_options: list[str] = field(default_factory=list)

    @property
    def body(self) -> str | None:
        return "&".join(self.data) if self.data else None

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None


class CurlParseError(ValueError):
    pass


def parse_curl_commands(code: str) -> list[CurlCommand]:
    """Every `curl ...` command in a shell block (pipes, `&&` and prompts allowed)."""
    joined = re.sub(r"\\\r?\n", " ", code)
    lexer = shlex.shlex(joined, posix=True, punctuation_chars="|&;<>()\n")
    lexer.whitespace = " \t\r"
    lexer.whitespace_split = True
    try:
        words = list(lexer)
    except ValueError as exc:  # unbalanced quotes
        raise CurlParseError(f"cannot split the shell command: {exc}") from None
    commands: list[list[str]] = [[]]
    for word in words:
        if word in _SEPARATORS or set(word) <= set("|&;<>()\n"):
            commands.append([])
        else:
            commands[-1].append(word)
    lines = _curl_lines(code)
    parsed: list[CurlCommand] = []
    for command in commands:
        while command and command[0] in ("$", "%", ">", "sudo"):
            command = command[1:]
        if command and command[0] == "curl":
            result = _parse_curl(command[1:])
            result.line = lines[len(parsed)] if len(parsed) < len(lines) else 1
            parsed.append(result)
    return parsed


def _curl_lines(code: str) -> list[int]:
    found: list[int] = []
    for number, line in enumerate(code.splitlines(), 1):
        text = line.lstrip()
        if text.startswith("#"):
            continue
        found += [number] * len(re.findall(r"(?:^|[\s;|&$])curl\s", " " + text))
    return found


def _parse_curl(args: list[str]) -> CurlCommand:
    cmd = CurlCommand(method="", url="")
    method: str | None = None
    head = False
    i = 0

    def value() -> str:
        nonlocal i
        i += 1
        if i >= len(args):
            raise CurlParseError(f"curl option {args[i - 1]} needs a value")
        return args[i]

    while i < len(args):
        arg = args[i]
        if arg in ("-X", "--request"):
            method = value().upper()
        elif arg.startswith("-X") and len(arg) > 2:
            method = arg[2:].upper()
        elif arg in ("-H", "--header"):
            name, _, text = value().partition(":")
            cmd.headers.append((name.strip(), text.strip()))
        elif arg in _DATA:
            cmd.data.append(value())
        elif arg == "--json":
            cmd.data.append(value())
            cmd.json_body = True
        elif arg in ("-F", "--form", "--form-string"):
            name, _, text = value().partition("=")
            cmd.form.append((name, text))
        elif arg in ("-G", "--get"):
            cmd.get_data = True
        elif arg in ("-I", "--head"):
            head = True
        elif arg in ("-u", "--user"):
            cmd.user = value()
        elif arg in ("-A", "--user-agent"):
            cmd.headers.append(("User-Agent", value()))
        elif arg in ("-e", "--referer"):
            cmd.headers.append(("Referer", value()))
        elif arg in ("-b", "--cookie"):
            cmd.headers.append(("Cookie", value()))
        elif arg in ("-T", "--upload-file"):
            cmd.upload_file = value()
        elif arg == "--url":
            cmd.url = cmd.url or value()
        elif arg in ("-o", "--output", "-w", "--write-out", "-m", "--max-time", "--retry"):
            value()
        elif arg.startswith("--") and arg not in _LONG_NO_ARG:
            cmd.unknown_options.append(arg)
        elif arg.startswith("-") and len(arg) > 1 and not arg.startswith("--"):
            if not set(arg[1:]) <= _NO_ARG:
                cmd.unknown_options.append(arg)
        elif not arg.startswith("-") and not cmd.url:
            cmd.url = arg
        i += 1
    if not cmd.url:
        raise CurlParseError("the curl command names no URL")
    content_type = (cmd.header("Content-Type") or "").lower()
    cmd.json_body = cmd.json_body or ("json" in content_type and bool(cmd.data))
    if method is None:
        if head:
            method = "HEAD"
        elif cmd.get_data:
            method = "GET"
        elif cmd.data or cmd.form:
            method = "POST"
        elif cmd.upload_file:
            method = "PUT"
        else:
            method = "GET"
    cmd.method = method
    return cmd


# -- other language tabs -------------------------------------------------------------

_VERBS = ("get", "post", "put", "patch", "delete", "head")
_STRING = r"""(?:f|r|b)?("(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|`(?:[^`\\]|\\.)*`)"""
_URL_STRING = re.compile(_STRING)
_CALL = re.compile(r"(?:\.|::|->)\s*(get|post|put|patch|delete|head)\s*[!?]?\s*\(\s*([^)]*)", re.I)
_RUBY_CLASS = re.compile(r"Net::HTTP::(Get|Post|Put|Patch|Delete|Head)\b")
_EXPLICIT = re.compile(
    r"(?:method|type|CUSTOMREQUEST|request)['\"]?\s*(?:=>|:|=|,|\()\s*"
    r"['\"](GET|POST|PUT|PATCH|DELETE|HEAD)['\"]",
    re.I,
)
_PHP_POST = re.compile(r"CURLOPT_POST\b\s*(?:=>|,)\s*(?:true|1)", re.I)
_NOT_HTTP_RECEIVERS = re.compile(
    r"(environ|headers|params|json|data|args|kwargs|dict|options|query|config|settings|"
    r"map|cache|session_state|store|storage|attributes|hash|form|cookies)\s*$",
    re.I,
)


@dataclass(frozen=True)
class TabRequest:
    """The method and URL one example uses, where they can be read; None where not."""

    method: str | None
    url: str | None


def read_tab(language: str, code: str) -> TabRequest:
    """Best reading of a non-shell example: explicit HTTP calls and SDK verbs."""
    if language == "shell":
        try:
            commands = parse_curl_commands(code)
        except CurlParseError:
            return TabRequest(None, None)
        if len(commands) != 1:
            return TabRequest(None, None)
        return TabRequest(commands[0].method, commands[0].url)
    methods: set[str] = set()
    for match in _EXPLICIT.finditer(code):
        methods.add(match.group(1).upper())
    for match in _RUBY_CLASS.finditer(code):
        methods.add(match.group(1).upper())
    if _PHP_POST.search(code):
        methods.add("POST")
    if not methods:
        for match in _CALL.finditer(code):
            receiver = code[: match.start()].rsplit("\n", 1)[-1]
            argument = match.group(2).strip()
            if _NOT_HTTP_RECEIVERS.search(receiver):
                continue
            literal = _URL_STRING.match(argument)
            if literal and not _looks_like_url(literal.group(1)[1:-1]):
                continue  # .get('name') reads a mapping
            methods.add(match.group(1).upper())
    urls = [s[1:-1] for s in _URL_STRING.findall(code) if _looks_like_url(s[1:-1])]
    if not methods and urls and re.search(r"\bfetch\s*\(|CURLOPT_URL|urlopen|URI\(", code):
        methods.add("GET")  # fetch() and friends default to GET
    return TabRequest(methods.pop() if len(methods) == 1 else None, urls[0] if urls else None)


def _looks_like_url(text: str) -> bool:
    return "://" in text or bool(re.match(r"^/[A-Za-z{<:]", text))
