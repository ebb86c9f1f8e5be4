"""`transport.BodyDecoder`: the one bounded decompression, shared by TargetClient's
`read_body` and the load test's exchange (which turns geventhttpclient's own off)."""

from __future__ import annotations

import zlib

import httpx
import pytest

from tests.hostile.load_servers import BOMB_INFLATED, gzip_bomb
from vanceqa.transport import BodyDecoder, read_body

CAP = 64 * 1024


def _feed(decoder: BodyDecoder, data: bytes, piece: int = 4096) -> int:
    """Feed `data` in pieces as a socket would; returns how many pieces were taken."""
    taken = 0
    for start in range(0, len(data), piece):
        taken += 1
        if decoder.feed(data[start : start + piece]):
            break
    return taken


def test_a_gzip_bomb_stops_at_the_cap_after_a_few_pieces() -> None:
    bomb = gzip_bomb()
    decoder = BodyDecoder("gzip", CAP)
    taken = _feed(decoder, bomb)
    body = decoder.finish()
    assert body.oversized
    assert len(body.content) == CAP
    assert body.content == bytes(CAP)
    assert taken * 4096 < len(bomb) // 100  # stopped long before the 1 MB on the wire
    assert BOMB_INFLATED > 1000 * CAP


@pytest.mark.parametrize(
    ("encoding", "pack"),
    [
        ("gzip", lambda b: zlib.compress(b, wbits=16 + zlib.MAX_WBITS)),
        ("deflate", zlib.compress),
        (None, lambda b: b),
        (" GZIP ", lambda b: zlib.compress(b, wbits=16 + zlib.MAX_WBITS)),
    ],
)
def test_bodies_within_the_cap_decode_whole(encoding: str | None, pack: object) -> None:
    data = b'[{"id": 1}]' * 5000
    assert len(data) < CAP
    decoder = BodyDecoder(encoding, CAP)
    _feed(decoder, pack(data))  # type: ignore[operator]
    body = decoder.finish()
    assert (body.content, body.oversized) == (data, False)


def test_exactly_the_cap_is_not_oversized_one_byte_more_is() -> None:
    for size, oversized in ((CAP, False), (CAP + 1, True)):
        decoder = BodyDecoder(None, CAP)
        _feed(decoder, b"x" * size)
        assert decoder.finish().oversized is oversized


def test_a_broken_stream_keeps_what_decoded() -> None:
    packed = zlib.compress(b"abc" * 1000, wbits=16 + zlib.MAX_WBITS)
    decoder = BodyDecoder("gzip", CAP)
    decoder.feed(packed[:40] + b"\x00garbage" * 10)
    body = decoder.finish()
    assert not body.oversized
    assert (b"abc" * 1000).startswith(body.content)  # a prefix of the truth, no exception


def test_read_body_still_caps_an_httpx_stream() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, headers={"content-encoding": "gzip"}, stream=httpx.ByteStream(gzip_bomb())
        )

    with (
        httpx.Client(transport=httpx.MockTransport(handler)) as client,
        client.stream("GET", "http://x/") as response,
    ):
        body = read_body(response, CAP)
    assert body.oversized
    assert len(body.content) == CAP
