"""curl examples parsed with shlex: strictly, as a shell would, or as a reader means them.

A curl example is split into words the way a POSIX shell would (shlex), never run by
one. `<client_token>`-style words are placeholders, not redirections. A block a shell
would trip on (see curlcheck.py) is read leniently for what it shows, and its problems
are reported by `curl_problems`.
"""

from __future__ import annotations

import copy
import re
import shlex
from dataclasses import dataclass, field
from functools import lru_cache

from vanceqa.docs.curlcheck import CurlProblem, mend

_NO_ARG = set("isSvLkgfNqn#")  # short flags that take no value, e.g. -sS, -iL
_LONG_NO_ARG = {
    "--include", "--silent", "--show-error", "--verbose", "--location", "--insecure",
    "--globoff", "--fail", "--fail-with-body", "--compressed", "--no-buffer", "--http1.1",
    "--http2", "--progress-bar", "--raw", "--no-progress-meter",
}  # fmt: skip
_DATA = {"-d", "--data", "--data-raw", "--data-binary", "--data-ascii", "--data-urlencode"}
_SEPARATORS = {"|", "||", "&&", ";", "&", "\n", ";;"}
# `<client_token>` is a placeholder to fill in, never a shell redirection.
_ANGLE_PLACEHOLDER = re.compile(r"<([A-Za-z_][\w.\-]*)>")
_OPEN, _CLOSE = "\ue000", "\ue001"
_METHOD_WORDS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}
_VALUE_OPTIONS = {
    "-o", "--output", "-w", "--write-out", "-m", "--max-time", "--retry", "-D",
    "--dump-header", "--connect-timeout", "-x", "--proxy", "-E", "--cert", "--cacert",
    "-c", "--cookie-jar", "-K", "--config", "-r", "--range", "-z", "--time-cond",
}  # fmt: skip


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
    extra_words: list[str] = field(default_factory=list)  # words after the URL that are no option
    dump_header: str | None = None  # -D FILE: often a mistyped -d
    explicit_method: bool = False  # -X / --request given

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
    # Every drift rule reads the same blocks: split each once, hand out fresh copies.
    return [copy.deepcopy(command) for command in _split_commands(code)]


def clear_curl_cache() -> None:
    """Forget the blocks split so far (a benchmark's cold runs)."""
    _split_commands.cache_clear()


@lru_cache(maxsize=4096)
def _split_commands(code: str) -> tuple[CurlCommand, ...]:
    protected = _ANGLE_PLACEHOLDER.sub(lambda m: _OPEN + m.group(1) + _CLOSE, code)
    joined = re.sub(r"\\\r?\n", " ", protected)
    lexer = shlex.shlex(joined, posix=True, punctuation_chars="|&;<>()\n")
    lexer.whitespace = " \t\r"
    lexer.whitespace_split = True
    try:
        words = [w.replace(_OPEN, "<").replace(_CLOSE, ">") for w in lexer]
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
    return tuple(parsed)


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
        elif arg in ("-D", "--dump-header"):
            cmd.dump_header = value()
        elif arg in _VALUE_OPTIONS:
            value()
        elif arg.startswith("--") and arg not in _LONG_NO_ARG:
            cmd.unknown_options.append(arg)
        elif arg.startswith("-") and len(arg) > 1 and not arg.startswith("--"):
            if not set(arg[1:]) <= _NO_ARG:
                cmd.unknown_options.append(arg)
        elif not arg.startswith("-") and not cmd.url:
            cmd.url = arg
        elif (not arg.startswith("-") or arg == "-") and args[i - 1] not in cmd.unknown_options:
            cmd.extra_words.append(arg)  # (after an unknown option it is that option's value)
        i += 1
    if not cmd.url:
        raise CurlParseError("the curl command names no URL")
    content_type = (cmd.header("Content-Type") or "").lower()
    cmd.json_body = cmd.json_body or ("json" in content_type and bool(cmd.data))
    cmd.explicit_method = method is not None
    cmd.method = method or _implied_method(cmd, head)
    return cmd


def _implied_method(cmd: CurlCommand, head: bool) -> str:
    """The method curl uses without -X: HEAD for -I, GET for -G, POST with data, PUT for -T."""
    if head:
        return "HEAD"
    if cmd.get_data:
        return "GET"
    if cmd.data or cmd.form:
        return "POST"
    return "PUT" if cmd.upload_file else "GET"


def read_curl_leniently(code: str) -> list[CurlCommand]:
    """The curl commands a reader sees in a block, even one a shell would trip on."""
    mended, _ = mend(code)
    try:
        commands = parse_curl_commands(mended)
    except CurlParseError:
        return []
    for command in commands:
        if not looks_like_curl_url(command.url):
            urls = [w for w in command.extra_words if looks_like_curl_url(w)]
            if urls:
                command.extra_words.remove(urls[0])
                command.extra_words.insert(0, command.url)
                command.url = urls[0]
        if command.method.startswith("-"):
            command.method = command.method.lstrip("-") or "GET"
        stated = [w for w in command.extra_words if w in _METHOD_WORDS]
        if stated and not command.explicit_method:
            command.method = stated[0]  # `curl X- DELETE url`: a mistyped -X DELETE
        if not command.data and _looks_like_body(command.dump_header):
            command.data.append(command.dump_header or "")  # `-D '{...}'` meant -d
            if command.method == "GET" and not command.get_data:
                command.method = "POST"
        if command.data and all(d.lstrip().startswith(("{", "[")) for d in command.data):
            command.json_body = True  # a JSON body, whatever Content-Type says
    return commands


def _looks_like_body(value: str | None) -> bool:
    text = (value or "").strip()
    return text.startswith(("{", "[")) or ("=" in text and "/" not in text)


def curl_problems(code: str) -> list[CurlProblem]:
    """Why a shell would not run a block as it reads: mending problems, then per command."""
    mended, problems = mend(code)
    try:
        commands = parse_curl_commands(mended)
    except CurlParseError as exc:
        return [*problems, CurlProblem(1, "unsplittable", str(exc))]
    for command in commands:
        strays = [w for w in command.extra_words if not looks_like_curl_url(w)]
        if not looks_like_curl_url(command.url) and any(
            looks_like_curl_url(w) for w in command.extra_words
        ):
            strays.insert(0, command.url)
        if strays:
            shown = ", ".join(f"`{w}`" for w in strays[:3])
            problems.append(
                CurlProblem(
                    command.line,
                    "stray-words",
                    f"curl takes {shown} as URLs to request too (a mistyped option?)",
                )
            )
        if command.method.startswith("-"):
            problems.append(
                CurlProblem(
                    command.line,
                    "bad-method",
                    f"`-X {command.method.lower()}` sends the method {command.method!r}, "
                    "which is no HTTP method (a stray dash?)",
                )
            )
        if command.dump_header is not None and not command.data:
            problems.append(
                CurlProblem(
                    command.line,
                    "dump-header",
                    "-D writes the response headers to a file named by its value; the "
                    "request body needs -d",
                )
            )
    return problems


def looks_like_curl_url(word: str) -> bool:
    """A word curl would request: a URL with a scheme, or a host or path with a slash."""
    return "://" in word or word.startswith("/") or bool(re.match(r"^[\w{<$][^\s]*[./]", word))
