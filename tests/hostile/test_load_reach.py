"""The load test reaches a real target as every other entry point does: TLS verified by
the locust users themselves, proxies, gateway headers and path prefixes, the DELETE
guard, and --max-rps. Real sockets, a real CA (trustme), a real forward proxy."""

from __future__ import annotations

import ssl
import sys
from pathlib import Path

import pytest
import trustme

from tests.hostile.load_servers import forward_proxy, hostile_server
from tests.hostile.test_load_hostile import (
    LOCUSTFILE,
    TOKEN,
    Finished,
    assert_clean,
    clean_env,
    load_json,
    run_bounded,
)
from tests.test_load_runs import admin_listed_ids
from vanceqa.load.options import run_bound_s
from vanceqa.mock.launcher import serve_mock

pytestmark = [pytest.mark.socket, pytest.mark.slow]

NEVER = 10**9  # a `good` count no run reaches: a well-behaved server
BOUND_S = run_bound_s(4, 10)


def run(cmd: list[object], cwd: Path, **env: str) -> Finished:
    return run_bounded([str(c) for c in cmd], cwd, clean_env(**env), BOUND_S)


def vanceqa_load(*args: object) -> list[object]:
    return [sys.executable, "-m", "vanceqa", "load", "-t", "4s", *args]


def plain_locust(*args: object) -> list[object]:
    cmd = [sys.executable, "-m", "locust", "-f", LOCUSTFILE, "--headless", "--only-summary"]
    return [*cmd, "-t", "4s", *args]


def server_context(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    return context


@pytest.fixture(scope="module")
def cas(tmp_path_factory: pytest.TempPathFactory) -> tuple[trustme.CA, trustme.CA, Path]:
    """Our CA (its PEM on disk, for --ca-bundle) and a stranger's."""
    ours, stranger = trustme.CA(), trustme.CA()
    pem = tmp_path_factory.mktemp("tls") / "ca.pem"
    ours.cert_pem.write_to_path(str(pem))
    return ours, stranger, pem


# -- TLS -------------------------------------------------------------------------------------


def test_locust_users_verify_the_certificate_themselves(
    tmp_path: Path, cas: tuple[trustme.CA, trustme.CA, Path]
) -> None:
    """The server shows a trusted certificate to the preflight's one connection, then a
    stranger's: the users must refuse it (FastHttpUser alone would not)."""
    ours, stranger, pem = cas
    tls = (server_context(ours), server_context(stranger))
    with hostile_server("drip", NEVER, tls=tls, tls_switch=1) as server:
        result = run(
            plain_locust("-H", server.base_url, "--ca-bundle", pem, "--report-dir", tmp_path),
            tmp_path,
        )
        assert server.requests == 1  # the preflight's: no user request got through
    assert result.code == 3, result.explain()
    data = load_json(tmp_path)
    reasons = data["operations"]["listKittens"]["failures_by_reason"]
    assert list(reasons) == [
        next(r for r in reasons if r.startswith("the server's TLS certificate is not trusted"))
    ]
    assert data["connection"]["tls_verified"] is True


def test_a_company_ca_is_trusted_with_ca_bundle(
    tmp_path: Path, cas: tuple[trustme.CA, trustme.CA, Path]
) -> None:
    ours, _, pem = cas
    with hostile_server("drip", NEVER, tls=(server_context(ours),)) as server:
        result = run(
            vanceqa_load(
                "--base-url", server.base_url, "--ca-bundle", pem, "--report-dir", tmp_path
            ),
            tmp_path,
        )
    assert result.code == 0, result.explain()
    data = load_json(tmp_path)
    assert data["overall"]["requests"] > 5
    assert data["overall"]["failures"] == 0
    assert data["target"]["insecure"] is False
    assert "NOT verified" not in result.out


def test_insecure_is_an_opt_in_every_report_states(
    tmp_path: Path, cas: tuple[trustme.CA, trustme.CA, Path]
) -> None:
    _, stranger, _ = cas
    with hostile_server("drip", NEVER, tls=(server_context(stranger),)) as server:
        refused = run(
            vanceqa_load("--base-url", server.base_url, "--report-dir", tmp_path / "no"), tmp_path
        )
        result = run(
            vanceqa_load("--base-url", server.base_url, "--insecure", "--report-dir", tmp_path),
            tmp_path,
        )
    assert refused.code == 3, refused.explain()
    assert "TLS certificate is not trusted" in refused.err
    assert result.code == 0, result.explain()
    data = load_json(tmp_path)
    assert data["target"]["insecure"] is True
    assert data["connection"]["tls_verified"] is False
    assert "(TLS certificates NOT verified: --insecure)" in result.out


def test_mutual_tls_with_a_client_certificate(
    tmp_path: Path, cas: tuple[trustme.CA, trustme.CA, Path]
) -> None:
    ours, _, pem = cas
    context = server_context(ours)
    context.verify_mode = ssl.CERT_REQUIRED
    ours.configure_trust(context)
    client = tmp_path / "client.pem"
    ours.issue_cert("vanceqa-load-client").private_key_and_cert_chain_pem.write_to_path(str(client))
    with hostile_server("drip", NEVER, tls=(context,)) as server:
        without = run(
            vanceqa_load(
                "--base-url", server.base_url, "--ca-bundle", pem, "--report-dir", tmp_path / "no"
            ),
            tmp_path,
        )
        result = run(
            plain_locust(
                "-H",
                server.base_url,
                "--ca-bundle",
                pem,
                "--client-cert",
                client,
                "--report-dir",
                tmp_path,
            ),
            tmp_path,
        )
    assert without.code == 3, without.explain()
    assert result.code == 0, result.explain()
    data = load_json(tmp_path)
    assert data["overall"]["requests"] > 5
    assert data["overall"]["failures"] == 0


# -- proxies -----------------------------------------------------------------------------------


def test_every_request_goes_through_the_proxy(tmp_path: Path) -> None:
    with hostile_server("drip", NEVER) as server, forward_proxy() as proxy:
        result = run(
            vanceqa_load(
                "--base-url", server.base_url, "--proxy", proxy.url, "--report-dir", tmp_path
            ),
            tmp_path,
        )
        seen = server.requests
    assert result.code == 0, result.explain()
    data = load_json(tmp_path)
    proxied = [line for line in proxy.log if line.startswith("GET http://127.0.0.1")]
    assert data["overall"]["requests"] > 5
    assert len(proxied) == seen  # the server saw nothing that did not pass the proxy
    assert seen >= data["overall"]["requests"]


def test_an_https_target_is_tunnelled_through_https_proxy(
    tmp_path: Path, cas: tuple[trustme.CA, trustme.CA, Path]
) -> None:
    ours, _, pem = cas
    with (
        hostile_server("drip", NEVER, tls=(server_context(ours),)) as server,
        forward_proxy() as proxy,
    ):
        result = run(
            plain_locust("-H", server.base_url, "--ca-bundle", pem, "--report-dir", tmp_path),
            tmp_path,
            HTTPS_PROXY=proxy.url,
        )
    assert result.code == 0, result.explain()
    port = server.base_url.rsplit(":", 1)[1]
    tunnels = [line for line in proxy.log if line == f"CONNECT 127.0.0.1:{port}"]
    assert len(tunnels) >= 2  # the preflight's, and the users'
    assert len(tunnels) == len(proxy.log)


# -- gateways: headers and a path prefix; the DELETE guard -------------------------------------


GATEWAY_KEY = "gw-secret-value-8817"


def test_a_gateway_with_a_key_header_and_a_path_prefix(tmp_path: Path) -> None:
    with hostile_server("drip", NEVER, prefix="/vance/v1", key=GATEWAY_KEY) as gateway:
        result = run(
            vanceqa_load(
                "--base-url", gateway.base_url, "--header", f"X-Gateway-Key: {GATEWAY_KEY}",
                "--destructive", "--delete-id", 2, "--weights", "browse=1,delete=1", "-u", 4,
                "--think-time", "0.05", "--report-dir", tmp_path,
            ),
            tmp_path,
        )  # fmt: skip
        log = list(gateway.log)
    assert result.code == 0, result.explain()
    data = load_json(tmp_path)
    assert data["overall"]["failures"] == 0, data["overall"]["failures_by_reason"]
    assert data["operations"]["deleteKitten"]["requests"] > 0
    assert all(line.split(" ")[1].startswith("/vance/v1/api/kittens") for line in log)
    assert {line for line in log if line.startswith("DELETE")} == {"DELETE /vance/v1/api/kittens/2"}
    assert data["connection"]["headers"] == ["X-Gateway-Key"]
    texts = [result.out, result.err, (tmp_path / "load.json").read_text()]
    texts.append((tmp_path / "load.html").read_text())
    for text in texts:
        assert GATEWAY_KEY not in text
        assert TOKEN not in text


DELETING = '''
from locust import task

from vanceqa.load.plugin import VanceqaShape
from vanceqa.load.users import ContractUser


class DeleteEverything(ContractUser):
    """A scenario that tries to DELETE ids nobody named."""

    scenario = "delete"

    @task
    def delete_all(self):
        for kitten in range(1, 7):
            self.call("deleteKitten", f"/api/kittens/{kitten}", method="DELETE",
                      expected={200, 404, 410})
'''


def test_no_locust_user_can_delete_an_id_nobody_named(tmp_path: Path) -> None:
    locustfile = tmp_path / "deleting.py"
    locustfile.write_text(DELETING)
    with serve_mock() as mock:
        before = mock.counters()["op_deleteKitten"]
        kittens_before = admin_listed_ids(mock)
        result = run(
            [sys.executable, "-m", "locust", "-f", locustfile, "--headless", "--only-summary",
             "-H", mock.base_url, "-t", "3s", "--destructive", "--delete-id", 3,
             "--think-time", "0.05", "--slo", "none", "--report-dir", tmp_path],
            tmp_path,
            VANCEQA_API_TOKEN=mock.api_token,
        )  # fmt: skip
        deletes = mock.counters()["op_deleteKitten"] - before
        gone = kittens_before - admin_listed_ids(mock)
    assert result.code == 0, result.explain()
    data = load_json(tmp_path)
    entry = data["operations"]["deleteKitten"]
    # Only what was sent reached the mock ... (a DELETE in flight when the run ended is
    # counted by the mock and recorded as cut off, not as a request)
    assert 0 < entry["requests"] <= deletes <= entry["requests"] + entry["cut_off"]
    assert gone == {3}  # ... and only the named id is gone
    assert entry["refused"] > entry["requests"]  # ids 1, 2, 4, 5, 6 on every round
    reasons = entry["refused_by_reason"]
    assert {r.split(" not sent")[0] for r in reasons} == {
        f"DELETE /api/kittens/{kitten}" for kitten in (1, 2, 4, 5, 6)
    }
    assert all("not one of the ids named with --delete-id (3)" in r for r in reasons)
    assert "refused deleteKitten:" in result.out
    assert_clean(result)


# -- --max-rps ---------------------------------------------------------------------------------


def test_max_rps_caps_a_closed_shape_and_refuses_an_open_rate_above_it(tmp_path: Path) -> None:
    common = ["-u", 5, "--think-time", "0", "--slo", "none"]
    free = run(plain_locust(*common, "--report-dir", tmp_path / "free"), tmp_path)
    capped = run(plain_locust(*common, "--max-rps", 5, "--report-dir", tmp_path), tmp_path)
    assert free.code == capped.code == 0, capped.explain()
    assert load_json(tmp_path / "free")["overall"]["requests"] > 100  # the cap has work to do
    data = load_json(tmp_path)
    # The pacer grants one slot every 1/5 s from the first request on: a ceiling.
    assert data["overall"]["requests"] <= 5 * data["duration_s"] + 1
    assert data["connection"]["max_rps"] == 5
    refused = run(plain_locust("--shape", "open", "--rate", 20, "--max-rps", 5), tmp_path)
    assert refused.code == 2, refused.explain()
    assert "--rate 20 req/s exceeds --max-rps 5" in refused.err
