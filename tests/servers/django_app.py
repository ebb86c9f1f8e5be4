"""The documented API on Django REST framework, as a DRF developer writes it.

DRF does the HTTP: `APIView` dispatch (405 with `Allow`, its own OPTIONS answer with
metadata), content negotiation (406 for an Accept it cannot render), `BooleanField`
parsing of the flags, an authentication class whose `authenticate_header` makes a
missing token 401, `<int:pk>` routing, and Django's `handler404` returning JSON for
paths no route matches (Django's docs: "Customizing error views").

Defects (`--defect`), one at a time, as DRF apps ship them:
- auth_403: the authentication class has no `authenticate_header`, so DRF turns the
  missing-token 401 into 403.
- trailing_slash: the item route is `api/kittens/<int:pk>/` (DRF routers' default), so
  CommonMiddleware's APPEND_SLASH redirects the documented `/api/kittens/2` with 301.
"""

from __future__ import annotations

import sys
from typing import Any

import django
from django.conf import settings
from framework_defects import defects_of

DEFECTS = defects_of("django")
STATE: dict[str, Any] = {}


def configure(defect: str | None) -> None:
    settings.configure(
        DEBUG=False,
        SECRET_KEY="tests-only-not-a-secret",
        ALLOWED_HOSTS=["127.0.0.1", "localhost"],
        ROOT_URLCONF=__name__,
        INSTALLED_APPS=["rest_framework"],
        MIDDLEWARE=["django.middleware.common.CommonMiddleware"],
        DATABASES={},
        REST_FRAMEWORK={
            # Set on the views (below): the classes need the data these settings precede.
            "DEFAULT_AUTHENTICATION_CLASSES": [],
            "DEFAULT_PERMISSION_CLASSES": [],
            "UNAUTHENTICATED_USER": None,
        },
    )
    django.setup()


def build(defect: str | None) -> list[Any]:
    """Views and URL patterns, built once settings exist (DRF reads them on import)."""
    from django.http import JsonResponse
    from django.urls import path
    from rest_framework import exceptions, serializers, status
    from rest_framework.authentication import BaseAuthentication
    from rest_framework.permissions import IsAuthenticated
    from rest_framework.request import Request
    from rest_framework.response import Response
    from rest_framework.views import APIView

    store = STATE["store"]

    class Caller:
        is_authenticated = True

        def __init__(self, role: str) -> None:
            self.role = role

    class NoChallengeAuth(BaseAuthentication):
        def authenticate(self, request: Request) -> tuple[Caller, str] | None:
            token = request.headers.get("Authorization")
            if token is None:
                return None
            if token not in (store.dataset.api_token, store.dataset.admin_token):
                raise exceptions.AuthenticationFailed("Unauthorized -- Your API key is wrong.")
            return Caller("admin" if token == store.dataset.admin_token else "regular"), token

    class RawTokenAuth(NoChallengeAuth):
        def authenticate_header(self, request: Request) -> str:
            return "Token"

    class Gone(exceptions.APIException):
        status_code = status.HTTP_410_GONE
        default_detail = "Gone -- The kitten requested has been removed from our servers."

    class Flags(serializers.Serializer[Any]):
        include_cats = serializers.BooleanField(required=False, default=False)
        available = serializers.BooleanField(required=False, default=True)

    def call(function: Any, *args: Any) -> Any:
        from store import ApiError

        try:
            return function(*args)
        except ApiError as error:
            raise {
                403: exceptions.PermissionDenied(error.detail),
                404: exceptions.NotFound(error.detail),
                410: Gone(),
            }[error.status] from None

    class KittenView(APIView):
        authentication_classes = (NoChallengeAuth if defect == "auth_403" else RawTokenAuth,)
        permission_classes = (IsAuthenticated,)

    class KittenList(KittenView):
        def get(self, request: Request) -> Response:
            flags = Flags(data=request.query_params)
            flags.is_valid(raise_exception=True)
            data = flags.validated_data
            role = request.user.role
            return Response(store.kittens(role, data["include_cats"], data["available"]))

    class KittenDetail(KittenView):
        def get(self, request: Request, pk: int) -> Response:
            return Response(call(store.kitten, request.user.role, pk))

        def delete(self, request: Request, pk: int) -> Response:
            return Response(call(store.delete, request.user.role, pk))

    def not_found(request: Any, exception: Exception) -> JsonResponse:
        return JsonResponse(
            {"detail": "Not Found -- The specified kitten could not be found."}, status=404
        )

    STATE["handler404"] = not_found
    item = "api/kittens/<int:pk>/" if defect == "trailing_slash" else "api/kittens/<int:pk>"
    return [path("api/kittens", KittenList.as_view()), path(item, KittenDetail.as_view())]


def __getattr__(name: str) -> Any:
    # settings name this module as ROOT_URLCONF; its patterns exist once settings do.
    if name == "urlpatterns":
        return STATE["urlpatterns"]
    if name == "handler404":
        return STATE[name]
    raise AttributeError(name)


def main(argv: list[str]) -> None:
    from serve import options
    from store import Store

    args = options(argv, DEFECTS)
    STATE["store"] = Store.load(args.data)
    configure(args.defect)
    STATE["urlpatterns"] = build(args.defect)
    from django.core.management import call_command

    call_command("runserver", f"127.0.0.1:{args.port}", use_reloader=False, skip_checks=True)


if __name__ == "__main__":
    sys.modules.setdefault("django_app", sys.modules[__name__])
    main(sys.argv[1:])
