"""Real parts between vanceqa and a staging server: a certificate authority made here
(trustme), a TLS gateway in front of the served mock, Debian's tinyproxy as a forward
proxy, and each entry point run as a user runs it (a subprocess, bounded in time).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
import trustme

from tests.conftest import ADMIN_TOKEN, API_TOKEN, clean_env
from vanceqa import resources
from vanceqa.mock.data import load_dataset
from vanceqa.mock.launcher import MockServer, MockTLS
from vanceqa.processes import free_port, stop_process

ENTRY_TIMEOUT_S = 300
# The conformance entry points run a subset (auth checks and schemathesis' generated
# coverage, which goes through the same client) with the quick Hypothesis profile;
# `vanceqa run` runs everything.
CHECKS = "auth or generated"
ENTRY_POINTS = ("check", "pytest", "docs", "load", "run")
# A short, gentle load: the subject is how requests reach the target, not capacity, so no
# SLO judges it (a busy test machine must not fail it).
LOAD = ["--rate", "5", "--run-time", "2s", "--slo", "none"]
HIDDEN_IDS = tuple(k.id for k in load_dataset().kittens if k.hidden and not k.removed)


@dataclass(frozen=True)
class Certificates:
    """Files of the test's own CA: its certificate, the server's, a client's."""

    ca_pem: Path
    server_cert: Path  # for 127.0.0.1 and localhost
    server_key: Path
    client_pem: Path  # certificate and key in one file
    client_cert: Path
    client_key: Path

    def mock_tls(self, *, require_client: bool = False) -> MockTLS:
        """The served mock over HTTPS (granian), requiring a client certificate if asked."""
        if not require_client:
            return MockTLS(self.server_cert, self.server_key, self.ca_pem)
        return MockTLS(self.server_cert, self.server_key, self.ca_pem,
                       client_ca=self.ca_pem, client_cert=self.client_pem)  # fmt: skip


@pytest.fixture(scope="session")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    folder = tmp_path_factory.mktemp("tls")
    ca = trustme.CA(organization_name="vanceqa test CA")
    ca.cert_pem.write_to_path(str(folder / "ca.pem"))
    server = ca.issue_cert("127.0.0.1", "localhost")
    server.cert_chain_pems[0].write_to_path(str(folder / "server.crt"))
    server.private_key_pem.write_to_path(str(folder / "server.key"))
    client = ca.issue_cert("vanceqa-client@example.com")
    client.private_key_and_cert_chain_pem.write_to_path(str(folder / "client.pem"))
    client.cert_chain_pems[0].write_to_path(str(folder / "client.crt"))
    client.private_key_pem.write_to_path(str(folder / "client.key"))
    names = ("ca.pem", "server.crt", "server.key", "client.pem", "client.crt", "client.key")
    return Certificates(*(folder / name for name in names))


def answered(mock: MockServer) -> int:
    """How many API requests the mock answered since its counters were last zeroed."""
    return sum(v for k, v in mock.counters().items() if k.startswith("status_"))


def staging_args(base_url: str, *extra: str) -> list[str]:
    """What a staging user passes (no --destructive: the served mock's data stays as is)."""
    args = ["--base-url", base_url, "--api-token", API_TOKEN, "--admin-token", ADMIN_TOKEN]
    for kitten_id in HIDDEN_IDS:
        args += ["--hidden-id", str(kitten_id)]
    return [*args, *extra]


def entry_command(entry: str, report_dir: Path, target: Sequence[str]) -> list[str]:
    """The command line of one entry point, writing its result files to `report_dir`."""
    vanceqa = [sys.executable, "-m", "vanceqa"]
    quick = ["-k", CHECKS, "--hypothesis-profile", "conformance-quick"]
    if entry == "check":
        return [*vanceqa, "check", "--report-dir", str(report_dir), "--seed", "1",
                *target, "--", *quick]  # fmt: skip
    if entry == "pytest":
        return [sys.executable, "-m", "pytest", str(resources.conformance_dir()), "-q",
                "-p", "no:cacheprovider", f"--conformance-json={report_dir / 'conformance.json'}",
                "--hypothesis-seed=1", *quick, *target]  # fmt: skip
    if entry == "docs":
        return [*vanceqa, "docs", "examples", "--report-dir", str(report_dir), *target]
    if entry == "load":
        return [*vanceqa, "load", "--report-dir", str(report_dir), "--seed", "1",
                "--shape", "open", *LOAD, *target]  # fmt: skip
    if entry == "run":
        return [*vanceqa, "run", "--report-dir", str(report_dir), "--seed", "1", *LOAD,
                *target]  # fmt: skip
    raise AssertionError(entry)


def run_entry(
    entry: str,
    report_dir: Path,
    target: Sequence[str],
    *,
    cwd: Path,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    report_dir.mkdir(parents=True, exist_ok=True)
    return subprocess.run(
        entry_command(entry, report_dir, target),
        capture_output=True,
        text=True,
        timeout=ENTRY_TIMEOUT_S,
        cwd=cwd,
        env=env if env is not None else clean_env(),
    )


def output(result: subprocess.CompletedProcess[str]) -> str:
    return f"exit {result.returncode}\n{result.stdout[-4000:]}\n{result.stderr[-3000:]}"


def assert_passed(entry: str, result: subprocess.CompletedProcess[str], report_dir: Path) -> None:
    """Exit 0, and a result file that shows checks really ran (no pass by omission)."""
    import json

    assert result.returncode == 0, output(result)
    if entry in ("check", "pytest", "run"):
        document = json.loads((report_dir / "conformance.json").read_text())
        assert document["summary"]["failed"] == 0
        assert document["summary"]["passed"] >= 10
        assert document["summary"]["requests"] > 50
    if entry in ("docs", "run"):
        document = json.loads((report_dir / "docs.json").read_text())
        assert document["examples_summary"]["passed"] >= 1
        assert document["examples_summary"]["failed"] == 0
    if entry in ("load", "run"):
        document = json.loads((report_dir / "load.json").read_text())
        assert document["overall"]["requests"] >= 3
        assert document["overall"]["failures"] == 0, document["overall"]


# -- a real forward proxy -----------------------------------------------------------------


@dataclass(frozen=True)
class ForwardProxy:
    url: str
    log: Path

    def requests(self) -> list[str]:
        """The request lines tinyproxy logged ("GET http://... HTTP/1.1", "CONNECT ...")."""
        lines = self.log.read_text(errors="replace").splitlines()
        return [line.split("): ", 1)[1] for line in lines if "Request (file descriptor" in line]


def _tinyproxy() -> str:
    found = shutil.which("tinyproxy") or (
        "/usr/bin/tinyproxy" if Path("/usr/bin/tinyproxy").is_file() else None
    )
    if found is None:
        reason = "tinyproxy is not installed (.ci/setup-system installs it)"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; CI requires the proxy tests")
        pytest.skip(reason)
    return found


@pytest.fixture
def forward_proxy(tmp_path: Path) -> Iterator[ForwardProxy]:
    """Debian's tinyproxy on a free loopback port, logging every request it forwards."""
    binary = _tinyproxy()
    port = free_port()
    config = tmp_path / "tinyproxy.conf"
    config.write_text(
        f"Port {port}\nListen 127.0.0.1\nTimeout 30\nMaxClients 64\nLogLevel Info\n"
        "Allow 127.0.0.1\nDisableViaHeader Yes\n"
    )
    log = tmp_path / "tinyproxy.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [binary, "-d", "-c", str(config)], stdout=sink, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + 20
        while "Accepting connections" not in log.read_text(errors="replace"):
            assert process.poll() is None, log.read_text(errors="replace")
            assert time.monotonic() < deadline, "tinyproxy did not start"
            time.sleep(0.05)
        yield ForwardProxy(f"http://127.0.0.1:{port}", log)
    finally:
        stop_process(process)


def written_files(*folders: Path) -> list[Path]:
    return [p for folder in folders for p in sorted(folder.rglob("*")) if p.is_file()]


def assert_nowhere(secret: str, files: Sequence[Path], *texts: str) -> None:
    """`secret` is in none of the files (read as bytes) and none of the texts."""
    assert files, "no file to search: the run wrote nothing"
    for path in files:
        assert secret.encode() not in path.read_bytes(), f"the secret leaked into {path}"
    for text in texts:
        assert secret not in text, "the secret leaked into the console output"
