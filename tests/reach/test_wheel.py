"""As a user who ran `pip install .` (a wheel, not a checkout): the folders in the
current directory win over the copies inside the installed package, and `vanceqa init`
in an empty folder, then `vanceqa run` there, passes.

The wheel is built once per session from this checkout and installed, without its
dependencies, into a fresh virtual environment that borrows them from this one.
"""

from __future__ import annotations

import json
import shutil
import site
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from tests.conftest import installer_env
from tests.reach.conftest import clean_env, output
from vanceqa import resources

pytestmark = [
    pytest.mark.socket,
    pytest.mark.slow,
    pytest.mark.xdist_group("wheel"),
]  # one wheel install serves every test here
ROOT = Path(__file__).resolve().parents[2]
ALT_DATA = ROOT / "tests" / "data" / "kittens-alt.json"
EXTRA_TEST = """
import pytest


@pytest.mark.conformance("team_extra", operation="getKitten")
def test_team_extra(vanceqa_client, vanceqa_mock):
    # The team's own check; on the bundled mock it sees the team's own data.
    assert vanceqa_mock is not None
    assert vanceqa_client.get("/api/kittens/1001").status == 200
"""
SLO = """
[overall]
thresholds = ["requests >= 1", "p(50) < 4321ms"]
"""


@pytest.fixture(scope="session")
def wheel_python(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The interpreter of a virtual environment where vanceqa is installed from a wheel."""
    folder = tmp_path_factory.mktemp("wheel")
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(folder / "dist"),
         str(ROOT)],
        capture_output=True, text=True, timeout=600, env=installer_env(),
    )  # fmt: skip
    assert built.returncode == 0, built.stderr[-3000:]
    wheel = next((folder / "dist").glob("vanceqa-*.whl"))
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(folder / "venv")], check=True
    )
    python = str(folder / "venv" / "bin" / "python")
    installed = subprocess.run(
        [sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "-q",
         str(wheel)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert installed.returncode == 0, installed.stderr[-3000:]
    # Dependencies from this environment: a .pth line adds the folder to sys.path after
    # the new environment's own packages (its .pth files, e.g. an editable vanceqa, are
    # not read), so `import vanceqa` finds the wheel's copy.
    purelib = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    ours = {sysconfig.get_paths()["purelib"], *site.getsitepackages()}
    Path(purelib, "borrowed-dependencies.pth").write_text("\n".join(sorted(ours)) + "\n")
    where = subprocess.run(
        [python, "-c", "import vanceqa; print(vanceqa.__file__)"],
        capture_output=True, text=True, check=True, cwd=folder,
    ).stdout  # fmt: skip
    assert where.startswith(str(folder / "venv")), where
    return python


def vanceqa(python: str, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [python, "-m", "vanceqa", *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=cwd,
        env=clean_env(),
    )


def test_the_current_directory_wins_over_the_installed_copies(
    wheel_python: str, tmp_path: Path
) -> None:
    # The team's edits, in the folder they run from: a new test among our suites, their
    # own data, their own SLOs.
    shutil.copytree(resources.bundled_folder("conformance"), tmp_path / "conformance",
                    ignore=shutil.ignore_patterns("__pycache__"))  # fmt: skip
    (tmp_path / "conformance" / "test_team.py").write_text(EXTRA_TEST)
    (tmp_path / "fixtures").mkdir()
    shutil.copyfile(ALT_DATA, tmp_path / "fixtures" / "kittens.json")
    (tmp_path / "loadtests").mkdir()
    (tmp_path / "loadtests" / "slo.toml").write_text(SLO)

    check = vanceqa(wheel_python, "check", "--report-dir", "reports", "--seed", "3", "--",
                    "-k", "auth or team", "--hypothesis-profile", "conformance-quick",
                    cwd=tmp_path)  # fmt: skip
    assert check.returncode == 0, output(check)
    document = json.loads((tmp_path / "reports" / "conformance.json").read_text())
    assert any(r["check"] == "team_extra" and r["outcome"] == "passed"
               for r in document["results"])  # fmt: skip
    sources = document["sources"]
    assert sources["suites"] == {"path": str(tmp_path / "conformance"), "origin": "project"}
    assert sources["data"]["path"] == str(tmp_path / "fixtures" / "kittens.json")
    assert sources["contract"]["origin"] == "bundled"  # not edited: the wheel's copy
    assert "site-packages" in sources["contract"]["path"]
    assert "suites conformance (project)" in check.stdout

    load = vanceqa(wheel_python, "load", "--report-dir", "reports", "--shape", "open",
                   "--rate", "5", "--run-time", "2s", "--seed", "3", cwd=tmp_path)  # fmt: skip
    assert load.returncode == 0, output(load)
    slo = json.loads((tmp_path / "reports" / "load.json").read_text())["slo"]
    assert Path(slo["file"]).resolve() == tmp_path / "loadtests" / "slo.toml"
    assert [t["expression"] for t in slo["thresholds"]] == ["requests >= 1", "p(50) < 4321ms"]


def test_init_in_an_empty_folder_then_run_passes(wheel_python: str, tmp_path: Path) -> None:
    init = vanceqa(wheel_python, "init", cwd=tmp_path)
    assert init.returncode == 0, output(init)
    run = vanceqa(wheel_python, "run", "--run-time", "3s", "--seed", "4", cwd=tmp_path)
    assert run.returncode == 0, output(run)
    assert "PASS" in run.stdout
    document = json.loads((tmp_path / "reports" / "run.json").read_text())
    origins = {kind: source["origin"] for kind, source in document["sources"].items()}
    assert origins == dict.fromkeys(
        ["contract", "suites", "docs", "locustfile", "slo", "data"], "project"
    )
    assert (tmp_path / "reports" / "index.html").is_file()
