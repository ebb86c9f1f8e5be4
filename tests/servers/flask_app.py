"""The documented API on Flask, as a Flask developer writes it.

Flask does the HTTP: `<int:kitten_id>` routing (so `abc` and `-1` are 404), HEAD and
OPTIONS answered by Flask itself, its 405 with `Allow`. Errors become JSON the way
Flask's docs show ("Returning API Errors as JSON": an `HTTPException` handler).

Defects (`--defect`), one at a time, as Flask apps ship them:
- html_errors: no JSON error handler, so Flask's own HTML error pages go out.
- flag_equals_true: `request.args.get("include_cats") == "true"`, no validation.
"""

from __future__ import annotations

import sys
from typing import Any

from flask import Flask, jsonify, request
from framework_defects import defects_of
from store import ApiError, Store, accepts_json, error_body, parse_flag
from werkzeug.exceptions import HTTPException

DEFECTS = defects_of("flask")


def create_app(store: Store, defect: str | None = None) -> Flask:
    app = Flask(__name__)
    app.json.sort_keys = False  # type: ignore[attr-defined]

    def role() -> str:
        if not accepts_json(request.headers.get("Accept")):
            raise ApiError(406)
        return store.role(request.headers.get("Authorization"))

    @app.errorhandler(ApiError)
    def api_error(error: ApiError) -> Any:
        return jsonify(error_body(error.status, error.detail)), error.status

    if defect != "html_errors":

        @app.errorhandler(HTTPException)
        def http_error(error: HTTPException) -> Any:
            response = error.get_response()
            response.data = jsonify(error_body(error.code or 500, error.description)).data
            response.content_type = "application/json"
            return response

    @app.get("/api/kittens")
    def list_kittens() -> Any:
        who = role()
        if defect == "flag_equals_true":
            include_cats = request.args.get("include_cats") == "true"
            available = request.args.get("available") != "false"
        else:
            include_cats = parse_flag("include_cats", request.args.get("include_cats"), False)
            available = parse_flag("available", request.args.get("available"), True)
        return jsonify(store.kittens(who, include_cats, available))

    @app.route("/api/kittens/<int:kitten_id>", methods=["GET", "DELETE"])
    def kitten(kitten_id: int) -> Any:
        who = role()
        if request.method == "DELETE":
            return jsonify(store.delete(who, kitten_id))
        return jsonify(store.kitten(who, kitten_id))

    return app


def main(argv: list[str]) -> None:
    from serve import options

    args = options(argv, DEFECTS)
    app = create_app(Store.load(args.data), args.defect)
    app.run(host="127.0.0.1", port=args.port, threaded=True)


if __name__ == "__main__":
    main(sys.argv[1:])
