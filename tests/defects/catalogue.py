"""The defect catalogue: single defects, each breaking one documented behaviour.

Each entry names the conformance check that must fail when the suite runs against the
mock with that defect planted (tests/test_conformance_defects.py proves it, through a
real socket). Nothing here reads the mock's data file: defects act on whatever comes by.
"""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import unquote, urlencode

from tests.defects.wrapper import Context, Defect, Request, Response

DEFECTS: list[Defect] = []


def defect(name: str, expected_check: str, description: str):  # type: ignore[no-untyped-def]
    """Register a defect from a request rewrite (sync) or a response rewrite (async)."""

    def register(function):  # type: ignore[no-untyped-def]
        import inspect

        if inspect.iscoroutinefunction(function):
            DEFECTS.append(Defect(name, expected_check, description, response=function))
        else:
            DEFECTS.append(Defect(name, expected_check, description, request=function))
        return function

    return register


def _with_token(request: Request, token: str) -> Request:
    return replace(request, headers={**request.headers, "authorization": token})


def _set_param(request: Request, name: str, value: str) -> Request:
    params = request.params
    params[name] = value
    return replace(request, query=urlencode(params))


# -- auth -------------------------------------------------------------------------------


@defect("delete_skips_token_check", "auth_no_token", "DELETE works without an Authorization header")
def _delete_skips(request: Request, ctx: Context) -> Request:
    if request.method == "DELETE" and request.token is None:
        return _with_token(request, ctx.api_token)
    return request


@defect("list_accepts_empty_token", "auth_empty_token", "an empty Authorization passes on the list")
def _empty(request: Request, ctx: Context) -> Request:
    if request.route == "list" and request.token == "":
        return _with_token(request, ctx.api_token)
    return request


@defect("bearer_scheme_accepted", "auth_bearer_token", "`Bearer <token>` is accepted")
def _bearer(request: Request, ctx: Context) -> Request:
    token = request.token or ""
    if token.startswith("Bearer "):
        return _with_token(request, token.removeprefix("Bearer "))
    return request


@defect("token_prefix_match", "auth_wrong_token", "GET of a kitten compares tokens by prefix")
def _prefix(request: Request, ctx: Context) -> Request:
    token = request.token or ""
    if request.route == "item" and token.startswith(ctx.api_token):
        return _with_token(request, ctx.api_token)
    return request


@defect("wrong_token_403", "auth_wrong_token", "a wrong token gets 403 instead of 401")
async def _wrong_403(request: Request, response: Response, ctx: Context) -> Response:
    if response.status == 401 and request.token:
        return replace(response, status=403)
    return response


@defect("admin_refused_on_item", "auth_token_accepted", "the admin token gets 401 on one kitten")
async def _admin_item(request: Request, response: Response, ctx: Context) -> Response:
    if request.route == "item" and request.token == ctx.admin_token and request.method == "GET":
        return response.with_json({"error": "unauthorized"}, status=401)
    return response


@defect("hidden_visible_to_regular", "auth_hidden_regular", "regular tokens see hidden kittens")
async def _hidden_regular(request: Request, response: Response, ctx: Context) -> Response:
    if request.route == "item" and request.method == "GET" and response.status == 403:
        return await ctx.ask("GET", request.path)
    return response


@defect("hidden_forbidden_for_admin", "auth_hidden_admin", "admins get 403 on hidden kittens")
async def _hidden_admin(request: Request, response: Response, ctx: Context) -> Response:
    if request.route == "item" and request.token == ctx.admin_token and response.status == 200:
        as_regular = await ctx.ask("GET", request.path, token=ctx.api_token)
        if as_regular.status == 403:
            return as_regular
    return response


# -- query flags ------------------------------------------------------------------------


@defect("include_cats_default_inverted", "param_default", "omitted include_cats acts as true")
def _cats_default(request: Request, ctx: Context) -> Request:
    if request.route == "list" and "include_cats" not in request.params:
        return _set_param(request, "include_cats", "true")
    return request


@defect("available_default_inverted", "param_default", "omitted available acts as false")
def _available_default(request: Request, ctx: Context) -> Request:
    if request.route == "list" and "available" not in request.params:
        return _set_param(request, "available", "false")
    return request


@defect("malformed_flag_ignored", "param_malformed", "an invalid flag value falls back to 200")
def _flag_ignored(request: Request, ctx: Context) -> Request:
    if request.route == "list":
        kept = {k: v for k, v in request.params.items() if v in ("true", "false")}
        return replace(request, query=urlencode(kept))
    return request


@defect(
    "flag_case_checked_not_read",
    "param_spelling",
    "`True`/`FALSE` pass validation (lower-cased) but the meaning is read from the raw value",
)
def _flag_case(request: Request, ctx: Context) -> Request:
    if request.route == "list":
        params = request.params
        # Checked as value.lower() in (true, false), then read as value == "true".
        read = {
            k: ("true" if v == "true" else "false") if v.lower() in ("true", "false") else v
            for k, v in params.items()
        }
        return replace(request, query=urlencode(read))
    return request


@defect(
    "include_cats_1_means_default",
    "param_spelling",
    "include_cats=1 is accepted but gives the default list (validated, then read == 'true')",
)
def _cats_one(request: Request, ctx: Context) -> Request:
    if request.route == "list" and request.params.get("include_cats") in ("1", "0"):
        return _set_param(request, "include_cats", "false")
    return request


@defect("false_flag_refused", "param_flag_values", "available=false is refused with 400")
async def _false_refused(request: Request, response: Response, ctx: Context) -> Response:
    if request.route == "list" and request.params.get("available") == "false":
        return response.with_json({"error": "available must be true"}, status=400)
    return response


@defect("include_cats_drops_a_kitten", "param_superset", "include_cats=true loses a kitten")
async def _cats_superset(request: Request, response: Response, ctx: Context) -> Response:
    widened = request.route == "list" and request.params.get("include_cats") == "true"
    if widened and response.status == 200 and response.json():
        return response.with_json(response.json()[1:])
    return response


@defect("available_false_only_adopted", "param_superset", "available=false lists only adopted")
async def _available_superset(request: Request, response: Response, ctx: Context) -> Response:
    widened = request.route == "list" and request.params.get("available") == "false"
    if widened and response.status == 200:
        default = await ctx.ask("GET", "/api/kittens", token=request.token)
        available = {k["id"] for k in default.json()}
        return response.with_json([k for k in response.json() if k["id"] not in available])
    return response


# -- path ids ---------------------------------------------------------------------------


@defect("unknown_id_400", "id_unknown", "an unknown id answers 400")
async def _unknown_400(request: Request, response: Response, ctx: Context) -> Response:
    if request.route == "item" and response.status == 404:
        return replace(response, status=400)
    return response


@defect("unknown_id_teapot", "id_unknown", "an unknown id answers 418 I'm a teapot")
async def _teapot(request: Request, response: Response, ctx: Context) -> Response:
    if request.route == "item" and response.status == 404:
        return replace(response, status=418)
    return response


@defect(
    "unreadable_flag_ignored",
    "param_malformed",
    "a flag value no framework reads as a boolean is dropped (the default list comes back)",
)
def _unreadable_flag(request: Request, ctx: Context) -> Request:
    # Every spelling reading 4 leaves open still means what it says: only `banana`,
    # `2`, `null`... are ignored instead of refused.
    from vanceqa.conformance.checks import flag_meaning

    if request.route == "list":
        kept = {k: v for k, v in request.params.items() if flag_meaning(v) is not None}
        return replace(request, query=urlencode(kept))
    return request


@defect("malformed_id_answers_a_kitten", "id_malformed", "a malformed id answers kitten 1 (200)")
def _malformed_kitten(request: Request, ctx: Context) -> Request:
    from vanceqa.conformance.suite import lenient_positive_integer

    if request.route == "item" and request.method == "GET":
        raw = request.path.rsplit("/", 1)[-1]
        if raw and not raw.isdigit() and not lenient_positive_integer(unquote(raw)):
            return replace(request, path=request.path[: -len(raw)] + "1")
    return request


@defect("malformed_id_500", "id_malformed", "a non-numeric id crashes the handler")
async def _malformed_500(request: Request, response: Response, ctx: Context) -> Response:
    if request.route == "item" and response.status == 400:
        return replace(response, status=500, body=b'{"error": "ValueError"}')
    return response


@defect("huge_id_500", "id_huge", "an id past 64 bits overflows into a 500")
async def _huge_500(request: Request, response: Response, ctx: Context) -> Response:
    digits = request.item_id
    if request.route == "item" and digits.isdigit() and int(digits) >= 2**63:
        return replace(response, status=500, body=b'{"error": "integer overflow"}')
    return response


# -- shapes -----------------------------------------------------------------------------


@defect("list_wrapped_in_object", "shape_list_schema", 'the list comes as {"kittens": [...]}')
async def _wrapped(request: Request, response: Response, ctx: Context) -> Response:
    if request.route == "list" and response.status == 200:
        return response.with_json({"kittens": response.json()})
    return response


@defect("list_entries_lack_breed", "shape_list_schema", "list entries have no breed")
async def _no_breed(request: Request, response: Response, ctx: Context) -> Response:
    if request.route == "list" and response.status == 200:
        return response.with_json(
            [{k: v for k, v in e.items() if k != "breed"} for e in response.json()]
        )
    return response


@defect("item_fluffiness_string", "shape_item_schema", "a kitten's fluffiness is a string")
async def _fluffy_string(request: Request, response: Response, ctx: Context) -> Response:
    if request.route == "item" and request.method == "GET" and response.status == 200:
        body = response.json()
        return response.with_json({**body, "fluffiness": str(body["fluffiness"])})
    return response


@defect("item_differs_from_list", "shape_item_equals_list", "GET of one kitten shouts its name")
async def _differs(request: Request, response: Response, ctx: Context) -> Response:
    if request.route == "item" and request.method == "GET" and response.status == 200:
        body = response.json()
        return response.with_json({**body, "name": str(body["name"]).upper() + "!"})
    return response


@defect("errors_as_text_plain", "shape_content_type", "error answers say text/plain")
async def _text_errors(request: Request, response: Response, ctx: Context) -> Response:
    if response.status >= 400:
        return replace(response, headers={**response.headers, "content-type": "text/plain"})
    return response


@defect("error_body_html", "shape_body_schema", "error bodies are HTML under a JSON type")
async def _html_errors(request: Request, response: Response, ctx: Context) -> Response:
    if response.status >= 400:
        return replace(response, body=b"<html><body>Error</body></html>")
    return response


# -- protocol ---------------------------------------------------------------------------


@defect("put_answers_like_get", "protocol_405", "PUT is served as if it were GET")
def _put_get(request: Request, ctx: Context) -> Request:
    return replace(request, method="GET") if request.method == "PUT" else request


@defect("405_without_allow", "protocol_405_allow", "405 answers carry no Allow header")
async def _no_allow(request: Request, response: Response, ctx: Context) -> Response:
    if response.status == 405:
        return replace(
            response, headers={k: v for k, v in response.headers.items() if k != "allow"}
        )
    return response


@defect(
    "allow_omits_delete_but_on_options",
    "protocol_405_allow",
    "a 405 to PUT, POST... names only GET; OPTIONS gets it right",
)
async def _allow_get_not_options(request: Request, response: Response, ctx: Context) -> Response:
    if response.status == 405 and request.route == "item" and request.method != "OPTIONS":
        return replace(response, headers={**response.headers, "allow": "GET"})
    return response


@defect(
    "widest_list_breaks_schema",
    "shape_list_schema",
    "the widest list (include_cats=true&available=false) gives fluffiness as text, but only "
    "for kittens the narrower lists show too",
)
async def _widest_list(request: Request, response: Response, ctx: Context) -> Response:
    params = request.params
    widest = params.get("include_cats") == "true" and params.get("available") == "false"
    if request.route != "list" or response.status != 200 or not widest:
        return response
    # Kittens also in a narrower list: fetched alone and compared with that list's entry,
    # they look right; only the widest list's own shape is wrong.
    also = await ctx.ask("GET", request.path, "include_cats=true", request.token)
    shown = {e["id"] for e in also.json()} if also.status == 200 else set()
    return response.with_json(
        [
            {**e, "fluffiness": str(e["fluffiness"])} if e["id"] in shown else e
            for e in response.json()
        ]
    )


@defect("allow_forgets_delete", "protocol_405_allow", "Allow on a kitten names only GET")
async def _allow_get(request: Request, response: Response, ctx: Context) -> Response:
    if response.status == 405 and request.route == "item":
        return replace(response, headers={**response.headers, "allow": "GET"})
    return response


@defect("options_allow_omits_delete", "protocol_options", "OPTIONS 200 whose Allow omits DELETE")
async def _options_no_delete(request: Request, response: Response, ctx: Context) -> Response:
    if request.method == "OPTIONS" and request.route == "item":
        return Response(200, {"allow": "GET, HEAD, OPTIONS", "content-length": "0"}, b"")
    return response


@defect("options_answers_kittens", "protocol_options", "OPTIONS is served as GET (kittens)")
async def _options_kittens(request: Request, response: Response, ctx: Context) -> Response:
    if request.method == "OPTIONS" and request.route in ("list", "item"):
        answer = await ctx.ask("GET", request.path, request.query, token=request.token or "")
        allow = "GET, DELETE, HEAD, OPTIONS" if request.route == "item" else "GET, HEAD, OPTIONS"
        return replace(answer, headers={**answer.headers, "allow": allow})
    return response


@defect("xml_accept_ignored", "protocol_406", "Accept: application/xml still gets JSON")
def _xml(request: Request, ctx: Context) -> Request:
    return replace(request, headers={k: v for k, v in request.headers.items() if k != "accept"})


@defect("wildcard_accept_refused", "protocol_accept_json", "Accept: */* answers 406")
async def _wildcard(request: Request, response: Response, ctx: Context) -> Response:
    if request.headers.get("accept") == "*/*" and response.status == 200:
        return replace(response, status=406, body=b'{"error": "not acceptable"}')
    return response


# -- state ------------------------------------------------------------------------------


@defect(
    "delete_cascades",
    "state_live_listed",
    "a DELETE also removes the next kitten by id (an off-by-one range in the delete query)",
)
async def _cascade(request: Request, response: Response, ctx: Context) -> Response:
    gone = ctx.memory.setdefault("cascaded", set())
    if request.method == "DELETE" and response.status == 200:
        gone.add(int(request.item_id) + 1)
    elif (
        request.method == "GET"
        and response.status == 200
        and request.item_id.isdigit()
        and int(request.item_id) in gone
    ):
        return response.with_json({"error": "gone"}, status=410)
    return response


@defect("delete_answers_204", "state_delete_answer", "DELETE answers 204 with no body")
async def _delete_204(request: Request, response: Response, ctx: Context) -> Response:
    if request.method == "DELETE" and response.status == 200:
        return replace(response, status=204, body=b"")
    return response


@defect("deleted_answers_404", "state_get_after_delete", "a deleted kitten answers 404, not 410")
async def _deleted_404(request: Request, response: Response, ctx: Context) -> Response:
    if request.method == "GET" and response.status == 410:
        return replace(response, status=404)
    return response


@defect("deleted_still_listed", "state_gone_from_lists", "deleted kittens stay in the lists")
async def _still_listed(request: Request, response: Response, ctx: Context) -> Response:
    seen = ctx.memory.setdefault("seen", {})
    ghosts = ctx.memory.setdefault("ghosts", {})
    if request.route == "list" and response.status == 200:
        listed = response.json()
        seen.update((entry["id"], entry) for entry in listed)
        extra = [g for g in ghosts.values() if g not in listed]
        return response.with_json(listed + extra) if extra else response
    if request.method == "DELETE" and response.status == 200:
        kitten_id = response.json()["id"]
        if kitten_id in seen:
            ghosts[kitten_id] = seen[kitten_id]
    return response


@defect("repeat_delete_200", "state_repeat_delete", "deleting a deleted kitten answers 200")
async def _repeat(request: Request, response: Response, ctx: Context) -> Response:
    if request.method == "DELETE" and response.status == 410:
        kitten_id = int(request.item_id)
        return response.with_json({"id": kitten_id, "deleted": ":("}, status=200)
    return response


# -- warnings: beyond the docs (reading 15); they fail the suite only with --strict -------


@defect("list_order_shuffles", "consistency_list_order", "every other list comes reversed")
async def _shuffle(request: Request, response: Response, ctx: Context) -> Response:
    if request.route == "list" and response.status == 200:
        ctx.memory["lists"] = ctx.memory.get("lists", 0) + 1
        if ctx.memory["lists"] % 2 == 0:
            return response.with_json(list(reversed(response.json())))
    return response


@defect("error_shape_differs_on_404", "consistency_error_shape", "404 bodies have their own shape")
async def _shape_404(request: Request, response: Response, ctx: Context) -> Response:
    if response.status == 404:
        return response.with_json({"message": "not found", "code": 404})
    return response


BY_NAME = {d.name: d for d in DEFECTS}
assert len(BY_NAME) == len(DEFECTS), "defect names must be unique"
