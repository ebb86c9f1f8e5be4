"""Before any load: can the target be reached, and does it take our tokens?

A load test against a dead host, a refused token or a server in maintenance measures
nothing; say so once, clearly, and stop (exit 3) instead of counting a million errors.
"""

from __future__ import annotations

import httpx

from vanceqa.errors import TargetUnavailable
from vanceqa.target import TargetConfig

LIST_PATH = "/api/kittens"


def preflight(target: TargetConfig, base_url: str, timeout: float = 10.0) -> None:
    """Raise TargetUnavailable unless `GET /api/kittens` answers with our tokens."""
    url = base_url.rstrip("/") + LIST_PATH
    tokens = [("API token", target.api_token)]
    if target.admin_token:
        tokens.append(("admin token", target.admin_token))
    for label, token in tokens:
        try:
            response = httpx.get(url, headers={"Authorization": token or ""}, timeout=timeout)
        except httpx.HTTPError as exc:
            raise TargetUnavailable(
                f"cannot reach {base_url}: {type(exc).__name__}: {exc or 'no answer'}"
            ) from None
        status = response.status_code
        if status == 401:
            raise TargetUnavailable(f"{base_url} refused the {label} (401 on GET {LIST_PATH})")
        if status == 503:
            raise TargetUnavailable(f"{base_url} is in maintenance (503 on GET {LIST_PATH})")
        if status == 404:
            raise TargetUnavailable(f"GET {url} answered 404: is {base_url} the API's base URL?")
