"""The Slate parser: our page, two pages of other conventions (tests/slate/), odd input."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import ROOT
from vanceqa.docs.frontmatter import include_path
from vanceqa.docs.model import DocsPage, Endpoint
from vanceqa.docs.parser import parse_page
from vanceqa.docs.requestline import (
    canonical,
    matches,
    parse_endpoint_html,
    parse_request_text,
    path_values,
    url_path,
)
from vanceqa.docs.tables import default_in_text
from vanceqa.errors import UsageError

OURS = ROOT / "fixtures" / "docs" / "index.html.md"
PETSTORE = ROOT / "tests" / "slate" / "petstore" / "index.html.md"
UPLOADS = ROOT / "tests" / "slate" / "uploads" / "index.html.md"


def endpoint(page: DocsPage, title: str) -> Endpoint:
    return next(e for e in page.endpoints if e.title == title)


def line_of(path: Path, text: str) -> int:
    """The 1-based line of the first line containing `text`: tests stay true to the file."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if text in line:
            return number
    raise AssertionError(f"{text!r} not in {path}")


# -- our page ---------------------------------------------------------------------------


def test_our_page_endpoints_come_from_the_request_lines() -> None:
    page = parse_page(OURS)
    found = [(e.methods, e.path, e.title, e.source.line) for e in page.endpoints]
    assert found == [
        (("GET",), "/api/kittens", "Get All Kittens", line_of(OURS, "`GET http://example.com/api")),
        (("GET",), "/kittens/<ID>", "Get a Specific Kitten", line_of(OURS, "`GET http://example.com/kittens")),
        (("DELETE",), "/kittens/<ID>", "Delete a Specific Kitten", line_of(OURS, "`DELETE http")),
    ]  # fmt: skip
    assert page.title == "Vance AI API Reference"
    assert page.language_tabs == ("shell", "ruby", "python", "javascript", "php")


def test_our_page_parameters_with_location_default_and_inferred_type() -> None:
    page = parse_page(OURS)
    listing = endpoint(page, "Get All Kittens")
    params = {p.name: p for p in listing.parameters}
    assert set(params) == {"include_cats", "available"}
    assert params["include_cats"].location == "query"
    assert params["include_cats"].default == "false"
    assert params["available"].default == "true"
    assert params["available"].type == "boolean"
    assert not params["available"].type_stated  # inferred from the default
    assert params["available"].source.line == line_of(OURS, "available | true")
    item = endpoint(page, "Get a Specific Kitten")
    assert [(p.name, p.location, p.required) for p in item.parameters] == [("ID", "path", True)]


def test_our_page_examples_per_language_and_json_responses() -> None:
    page = parse_page(OURS)
    delete = endpoint(page, "Delete a Specific Kitten")
    assert [e.language for e in delete.examples] == ["ruby", "python", "shell", "javascript"]
    shell = delete.examples_for("shell")[0]
    assert "-X DELETE" in shell.code
    lines = OURS.read_text(encoding="utf-8").splitlines()
    assert lines[shell.source.line - 1] == "```shell"  # the fence's own line
    assert lines[shell.source.line + 1].strip() == "-X DELETE \\"
    [response] = delete.responses
    assert response.parsed
    assert response.body == {"id": 2, "deleted": ":("}
    assert response.family == "2xx"
    assert response.annotation == "The above command returns JSON structured like this:"
    listing = endpoint(page, "Get All Kittens")
    assert [k["name"] for k in listing.responses[0].body] == ["Fluffums", "Max"]


def test_our_page_include_and_error_table() -> None:
    page = parse_page(OURS)
    assert [(i.name, i.file, i.found) for i in page.includes] == [
        ("errors", "includes/_errors.md", True)
    ]
    assert page.includes[0].source.line == line_of(OURS, "  - errors")
    codes = {c.code: c for c in page.error_codes}
    assert sorted(codes) == [400, 401, 403, 404, 405, 406, 410, 418, 429, 500, 503]
    assert codes[401].name == "Unauthorized"
    assert codes[410].source.file == "includes/_errors.md"
    assert codes[410].source.line == line_of(OURS.parent / "includes/_errors.md", "410 |")


def test_html_and_annotations_are_not_endpoints_or_headings() -> None:
    page = parse_page(OURS)
    titles = [s.title for s in page.sections]
    # "### Do not expose your API token publicly" sits inside an <aside> HTML block.
    assert "Do not expose your API token publicly" not in titles
    auth = next(s for s in page.sections if s.title == "Authentication")
    assert [a.text for a in auth.annotations] == [
        "To authorize, use this code:",
        "Make sure to replace meowmeowmeow with your API key.",
    ]


# -- the petstore page: endpoint markup, includes, other columns, JSON comments --------------


def test_petstore_endpoints_live_in_includes_with_endpoint_markup() -> None:
    page = parse_page(PETSTORE)
    assert [i.file for i in page.includes] == [
        "includes/_authentication.md",
        "includes/_pets.md",
        "includes/_orders.md",
        "includes/_errors.md",
    ]
    assert page.language_tabs == ("shell", "python", "javascript")  # `- shell: cURL` form
    found = [(e.methods, e.path, e.markup, e.source.file) for e in page.endpoints]
    assert found == [
        (("GET", "HEAD"), "/v1/pets", "endpoint-html", "includes/_pets.md"),
        (("GET",), "/v1/pets/{petId}", "endpoint-html", "includes/_pets.md"),
        (("POST",), "/v1/orders", "endpoint-html", "includes/_orders.md"),
    ]
    pets = PETSTORE.parent / "includes" / "_pets.md"
    assert page.endpoints[0].source.line == line_of(
        pets, '<p class="endpoint"><code>GET</code> <code>HEAD'
    )


def test_petstore_tables_of_other_columns() -> None:
    page = parse_page(PETSTORE)
    listing = endpoint(page, "List Pets")
    params = {p.name: p for p in listing.parameters}
    # Name | In | Type | Description: the In column gives the location.
    assert {n: p.location for n, p in params.items()} == {
        "species": "query",
        "limit": "query",
        "cursor": "query",
    }
    assert params["limit"].type == "integer"
    assert params["limit"].type_stated
    assert params["limit"].default == "20"  # from "Defaults to 20." in the description
    pet = endpoint(page, "Get a Pet")
    # Field | Type | Required | Description under no heading: a path parameter by name.
    assert [(p.name, p.location, p.type, p.required) for p in pet.parameters] == [
        ("petId", "path", "integer", True)
    ]
    assert [c.code for c in pet.error_codes] == [404]  # Status Code | Description
    order = endpoint(page, "Place an Order")
    assert {(p.name, p.location, p.type, p.required, p.default) for p in order.parameters} == {
        ("petId", "body", "integer", True, None),
        ("pickup", "body", "string", False, None),  # "(default: tomorrow)": a word, no value
    }
    assert [c.code for c in page.error_codes] == [400, 401, 404, 409]  # Code | Name | Meaning


def test_petstore_json_examples_with_comments() -> None:
    page = parse_page(PETSTORE)
    [listing] = endpoint(page, "List Pets").responses
    assert listing.parsed
    assert listing.had_comments
    assert listing.body["pets"][0]["age"] == 2.5
    [order] = endpoint(page, "Place an Order").responses
    assert order.status == 201
    assert order.family == "2xx"
    assert order.body == {"id": "ord_8f2c", "petId": 17, "status": "held"}


# -- the uploads page: multipart form parameters, a missing include, broken JSON -------------


def test_uploads_form_parameters_and_code_span_request_lines() -> None:
    page = parse_page(UPLOADS)
    upload = endpoint(page, "Upload an Image")
    assert upload.methods == ("POST",)
    assert upload.markup == "code-span"
    assert [(p.name, p.location, p.type, p.required) for p in upload.parameters] == [
        ("api_token", "formData", "string", True),
        ("file", "formData", "file", True),
    ]
    assert {e.language for e in upload.examples} == {"shell", "python", "php", "ruby"}
    transform = endpoint(page, "Transform an Image")
    scale = next(p for p in transform.parameters if p.name == "scale")
    assert (scale.default, scale.required) == ("2", False)
    [broken] = transform.responses
    assert not broken.parsed
    assert broken.error_line == line_of(UPLOADS, '"status": "waiting",}')


def test_uploads_missing_include_is_recorded_not_fatal() -> None:
    page = parse_page(UPLOADS)
    missing = [i for i in page.includes if not i.found]
    assert [(i.name, i.file) for i in missing] == [("missing_page", "includes/_missing_page.md")]
    # The includes after the missing one are still read.
    assert "includes/_errors.md" in page.files
    cancel = endpoint(page, "Cancel a Job")
    assert cancel.path == "/web_api/v1/jobs/:trans_id"
    assert cancel.parameters[0].location == "path"


# -- request lines, paths, front matter, odd input ------------------------------------------


@pytest.mark.parametrize(
    ("text", "methods", "url"),
    [
        ("GET http://example.com/kittens/<ID>", ("GET",), "http://example.com/kittens/<ID>"),
        ("GET, HEAD /a/{id}", ("GET", "HEAD"), "/a/{id}"),
        ("GET|POST /x", ("GET", "POST"), "/x"),
        ("DELETE api.example.org/v1/a/:id", ("DELETE",), "api.example.org/v1/a/:id"),
        ("GET/issues/resolutions", ("GET",), "/issues/resolutions"),  # no space
        ("GET/POST /a", ("GET", "POST"), "/a"),
        ("[PUT | POST] /timers/{id}/pause", ("PUT", "POST"), "/timers/{id}/pause"),
        ("POST jobs/{id}/resources", ("POST",), "jobs/{id}/resources"),
    ],
)
def test_request_line_forms(text: str, methods: tuple[str, ...], url: str) -> None:
    line = parse_request_text(text)
    assert line is not None
    assert (line.methods, line.url) == (methods, url)


@pytest.mark.parametrize(
    "text", ["Get all kittens", "GET the list now", "get /lower", "GET", "[see] /x"]
)
def test_prose_is_not_a_request_line(text: str) -> None:
    assert parse_request_text(text) is None


def test_endpoint_html_variants() -> None:
    [one] = parse_endpoint_html('<p class="endpoint"><code>POST /upload</code></p>')
    assert (one.methods, one.url) == (("POST",), "/upload")
    assert parse_endpoint_html('<p class="note"><code>GET</code> /x</p>') == []
    [div] = parse_endpoint_html(
        '<div class="api-endpoint"><div class="endpoint-data"><i class="label">GET</i>'
        "<h6> https://h/v1/orders/<order_id>/lines.json </h6></div></div>"
    )
    assert (div.methods, div.url) == (("GET",), "https://h/v1/orders/<order_id>/lines.json")


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("jobs/{id}/resources", "/jobs/{id}/resources"),  # a path without its slash
        ("api.example.org/v1/a", "/v1/a"),  # a host without a scheme
        ("{host}/v2/otp", "/v2/otp"),
        ("{{base_url}}/a", "/a"),
        ("localhost:8080/a?x=1", "/a"),
        ("https://{deployment}.example.com/api/v0/x", "/api/v0/x"),
    ],
)
def test_url_paths_keep_paths_without_a_slash(url: str, path: str) -> None:
    assert url_path(url) == path


def test_parameters_inside_a_segment() -> None:
    assert matches("/brands/<brand_id>.json", "/brands/5a1c.json")
    assert not matches("/brands/<brand_id>.json", "/brands/5a1c.xml")
    assert canonical("/brands/<brand_id>.json") == canonical("/brands/{id}.json")


def test_paths_compare_by_literal_segments() -> None:
    assert canonical("/kittens/<ID>") == canonical("/kittens/{id}") == canonical("/kittens/:id")
    assert matches("/api/kittens/{id}", "/api/kittens/2")
    assert not matches("/kittens/<ID>", "/api/kittens/2")
    assert path_values("/kittens/<ID>", "/api/kittens/2") == {"ID": "2"}
    assert include_path("v2/errors") == "includes/v2/_errors.md"


def test_missing_page_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="not found"):
        parse_page(tmp_path / "nope.md")


def test_broken_front_matter_is_a_problem_with_a_line(tmp_path: Path) -> None:
    page_file = tmp_path / "index.html.md"
    page_file.write_text("---\ntitle: [unclosed\n---\n\n# A\n\n`GET /a`\n", encoding="utf-8")
    page = parse_page(page_file)
    assert page.problems
    assert page.problems[0].source.line >= 2
    assert [e.path for e in page.endpoints] == ["/a"]
    assert page.endpoints[0].source.line == 7


def test_page_without_front_matter_and_request_line_in_a_quote(tmp_path: Path) -> None:
    page_file = tmp_path / "index.html.md"
    page_file.write_text("#### Deep heading\n\n> `GET /quoted`\n\n`PUT /real`\n", encoding="utf-8")
    page = parse_page(page_file)
    assert [(e.methods, e.path, e.title) for e in page.endpoints] == [
        (("PUT",), "/real", "Deep heading")
    ]


def test_two_request_lines_in_one_section_split_the_examples(tmp_path: Path) -> None:
    page_file = tmp_path / "index.html.md"
    page_file.write_text(
        "# Items\n\n```shell\ncurl https://h/items\n```\n\n"
        "```shell\ncurl -X POST https://h/items -d a=1\n```\n\n"
        "`GET https://h/items`\n\n`POST https://h/items`\n",
        encoding="utf-8",
    )
    page = parse_page(page_file)
    get, post = page.endpoints
    assert [e.source.line for e in get.examples] == [3]
    assert [e.source.line for e in post.examples] == [7]


@given(
    st.text(alphabet=st.sampled_from(list("#`>|-*_ \n{}<>:/GETPOST[]()\"'abc123")), max_size=300)
)
def test_any_text_parses_without_crashing(text: str) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        page_file = Path(folder) / "index.html.md"
        page_file.write_text(text, encoding="utf-8")
        page = parse_page(page_file)
        page.to_json()


def test_redcarpet_headings_and_indented_text(tmp_path: Path) -> None:
    page_file = tmp_path / "index.html.md"
    page_file.write_text(
        "##Things\n\n    `GET /things`\n\n```shell\n#not a heading\ncurl https://h/things\n```\n",
        encoding="utf-8",
    )
    page = parse_page(page_file)
    assert [s.title for s in page.sections] == ["Things"]
    # Slate disables indented code: the indented request line is a request line.
    assert [(e.path, e.title) for e in page.endpoints] == [("/things", "Things")]


def test_each_json_example_is_parsed_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Parsing is linear in the includes: the JSON of earlier files is not parsed again."""
    import vanceqa.docs.filling as filling

    calls: list[str] = []
    original = filling.parse_jsonish

    def counting(text: str):  # type: ignore[no-untyped-def]
        calls.append(text)
        return original(text)

    monkeypatch.setattr(filling, "parse_jsonish", counting)
    (tmp_path / "includes").mkdir()
    names = [f"part{n}" for n in range(30)]
    for n, name in enumerate(names):
        (tmp_path / "includes" / f"_{name}.md").write_text(
            f'# Part {n}\n\n```json\n{{"n": {n}}}\n```\n\n`GET /parts/{n}`\n',
            encoding="utf-8",
        )
    front = "---\nincludes:\n" + "".join(f"  - {name}\n" for name in names) + "---\n"
    (tmp_path / "index.html.md").write_text(front + "# Parts\n", encoding="utf-8")
    page = parse_page(tmp_path / "index.html.md")
    assert len(page.endpoints) == 30
    assert [e.responses[0].body for e in page.endpoints] == [{"n": n} for n in range(30)]
    assert len(calls) == 30


@pytest.mark.parametrize(
    ("description", "default"),
    [
        ("Label shown. <br>Default value is `Label 1`.", "Label 1"),
        ("Default to **1** if not present.", "1"),
        ("Defaults to _25_.", "25"),
        ("Either 'a' or 'b'. Defaults to 'b'.", "b"),
        ('Defaults to "0.00".', "0.00"),
        ("Defaults to <code>false</code> and cannot change.", "false"),
        ("Default is 10, at most 100.", "10"),
        ("(default: 2)", "2"),
        ("defaults to true.", "true"),
        ("Defaults to -1.5.", "-1.5"),
        ("Default is `null`.", "null"),
        ("The owner defaults to the current user.", None),
        ("The date, default value is today.", None),
        ("Their email (it default to sender's email if not present).", None),
        ("The lifetime in seconds. This defaults to 30 days.", None),
        ("Defaults to **the current user**.", None),
        ("Default: none", None),
        ("No default stated.", None),
    ],
)
def test_defaults_from_prose_only_where_a_value_is_stated(
    description: str, default: str | None
) -> None:
    assert default_in_text(description) == default
