"""Before any check or load: can the target be reached, and does it take our tokens?

Every entry point calls this one preflight. A run against a dead host, an untrusted
certificate, a refused token or a server in maintenance measures nothing; it says so
once, clearly, and stops (exit 3) instead of counting a hundred failures.
"""

from __future__ import annotations

from vanceqa.client import TargetClient
from vanceqa.errors import Finding, TargetUnavailable
from vanceqa.pacing import StillThrottled
from vanceqa.paths import LIST_PATH


def preflight(client: TargetClient) -> None:
    """Raise TargetUnavailable unless `GET /api/kittens` answers with every token given."""
    target = client.target
    where = target.base_url
    tokens = [("API token", target.api_token)]
    if target.admin_token:
        tokens.append(("admin token", target.admin_token))
    for label, token in tokens:
        try:
            exchange = client.get(LIST_PATH, token=token)
        except Finding as exc:
            verb = "cannot test" if exc.check == "response_size" else "cannot reach"
            raise TargetUnavailable(f"{verb} {where}: {exc.details}") from None
        except StillThrottled:
            raise TargetUnavailable(
                f"{where} kept answering 429 Too Many Requests after {client.max_retries} "
                f"waits on GET {LIST_PATH}; try a lower --max-rps"
            ) from None
        if exchange.status == 503:
            retry = exchange.headers.get("retry-after")
            hint = f" (Retry-After: {retry})" if retry else ""
            raise TargetUnavailable(
                f"{where} is in maintenance: 503 Service Unavailable{hint}; "
                "nothing was run. Try again later."
            )
        if exchange.status == 401:
            raise TargetUnavailable(
                f"{where} refused the {label} (401 on GET {LIST_PATH}); check --api-token/"
                "--admin-token or VANCEQA_API_TOKEN/VANCEQA_ADMIN_TOKEN. Nothing was run."
            )
        if exchange.status == 403:
            # The docs give 403 to hidden kittens only, never to the list: this is whatever
            # stands in front of the API (a gateway, an ingress) turning us away.
            headers = ", ".join(n for n, _ in target.headers) or "none"
            raise TargetUnavailable(
                f"{where} answered 403 Forbidden on GET {LIST_PATH} with the {label}: a "
                "gateway in front of the API may want a header of its own (--header "
                f"'Name: value'; headers sent: {headers}). Nothing was run."
            )
        if exchange.status == 404:
            raise TargetUnavailable(
                f"GET {client.url_for(LIST_PATH)} answered 404: is {where} the API's base URL "
                "(with its path prefix, if a gateway adds one)?"
            )
