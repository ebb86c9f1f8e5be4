"""The mock over HTTPS (granian's TLS), with a certificate authority made in the test.

Certificates come from `trustme`: one CA signs the server's certificate, another signs
client certificates for mutual TLS, so a test can tell "trusted by the server" from
"signed by some CA".
"""

from __future__ import annotations

import ssl
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import trustme

from vanceqa.client import TargetClient
from vanceqa.mock.launcher import MockTLS, serve_mock
from vanceqa.paths import LIST_PATH

pytestmark = pytest.mark.socket


@dataclass(frozen=True)
class PKI:
    ca: Path  # signs the server's certificate
    cert: Path
    key: Path
    client_ca: Path  # signs the client certificate the mock requires
    client: Path  # a client certificate and its key, signed by client_ca
    stranger: Path  # a client certificate signed by the server's CA instead


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> PKI:
    folder = tmp_path_factory.mktemp("pki")
    server_ca, client_ca = trustme.CA(), trustme.CA()
    server = server_ca.issue_cert("127.0.0.1", "localhost")
    paths = PKI(*(folder / f"{n}.pem" for n in PKI.__dataclass_fields__))
    server_ca.cert_pem.write_to_path(str(paths.ca))
    server.cert_chain_pems[0].write_to_path(str(paths.cert))
    server.private_key_pem.write_to_path(str(paths.key))
    client_ca.cert_pem.write_to_path(str(paths.client_ca))
    client_ca.issue_cert("client@vanceqa.test").private_key_and_cert_chain_pem.write_to_path(
        str(paths.client)
    )
    server_ca.issue_cert("stranger@vanceqa.test").private_key_and_cert_chain_pem.write_to_path(
        str(paths.stranger)
    )
    return paths


def context(ca: Path, client: Path | None = None) -> ssl.SSLContext:
    trusted = ssl.create_default_context(cafile=str(ca))
    if client is not None:
        trusted.load_cert_chain(str(client))
    return trusted


def test_the_mock_serves_https_with_the_given_certificate(pki: PKI) -> None:
    with serve_mock(tls=MockTLS(pki.cert, pki.key, pki.ca)) as server:
        assert server.base_url.startswith("https://127.0.0.1:")
        auth = {"Authorization": server.api_token}
        answer = httpx.get(f"{server.base_url}{LIST_PATH}", headers=auth, verify=context(pki.ca))
        assert answer.status_code == 200
        assert answer.http_version == "HTTP/1.1"
        # Nobody else's trust store knows this CA.
        with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
            httpx.get(f"{server.base_url}{LIST_PATH}", headers=auth)
        # The launcher's own clients trust it: the control API and the target it gives.
        assert server.counters()["status_200"] == 1
        with TargetClient(server.target()) as client:
            assert client.get(LIST_PATH).status == 200


def test_the_mock_can_require_client_certificates(pki: PKI) -> None:
    tls = MockTLS(pki.cert, pki.key, pki.ca, client_ca=pki.client_ca, client_cert=pki.client)
    with serve_mock(tls=tls) as server:
        url, auth = f"{server.base_url}{LIST_PATH}", {"Authorization": server.api_token}
        with_cert = httpx.get(url, headers=auth, verify=context(pki.ca, pki.client))
        assert with_cert.status_code == 200
        for refused in (context(pki.ca), context(pki.ca, pki.stranger)):
            with pytest.raises(httpx.TransportError):
                httpx.get(url, headers=auth, verify=refused)
        assert server.target().client_cert == str(pki.client)
        with TargetClient(server.target()) as client:
            assert client.get(LIST_PATH).status == 200
        server.reset()  # the control API, through the client certificate


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--tls-cert", "{cert}"], "--tls-cert and --tls-key go together"),
        (["--tls-key", "{key}"], "--tls-cert and --tls-key go together"),
        (["--tls-client-ca", "{ca}"], "--tls-client-ca needs --tls-cert and --tls-key"),
        (["--tls-cert", "/nonexistent.pem", "--tls-key", "{key}"], "cannot load them"),
        (["--tls-cert", "{key}", "--tls-key", "{key}"], "cannot load them"),
        (["--tls-cert", "{cert}", "--tls-key", "{client}"], "cannot load them"),
        (
            ["--tls-cert", "{cert}", "--tls-key", "{key}", "--tls-client-ca", "{key}"],
            "--tls-client-ca: cannot load it",
        ),
    ],
)
def test_bad_tls_options_give_a_clear_message(pki: PKI, args: list[str], message: str) -> None:
    files = {name: str(getattr(pki, name)) for name in PKI.__dataclass_fields__}
    result = subprocess.run(
        [sys.executable, "-m", "vanceqa", "mock", *(a.format(**files) for a in args)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2, result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr
