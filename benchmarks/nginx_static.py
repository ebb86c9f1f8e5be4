"""nginx serving fixed bytes at fixed paths on a free loopback port: the benchmarks' yardstick."""

from __future__ import annotations

import contextlib
import subprocess
import tempfile
import textwrap
from collections.abc import Iterator, Mapping
from pathlib import Path

from vanceqa.processes import free_port, wait_until_ready


@contextlib.contextmanager
def serve_static(routes: Mapping[str, bytes]) -> Iterator[str]:
    """Serve each body at its exact path as application/json; yield the base URL.

    One nginx worker process, no access log; stopped when the block ends.
    """
    with tempfile.TemporaryDirectory(prefix="vanceqa-nginx-") as name:
        tmp = Path(name)
        locations = []
        for n, (path, body) in enumerate(routes.items()):
            (tmp / f"body-{n}").write_bytes(body)
            locations.append(f"location = {path} {{ alias {tmp}/body-{n}; }}")
        port = free_port()
        conf = tmp / "nginx.conf"
        conf.write_text(
            textwrap.dedent(
                f"""
                worker_processes 1;
                daemon off;
                pid {tmp}/nginx.pid;
                error_log {tmp}/error.log;
                events {{ worker_connections 4096; }}
                http {{
                    access_log off;
                    client_body_temp_path {tmp};
                    proxy_temp_path {tmp};
                    fastcgi_temp_path {tmp};
                    uwsgi_temp_path {tmp};
                    scgi_temp_path {tmp};
                    server {{
                        listen 127.0.0.1:{port};
                        default_type application/json;
                        LOCATIONS
                    }}
                }}
                """
            ).replace("LOCATIONS", "\n            ".join(locations))
        )
        process = subprocess.Popen(["nginx", "-c", str(conf), "-p", str(tmp)])
        base = f"http://127.0.0.1:{port}"
        try:
            wait_until_ready(base + next(iter(routes)), 15, process)
            yield base
        finally:
            process.terminate()
            process.wait(10)
