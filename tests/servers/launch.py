"""Start a framework server (or one of its typical defects) on a free loopback port."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

from vanceqa.processes import free_port, stop_process, wait_until_ready

HERE = Path(__file__).resolve().parent
# Framework name -> how to start it: a Python module here, or a Node script.
FRAMEWORKS = ("flask", "fastapi", "django", "aiohttp", "express")


def command(framework: str, port: int, defect: str | None, node_modules: Path | None) -> list[str]:
    if framework == "express":
        if node_modules is None:
            raise ValueError("express needs the node_modules folder express was installed in")
        cmd = ["node", str(HERE / "express_app.js"), "--port", str(port)]
    else:
        cmd = [sys.executable, str(HERE / f"{framework}_app.py"), "--port", str(port)]
    return cmd + (["--defect", defect] if defect else [])


@contextlib.contextmanager
def serve_framework(
    framework: str,
    defect: str | None = None,
    *,
    node_modules: Path | None = None,
    data: str | Path | None = None,
    timeout: float = 60,
) -> Iterator[str]:
    """The framework's faithful server (or `defect` of it); yields its base URL."""
    port = free_port()
    cmd = command(framework, port, defect, node_modules)
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(HERE), os.environ.get("PYTHONPATH")])),
    }
    if node_modules is not None:
        env["NODE_PATH"] = str(node_modules)
    if data is not None:
        cmd += ["--data", str(data)]
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=HERE)
        base_url = f"http://127.0.0.1:{port}"
        try:
            try:
                wait_until_ready(f"{base_url}/api/kittens", timeout, process)
            except Exception as exc:
                log.seek(0)
                tail = log.read()[-3000:].decode(errors="replace")
                raise RuntimeError(f"{framework} server did not start:\n{tail}") from exc
            yield base_url
        finally:
            stop_process(process)


def log_tail(lines: Sequence[str], n: int = 40) -> str:
    return "\n".join(list(lines)[-n:])
