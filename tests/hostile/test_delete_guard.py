"""DELETE touches only the ids the user named (reading 14), whatever sends it.

Tested the way the fault was found: a recording proxy in front of a real server (the
bundled mock, given as a staging server would be), every entry point run with
`--destructive --delete-id N`, and the proxy's own log read afterwards. The guard lives
in the client every suite uses, so the unit test below proves a refused DELETE never
even reaches the transport.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import httpx
import pytest

from tests.hostile.conftest import DATASET, run_command, staging_options, vanceqa
from tests.hostile.servers import recording_proxy
from vanceqa.client import DeleteRefused, TargetClient
from vanceqa.conformance.session import mock_delete_ids
from vanceqa.mock.launcher import MockServer
from vanceqa.resources import conformance_dir
from vanceqa.target import TargetConfig

NAMED = mock_delete_ids(DATASET)[0]


def test_the_client_refuses_an_unnamed_delete_before_it_leaves_the_process() -> None:
    sent: list[httpx.Request] = []
    transport = httpx.MockTransport(lambda r: sent.append(r) or httpx.Response(200, json={}))
    target = TargetConfig(
        base_url="https://staging.example/vance/v1",
        api_token="t",
        destructive=True,
        delete_ids=(5,),
    )
    client = TargetClient(target, transport=transport)
    client.request("DELETE", "/api/kittens/5")
    for path in ("/api/kittens/6", "/api/kittens/05", "/api/kittens/%35", "/api/kittens/5/",
                 "/api/kittens", "/api/kittens/1e3", "/api/kittens/5?cascade=1"):  # fmt: skip
        with pytest.raises(DeleteRefused, match="not one of the ids named"):
            client.request("DELETE", path)
    assert [str(r.url) for r in sent] == ["https://staging.example/vance/v1/api/kittens/5"]
    assert client.stats.refused_deletes == 7
    # Without --destructive nothing is deleted at all; on the bundled mock, anything may be.
    with pytest.raises(DeleteRefused, match="needs --destructive"):
        TargetClient(target.with_changes(destructive=False), transport=transport).request(
            "DELETE", "/api/kittens/5"
        )
    mock = TargetClient(target.with_changes(bundled_mock=True), transport=transport)
    mock.request("DELETE", "/api/kittens/99")
    assert str(sent[-1].url).endswith("/api/kittens/99")


ENTRY_POINTS = {
    "check": lambda url, out: vanceqa(
        "check", *staging_options(url, "--destructive", "--delete-id", str(NAMED)),
        "--report-dir", str(out),
    ),
    "pytest": lambda url, out: [
        sys.executable, "-m", "pytest", str(conformance_dir()), "-q", "-p", "no:cacheprovider",
        f"--conformance-json={out / 'conformance.json'}",
        *staging_options(url, "--destructive", "--delete-id", str(NAMED)),
    ],
    "docs-examples": lambda url, out: vanceqa(
        "docs", "examples", *staging_options(url, "--destructive", "--delete-id", str(NAMED)),
        "--report-dir", str(out),
    ),
    "load": lambda url, out: vanceqa(
        "load", *staging_options(url, "--destructive", "--delete-id", str(NAMED)),
        "--shape", "open", "--rate", "40", "--run-time", "4s", "--weights", "browse=1,delete=4",
        "--slo", "none", "--report-dir", str(out),
    ),
    "run": lambda url, out: vanceqa(
        "run", *staging_options(url, "--destructive", "--delete-id", str(NAMED)),
        "--run-time", "3s", "--slo", "none", "--report-dir", str(out),
    ),
}  # fmt: skip


@pytest.mark.socket
@pytest.mark.slow
@pytest.mark.parametrize("entry", sorted(ENTRY_POINTS))
def test_only_the_named_id_is_ever_deleted(entry: str, mock: MockServer, tmp_path: Path) -> None:
    with recording_proxy(mock.base_url) as proxy:
        argv = ENTRY_POINTS[entry](proxy.url, tmp_path / "out")
        ran = run_command(argv, bound_s=600, cwd=tmp_path)
        deletes = [r.target for r in proxy.record.forwarded("DELETE")]
    # A correct server behind the proxy: every entry point passes (a DELETE example whose
    # id the state checks deleted first is skipped, not failed).
    assert ran.returncode == 0, ran.output[-3000:]
    # Not one DELETE reached the server that was not the named id, spelled exactly.
    assert set(deletes) <= {f"/api/kittens/{NAMED}"}, sorted(set(deletes))[:20]
    state = mock.control("GET", "state")
    assert isinstance(state, dict)
    assert set(state["deleted"]) <= {NAMED}
    if entry in ("check", "pytest", "run", "load"):
        # Not vacuous: the destructive checks did delete the named id through the proxy.
        assert deletes, "the named id was never deleted: the guard refused too much"


@pytest.mark.socket
@pytest.mark.slow
def test_the_id_checks_keep_their_delete_coverage_on_the_bundled_mock(tmp_path: Path) -> None:
    out = tmp_path / "out"
    ran = run_command(
        vanceqa("check", "--report-dir", str(out), "--", "-k", "deleteKitten and _id"),
        bound_s=300,
        cwd=tmp_path,
    )
    assert ran.returncode == 0, ran.output[-3000:]
    results = json.loads((out / "conformance.json").read_text())["results"]
    ran_checks = {r["check"] for r in results if r["operation"] == "deleteKitten"}
    assert {"id_unknown", "id_malformed", "id_huge"} <= ran_checks
    assert all(r["outcome"] == "passed" for r in results), results
