"""TLS against a real handshake: a CA made in the test, the mock served over HTTPS by
granian with a certificate from it, every non-load entry point. Trusted with
--ca-bundle (or the variables users set for other tools) it passes; untrusted it stops
with exit 3 and names the problem; a server that requires a client certificate gets
one; --insecure is said everywhere.
"""

from __future__ import annotations

import html
import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.reach.conftest import (
    ENTRY_POINTS,
    Certificates,
    answered,
    assert_passed,
    clean_env,
    output,
    run_entry,
    staging_args,
)
from vanceqa.mock.launcher import MockServer, serve_mock
from vanceqa.target import INSECURE_NOTE

pytestmark = [pytest.mark.socket, pytest.mark.slow]


@pytest.fixture(scope="module")
def https_mock(certificates: Certificates) -> Iterator[MockServer]:
    """The mock over HTTPS, with a certificate from the test's CA."""
    with serve_mock(tls=certificates.mock_tls()) as server:
        yield server


@pytest.fixture(scope="module")
def mtls_mock(certificates: Certificates) -> Iterator[MockServer]:
    """The mock over HTTPS, refusing any client without a certificate from the test's CA."""
    with serve_mock(tls=certificates.mock_tls(require_client=True)) as server:
        yield server


@pytest.fixture
def https_server(https_mock: MockServer) -> MockServer:
    https_mock.control("DELETE", "counters")
    return https_mock


@pytest.fixture
def mtls_server(mtls_mock: MockServer) -> MockServer:
    mtls_mock.control("DELETE", "counters")
    return mtls_mock


@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_trusted_with_ca_bundle_and_client_certificate(
    entry: str, mtls_server: MockServer, certificates: Certificates, tmp_path: Path
) -> None:
    options = staging_args(
        mtls_server.base_url,
        "--ca-bundle", str(certificates.ca_pem),
        "--client-cert", str(certificates.client_cert),
        "--client-key", str(certificates.client_key),
    )  # fmt: skip
    result = run_entry(entry, tmp_path / "reports", options, cwd=tmp_path)
    assert_passed(entry, result, tmp_path / "reports")
    assert mtls_server.base_url.startswith("https://")
    assert answered(mtls_server) >= 2, "the requests did not reach the TLS server"


@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_an_untrusted_certificate_stops_with_exit_3_naming_it(
    entry: str, https_server: MockServer, tmp_path: Path
) -> None:
    options = staging_args(https_server.base_url)
    result = run_entry(entry, tmp_path / "reports", options, cwd=tmp_path)
    assert result.returncode == 3, output(result)
    said = result.stdout + result.stderr
    assert "TLS certificate is not trusted" in said, output(result)
    assert "--ca-bundle" in said
    assert "Traceback" not in said
    assert answered(https_server) == 0, "a request went over an unverified connection"


@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_a_missing_client_certificate_stops_with_exit_3_naming_it(
    entry: str, mtls_server: MockServer, certificates: Certificates, tmp_path: Path
) -> None:
    options = staging_args(mtls_server.base_url, "--ca-bundle", str(certificates.ca_pem))
    result = run_entry(entry, tmp_path / "reports", options, cwd=tmp_path)
    assert result.returncode == 3, output(result)
    assert "requires a client certificate" in result.stdout + result.stderr, output(result)
    assert answered(mtls_server) == 0


@pytest.mark.parametrize(
    "variable", ["SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "VANCEQA_CA_BUNDLE"]
)
def test_the_ca_variables_users_set_for_other_tools_are_honoured(
    variable: str, https_server: MockServer, certificates: Certificates, tmp_path: Path
) -> None:
    env = clean_env(**{variable: str(certificates.ca_pem)})
    result = run_entry(
        "check", tmp_path / "reports", staging_args(https_server.base_url), cwd=tmp_path, env=env
    )
    assert_passed("check", result, tmp_path / "reports")


@pytest.fixture(scope="module")
def hashed_ca_dir(certificates: Certificates, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The test's CA in a directory of OpenSSL's hashed layout (as `c_rehash` makes it)."""
    openssl = shutil.which("openssl")
    assert openssl, "the hashed CA directory is named by `openssl x509 -hash`: install openssl"
    digest = subprocess.run(
        [openssl, "x509", "-hash", "-noout", "-in", str(certificates.ca_pem)],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    folder = tmp_path_factory.mktemp("ca-dir")
    shutil.copy(certificates.ca_pem, folder / f"{digest}.0")
    return folder


@pytest.mark.parametrize(
    ("entry", "how"), [("check", "--ca-bundle"), ("docs", "REQUESTS_CA_BUNDLE")]
)
def test_a_directory_of_hashed_authorities_is_trusted(
    entry: str, how: str, https_server: MockServer, hashed_ca_dir: Path, tmp_path: Path
) -> None:
    """REQUESTS_CA_BUNDLE (and so --ca-bundle) may name a directory, as requests allows."""
    by_option = how.startswith("--")
    env = clean_env() if by_option else clean_env(**{how: str(hashed_ca_dir)})
    extra = [how, str(hashed_ca_dir)] if by_option else []
    options = staging_args(https_server.base_url, *extra)
    result = run_entry(entry, tmp_path / "reports", options, cwd=tmp_path, env=env)
    assert_passed(entry, result, tmp_path / "reports")
    assert answered(https_server) > 0


def test_ca_bundle_option_wins_over_a_stale_variable(
    https_server: MockServer, certificates: Certificates, tmp_path: Path
) -> None:
    # A CI image's SSL_CERT_FILE names the system store; the option names the company CA.
    env = clean_env(SSL_CERT_FILE="/etc/ssl/certs/ca-certificates.crt")
    options = staging_args(https_server.base_url, "--ca-bundle", str(certificates.ca_pem))
    result = run_entry("docs", tmp_path / "reports", options, cwd=tmp_path, env=env)
    assert_passed("docs", result, tmp_path / "reports")
    # And without the option, that variable alone does not trust the test's CA.
    alone = run_entry(
        "docs", tmp_path / "other", staging_args(https_server.base_url), cwd=tmp_path, env=env
    )
    assert alone.returncode == 3, output(alone)


def test_insecure_is_stated_in_every_report_and_summary(
    https_server: MockServer, tmp_path: Path
) -> None:
    reports = tmp_path / "reports"
    options = staging_args(https_server.base_url, "--insecure")
    result = run_entry("run", reports, options, cwd=tmp_path)
    assert_passed("run", result, reports)
    assert INSECURE_NOTE in result.stdout, output(result)
    assert json.loads((reports / "conformance.json").read_text())["target"]["insecure"] is True
    docs = json.loads((reports / "docs.json").read_text())
    assert docs["examples_summary"]["target"]["insecure"] is True
    assert json.loads((reports / "run.json").read_text())["target"]["insecure"] is True
    assert json.loads((reports / "load.json").read_text())["target"]["insecure"] is True
    assert INSECURE_NOTE in html.unescape((reports / "index.html").read_text())
    assert INSECURE_NOTE in (reports / "logs" / "check.log").read_text()
    assert INSECURE_NOTE in (reports / "logs" / "docs-examples.log").read_text()


def test_a_verified_run_says_nothing_of_insecure(
    https_server: MockServer, certificates: Certificates, tmp_path: Path
) -> None:
    reports = tmp_path / "reports"
    options = staging_args(https_server.base_url, "--ca-bundle", str(certificates.ca_pem))
    result = run_entry("check", reports, options, cwd=tmp_path)
    assert_passed("check", result, reports)
    assert json.loads((reports / "conformance.json").read_text())["target"]["insecure"] is False
    assert "NOT verified" not in result.stdout
