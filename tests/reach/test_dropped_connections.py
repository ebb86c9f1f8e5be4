"""A kept-alive connection that a proxy or gateway closes under a request: the client
retries an idempotent request once on a new connection (RFC 9112 9.3.1), never a POST.

Found behind tinyproxy, which answers HTTP/1.1 without `Connection: close` and then
closes: the next request, sent before the close arrives, got no answer at all.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest

from vanceqa.client import TargetClient
from vanceqa.errors import Finding
from vanceqa.target import TargetConfig

pytestmark = pytest.mark.socket
ANSWER = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n[]"


def _read_request(connection: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = connection.recv(4096)
        if not chunk:
            return data
        data += chunk
    return data


@pytest.fixture
def drops_second_request() -> Iterator[tuple[str, list[int]]]:
    """Each connection: answers its first request, then closes on the second unanswered."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.2)
    connections: list[int] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                connection, _ = server.accept()
            except TimeoutError:
                continue
            with connection:
                connections.append(1)
                if _read_request(connection):
                    connection.sendall(ANSWER)
                _read_request(connection)  # the request on the reused connection: dropped

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}", connections
    finally:
        stop.set()
        thread.join(timeout=10)
        server.close()


def test_a_get_on_a_dropped_connection_is_sent_again(
    drops_second_request: tuple[str, list[int]],
) -> None:
    url, connections = drops_second_request
    target = TargetConfig(base_url=url, api_token="t0ken-123456")
    with TargetClient(target) as client:
        assert client.get("/api/kittens").status == 200
        assert client.get("/api/kittens").status == 200  # the old connection died under it
    assert len(connections) == 2
    assert client.stats.requests == 2


def test_a_post_on_a_dropped_connection_is_not_sent_twice(
    drops_second_request: tuple[str, list[int]],
) -> None:
    url, connections = drops_second_request
    target = TargetConfig(base_url=url, api_token="t0ken-123456")
    with TargetClient(target) as client:
        assert client.get("/api/kittens").status == 200
        with pytest.raises(Finding, match="transport"):
            client.send("POST", f"{url}/api/kittens", {}, b"{}")
    assert len(connections) == 1
