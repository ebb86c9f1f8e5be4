"""What a non-curl code example asks for: its HTTP method and URL, read lightly.

Language tabs are only read for the method and URL they use, so the tabs of one
endpoint can be compared with each other and with its request line. A shell tab is
read as a reader sees it (see snippets.read_curl_leniently).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from vanceqa.docs.snippets import read_curl_leniently

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
        commands = read_curl_leniently(code)
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
