"""A kept-alive connection that a proxy or gateway closes under a request: the client
retries an idempotent request once on a new connection (RFC 9112 9.3.1); a POST, never
sent twice, goes on a new connection of its own and so never meets a dying one.

Found behind tinyproxy, which answers HTTP/1.1 without `Connection: close` and then
closes: the next request, sent before the close arrives, got no answer at all.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest

from vanceqa.client import TargetClient
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
def drops_second_request() -> Iterator[tuple[str, list[bytes]]]:
    yield from _dropping_server(together=1)


@pytest.fixture
def two_connections_then_drops() -> Iterator[tuple[str, list[bytes]]]:
    yield from _dropping_server(together=2)


def _dropping_server(together: int) -> Iterator[tuple[str, list[bytes]]]:
    """Each connection: answers its first request, then closes on the second unanswered.
    The first `together` connections are answered only once all of them are open, so
    that a client keeps that many alive at once.

    Yields the URL and the request line of each connection's first (answered) request."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.2)
    connections: list[bytes] = []
    stop = threading.Event()
    all_open = threading.Barrier(together)

    def handle(connection: socket.socket) -> None:
        with connection:
            first = _read_request(connection)
            connections.append(first.split(b"\r\n", 1)[0])
            if len(connections) <= together:
                all_open.wait(timeout=30)
            if first:
                connection.sendall(ANSWER)
            _read_request(connection)  # the request on the reused connection: dropped

    def serve() -> None:
        while not stop.is_set():
            try:
                connection, _ = server.accept()
            except TimeoutError:
                continue
            connection.settimeout(15)
            threading.Thread(target=handle, args=(connection,), daemon=True).start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}", connections
    finally:
        stop.set()
        thread.join(timeout=10)
        server.close()


def test_a_get_on_a_dropped_connection_is_sent_again(
    drops_second_request: tuple[str, list[bytes]],
) -> None:
    url, connections = drops_second_request
    target = TargetConfig(base_url=url, api_token="t0ken-123456")
    with TargetClient(target) as client:
        assert client.get("/api/kittens").status == 200
        assert client.get("/api/kittens").status == 200  # the old connection died under it
    assert len(connections) == 2
    assert client.stats.requests == 2


def test_a_post_goes_on_a_connection_of_its_own(
    drops_second_request: tuple[str, list[bytes]],
) -> None:
    url, connections = drops_second_request
    target = TargetConfig(base_url=url, api_token="t0ken-123456")
    with TargetClient(target) as client:
        assert client.get("/api/kittens").status == 200
        exchange = client.send("POST", f"{url}/api/kittens", {}, b"{}")
        assert exchange.status == 200
        assert "Connection" not in exchange.request_headers  # not in the repro line
    # Sent once, on a new connection: never on the kept-alive one that would have died.
    assert connections == [b"GET /api/kittens HTTP/1.1", b"POST /api/kittens HTTP/1.1"]


def test_a_retry_never_takes_another_kept_alive_connection(
    two_connections_then_drops: tuple[str, list[bytes]],
) -> None:
    """Two kept-alive connections, both dead by the next request: its second try goes on
    a new connection, not on the other dead one."""
    url, connections = two_connections_then_drops
    target = TargetConfig(base_url=url, api_token="t0ken-123456", concurrency=2)
    with TargetClient(target) as client:
        first = client.map(lambda _: client.get("/api/kittens").status, range(2))
        assert first == [200, 200]
        assert client.get("/api/kittens").status == 200
    assert len(connections) == 3
