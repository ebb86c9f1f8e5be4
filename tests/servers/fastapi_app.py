"""The documented API on FastAPI, as a FastAPI developer writes it.

Typed parameters do the parsing (`include_cats: bool = False` takes pydantic's
spellings: true/false/1/0/yes/no/on/off/t/f/y/n in any case; `kitten_id: int`), and
Starlette does routing, 405 and HEAD. The app maps FastAPI's own 422 to the documented
400 and renders every error as JSON, as FastAPI's docs show ("Handling Errors": override
the `RequestValidationError` and Starlette `HTTPException` handlers). GET and DELETE of
one kitten share one route (`api_route(methods=[...])`) so the 405's `Allow` names both.

Defects (`--defect`), one at a time, as FastAPI apps ship them:
- validation_422: no RequestValidationError handler: a bad flag or id answers 422.
- two_routes_allow: `@app.get` and `@app.delete` on one path: Starlette's 405 `Allow`
  names only the first route's methods.
"""

import sys
from typing import Annotated

from fastapi import FastAPI, Header, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from framework_defects import defects_of
from starlette.exceptions import HTTPException as StarletteHTTPException
from store import ApiError, Store, accepts_json, error_body

DEFECTS = defects_of("fastapi")


def create_app(store: Store, defect: str | None = None) -> FastAPI:
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)

    def role(authorization: str | None, accept: str | None) -> str:
        if not accepts_json(accept):
            raise ApiError(406)
        return store.role(authorization)

    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(error_body(exc.status, exc.detail), status_code=exc.status)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse(
            error_body(exc.status_code, str(exc.detail)),
            status_code=exc.status_code,
            headers=exc.headers,
        )

    if defect != "validation_422":

        @app.exception_handler(RequestValidationError)
        async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
            return JSONResponse(error_body(400, "Bad Request -- Your request is invalid."), 400)

    Token = Annotated[str | None, Header(alias="Authorization")]
    Accept = Annotated[str | None, Header()]

    @app.get("/api/kittens")
    def list_kittens(
        authorization: Token = None,
        accept: Accept = None,
        include_cats: bool = False,
        available: bool = True,
    ) -> list[dict[str, object]]:
        return store.kittens(role(authorization, accept), include_cats, available)

    if defect == "two_routes_allow":

        @app.get("/api/kittens/{kitten_id}")
        def get_kitten(
            kitten_id: int, authorization: Token = None, accept: Accept = None
        ) -> dict[str, object]:
            return store.kitten(role(authorization, accept), kitten_id)

        @app.delete("/api/kittens/{kitten_id}")
        def delete_kitten(
            kitten_id: int, authorization: Token = None, accept: Accept = None
        ) -> dict[str, object]:
            return store.delete(role(authorization, accept), kitten_id)

    else:

        @app.api_route("/api/kittens/{kitten_id}", methods=["GET", "DELETE"])
        def kitten(
            kitten_id: int, request: Request, authorization: Token = None, accept: Accept = None
        ) -> dict[str, object]:
            who = role(authorization, accept)
            if request.method == "DELETE":
                return store.delete(who, kitten_id)
            return store.kitten(who, kitten_id)

    return app


def main(argv: list[str]) -> None:
    import uvicorn
    from serve import options

    args = options(argv, DEFECTS)
    app = create_app(Store.load(args.data), args.defect)
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main(sys.argv[1:])
