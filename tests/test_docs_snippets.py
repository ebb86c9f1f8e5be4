"""Reading examples: curl via shlex, the other tabs, JSON with comments, shapes, schemas."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vanceqa.docs import paramnames
from vanceqa.docs.jsonish import infer_schema, parse_jsonish, shape_differences
from vanceqa.docs.snippets import (
    CurlParseError,
    curl_problems,
    parse_curl_commands,
    read_curl_leniently,
)
from vanceqa.docs.tabread import read_tab


def test_curl_with_continuations_prompt_pipe_and_comment() -> None:
    code = (
        "# list them\n"
        '$ curl "http://example.com/api/kittens?include_cats=true" \\\n'
        '  -H "Authorization: meowmeowmeow" -sS | jq .\n'
    )
    [cmd] = parse_curl_commands(code)
    assert cmd.method == "GET"
    assert cmd.url == "http://example.com/api/kittens?include_cats=true"
    assert cmd.headers == [("Authorization", "meowmeowmeow")]
    assert cmd.line == 2


def test_curl_methods_are_inferred_as_curl_does() -> None:
    def method(code: str) -> str:
        return parse_curl_commands(code)[0].method

    assert method("curl -XDELETE http://h/a/1") == "DELETE"
    assert method("curl --request patch http://h/a") == "PATCH"
    assert method("curl http://h/a -d x=1") == "POST"
    assert method("curl -G http://h/a -d x=1") == "GET"
    assert method("curl -I http://h/a") == "HEAD"
    assert method("curl -F 'file=@cat.jpg' http://h/up") == "POST"
    assert method("curl -T cat.jpg http://h/up") == "PUT"


def test_curl_form_json_and_several_commands() -> None:
    code = (
        "curl -X POST https://h/v1/orders -H 'Content-Type: application/json' "
        "-d '{\"petId\": 17}'\n"
        'curl https://h/v1/upload -F "api_token=T" -F "file=@/tmp/cat.jpg" && echo done\n'
    )
    first, second = parse_curl_commands(code)
    assert first.json_body
    assert first.body == '{"petId": 17}'
    assert second.form == [("api_token", "T"), ("file", "@/tmp/cat.jpg")]
    assert (first.line, second.line) == (1, 2)


def test_angle_placeholders_are_words_not_redirections() -> None:
    [cmd] = parse_curl_commands("curl https://h/v1/orders/<order_id> \\\n  -u <client_token>:")
    assert (cmd.url, cmd.user) == ("https://h/v1/orders/<order_id>", "<client_token>:")
    [redirected] = parse_curl_commands("curl https://h/a > out.json")
    assert redirected.url == "https://h/a"


@pytest.mark.parametrize(
    ("code", "kind", "line", "method", "url"),
    [
        ('curl "https://h/a"\n  -X POST\n  -d "x=1"', "no-continuation", 2, "POST", "https://h/a"),
        ("curl -X PUT \\ \n  https://h/a", "backslash-space", 1, "PUT", "https://h/a"),
        ("curl'https://h/a?q=1'", "glued", 1, "GET", "https://h/a?q=1"),
        ("curl X- DELETE https://h/a/1", "stray-words", 1, "DELETE", "https://h/a/1"),
        ("curl -X -get https://h/a", "bad-method", 1, "GET", "https://h/a"),
        ("curl https://h/a \\\n  -H 'X: 1", "unclosed-quote", 2, "GET", "https://h/a"),
        ("curl -X POST https://h/a -D '{\"a\": 1}'", "dump-header", 1, "POST", "https://h/a"),
    ],
)
def test_broken_curls_are_diagnosed_and_read_as_meant(
    code: str, kind: str, line: int, method: str, url: str
) -> None:
    [problem] = curl_problems(code)
    assert (problem.kind, problem.line) == (kind, line)
    [cmd] = read_curl_leniently(code)
    assert (cmd.method, cmd.url) == (method, url)


def test_a_correct_curl_has_no_problem() -> None:
    code = (
        "curl -X POST https://h/a \\\n"
        "  -H 'Content-Type: application/json' \\\n"
        "  -d '{\n  \"a\": 1\n}'"
    )
    assert curl_problems(code) == []
    assert read_curl_leniently(code)[0].json_body


def test_curl_shell_quoting_is_never_executed() -> None:
    [cmd] = parse_curl_commands('curl "http://h/a?x=$(rm -rf /)" -H "X: `id`"')
    assert cmd.url == "http://h/a?x=$(rm -rf /)"  # a word, never handed to a shell
    assert cmd.headers == [("X", "`id`")]


@pytest.mark.parametrize("code", ['curl "http://h/a', "curl -H"])
def test_broken_curl_is_a_parse_error(code: str) -> None:
    with pytest.raises(CurlParseError):
        parse_curl_commands(code)


@pytest.mark.parametrize(
    ("language", "code", "method", "url"),
    [
        ("python", "requests.get('https://h/api/kittens', headers=h)", "GET", "https://h/api/kittens"),
        ("python", "api.kittens.delete(2)", "DELETE", None),
        ("python", "os.environ.get('TOKEN')\nrequests.post('https://h/x')", "POST", "https://h/x"),
        ("python", "cfg.get('name')", None, None),
        ("ruby", "RestClient.get('https://h/a')", "GET", "https://h/a"),
        ("ruby", "req = Net::HTTP::Delete.new(URI('https://h/a/1'))", "DELETE", "https://h/a/1"),
        ("javascript", "await fetch('https://h/a')", "GET", "https://h/a"),
        ("javascript", "fetch('https://h/a', {method: 'PUT'})", "PUT", "https://h/a"),
        ("javascript", "axios.delete(`https://h/a/1`)", "DELETE", "https://h/a/1"),
        ("php", 'curl_setopt($c, CURLOPT_URL, "https://h/a");\ncurl_setopt($c, CURLOPT_POST, 1);',
         "POST", "https://h/a"),
        ("php", "$client->request('PATCH', '/a/1')", "PATCH", "/a/1"),
        ("shell", "curl -X DELETE http://h/a/1", "DELETE", "http://h/a/1"),
    ],
)  # fmt: skip
def test_tabs_are_read_for_method_and_url(
    language: str, code: str, method: str | None, url: str | None
) -> None:
    reading = read_tab(language, code)
    assert (reading.method, reading.url) == (method, url)


def test_json_with_comments_parses_and_says_so() -> None:
    parsed = parse_jsonish('{\n  "a": "http://x//y", // note\n  /* block */ "b": [1, 2]\n}')
    assert parsed.error is None
    assert parsed.had_comments
    assert parsed.value == {"a": "http://x//y", "b": [1, 2]}


def test_broken_json_names_its_line() -> None:
    parsed = parse_jsonish('{\n  "a": 1,\n}')
    assert parsed.error is not None
    assert parsed.error_line == 3


def test_shape_compares_keys_and_types_not_values() -> None:
    documented = [{"id": 1, "name": "Fluffums", "age": 2.5, "tags": ["a"], "owner": None}]
    same = [{"id": 9, "name": "Rex", "age": 3, "tags": [], "owner": {"x": 1}}]
    assert shape_differences(documented, same) == []
    assert shape_differences(documented, []) == []
    wrong = [{"id": "9", "name": "Rex", "age": 3, "tags": []}]
    assert shape_differences(documented, wrong) == [
        "$[0].id: documented integer, got string",
        "$[0]: key 'owner' is missing",
    ]
    assert shape_differences({"a": 1}, {"a": 1, "b": 2}) == []
    assert shape_differences({"a": 1}, {"a": 1, "b": 2}, allow_extra_keys=False) == [
        "$: undocumented keys 'b'"
    ]
    assert shape_differences({"a": 1}, [1]) == ["$: documented object, got array"]
    assert shape_differences({"ok": True}, {"ok": 1}) == ["$.ok: documented boolean, got integer"]


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=12,
)


@given(JSON_VALUES)
def test_a_value_has_its_own_shape(value: object) -> None:
    assert shape_differences(value, value, allow_extra_keys=False) == []


@given(JSON_VALUES)
def test_inferred_schema_accepts_its_example(value: object) -> None:
    import jsonschema

    jsonschema.validate(value, infer_schema(value))


@pytest.mark.parametrize(
    ("documented", "sent", "covered"),
    [
        ("profile.{profile_value_id}", "profile.12", True),
        ("meta[<key>]", "meta[7]", True),
        ("meta[<key>]", "meta[7][name]", True),  # array syntax of a fitting name
        ("labels", "labels[][name]", True),
        ("profile.{id}", "profile.1.2", False),  # one placeholder, one segment
        ("profile.{id}", "profile", False),
        ("profile.{id}", "profiles.1", False),
        ("zipcode", "postcode", False),
    ],
)
def test_a_sent_name_fits_the_documented_name(documented: str, sent: str, covered: bool) -> None:
    assert paramnames.fits(documented, sent) is covered


def test_names_a_row_or_a_paragraph_documents() -> None:
    assert paramnames.spellings("zipcode/postcode") == ["zipcode", "postcode"]
    assert paramnames.spellings("zipcode / postcode") == ["zipcode", "postcode"]
    assert paramnames.spellings("date (from/to)") == ["date (from/to)"]
    prose = 'Set each value through the field "profile.{profile_value_id}" of the request.'
    assert paramnames.patterns_in_prose(prose) == ["profile.{profile_value_id}"]
    # A URL or a path template is no field name; nor is a name without the word "field".
    assert paramnames.patterns_in_prose("The field is set by GET /a/{id} at https://{h}.x/") == []
    assert paramnames.patterns_in_prose('Send "profile.{id}" too.') == []


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ('{"a": 1, ...}', {"a": 1}),
        ('[{"id": 1, ...}, ...]', [{"id": 1}]),
        ('{"a": 1,\n  ...\n  "b": {"c": 2}}', {"a": 1, "b": {"c": 2}}),  # no comma after
        ('{"items": [\n  ...\n], "n": 0}', {"items": [], "n": 0}),
        ('{"a": 1, "..."}', {"a": 1}),  # a lone "..." where a key goes
        ('{\n  "..."\n  "b": 2\n}', {"b": 2}),
        ('{"r": { "..." }}', {"r": {}}),
        ('{"a": ..., "b": 1}', {"b": 1}),  # an elided value takes its key
        ('{"a": 1, …}', {"a": 1}),
        ('{"a": 1, ..., }', {"a": 1}),
    ],
)
def test_elided_json_parses_as_what_it_shows(text: str, value: object) -> None:
    parsed = parse_jsonish(text)
    assert (parsed.value, parsed.elided, parsed.error) == (value, True, None)


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [
        ('{\n  "a": 1,\n  ...\n  "b": 2,\n}', 5, 1),  # a trailing comma besides
        ("{\n  \"a\": 'x',\n  ...\n}", 2, 8),  # single quotes besides
        ('"a": 1,\n...', 1, 4),  # a fragment, not an object
        ("...", 1, 4),  # nothing but elision
    ],
)
def test_json_broken_for_another_reason_stays_broken(text: str, line: int, column: int) -> None:
    parsed = parse_jsonish(text)
    assert (parsed.value, parsed.elided, parsed.error_line) == (None, False, line)
    assert str(parsed.error).endswith(f"at column {column}")


def test_strings_that_hold_dots_are_values() -> None:
    parsed = parse_jsonish('{"a": "...", "b": ["…"]}')
    assert (parsed.value, parsed.elided) == ({"a": "...", "b": ["…"]}, False)
