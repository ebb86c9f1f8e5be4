"""The documented API on aiohttp, as an aiohttp developer writes it.

aiohttp does the HTTP: `{kitten_id:\\d+}` routes (anything else is 404), one resource with
GET and DELETE (so its 405 carries `Allow: DELETE,GET,HEAD`), HEAD for GET routes. Errors
become JSON in a middleware, as aiohttp's docs show ("Middlewares": catching
`web.HTTPException`), keeping each exception's headers (the 405's `Allow`).

Defects (`--defect`), one at a time, as aiohttp apps ship them:
- text_errors: no error middleware: aiohttp's own text/plain "404: Not Found" and 405.
- truthy_flags: `bool(request.query.get("include_cats"))`: any value, `false` included,
  turns the flag on.
"""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable

from aiohttp import web
from framework_defects import defects_of
from store import ApiError, Store, accepts_json, error_body, parse_flag

DEFECTS = defects_of("aiohttp")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def error_middleware(framework_errors: bool) -> Callable[..., Awaitable[web.StreamResponse]]:
    @web.middleware
    async def json_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            return await handler(request)
        except ApiError as error:
            return web.json_response(error_body(error.status, error.detail), status=error.status)
        except web.HTTPException as error:
            if error.status < 400 or not framework_errors:
                raise
            headers = {k: v for k, v in error.headers.items() if k.lower() != "content-type"}
            return web.json_response(
                error_body(error.status, error.reason), status=error.status, headers=headers
            )

    return json_errors


def create_app(store: Store, defect: str | None = None) -> web.Application:
    app = web.Application(middlewares=[error_middleware(defect != "text_errors")])

    def role(request: web.Request) -> str:
        if not accepts_json(request.headers.get("Accept")):
            raise ApiError(406)
        return store.role(request.headers.get("Authorization"))

    async def list_kittens(request: web.Request) -> web.Response:
        who = role(request)
        if defect == "truthy_flags":
            include_cats = bool(request.query.get("include_cats"))
            available = parse_flag("available", request.query.get("available"), True)
        else:
            include_cats = parse_flag("include_cats", request.query.get("include_cats"), False)
            available = parse_flag("available", request.query.get("available"), True)
        return web.json_response(store.kittens(who, include_cats, available))

    def kitten_id(request: web.Request) -> int:
        raw = request.match_info["kitten_id"]
        return int(raw) if len(raw) <= 30 else 0  # longer than any id: unknown

    async def get_kitten(request: web.Request) -> web.Response:
        who = role(request)
        return web.json_response(store.kitten(who, kitten_id(request)))

    async def delete_kitten(request: web.Request) -> web.Response:
        who = role(request)
        return web.json_response(store.delete(who, kitten_id(request)))

    app.router.add_get("/api/kittens", list_kittens)
    item = app.router.add_resource(r"/api/kittens/{kitten_id:\d+}")
    item.add_route("GET", get_kitten)
    item.add_route("DELETE", delete_kitten)
    return app


def main(argv: list[str]) -> None:
    from serve import options

    args = options(argv, DEFECTS)
    app = create_app(Store.load(args.data), args.defect)
    web.run_app(app, host="127.0.0.1", port=args.port, print=None, access_log=None)


if __name__ == "__main__":
    main(sys.argv[1:])
