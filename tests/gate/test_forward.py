"""The forwarding helpers: bounded body prefix, ASCII targets and the listener's own answers.

The whole path (judge, forward, judge the answer) is exercised through the proxy in
test_proxy.py; these are its pieces on their own.
"""

from __future__ import annotations

from typing import Any, cast

import orjson
import pytest

from vigil.gate.forward import _ascii_target, error_answer, read_prefix


class Pieces:
    """An exchange whose body arrives in the given pieces."""

    def __init__(self, pieces: list[bytes], headers: list[tuple[str, str]] | None = None) -> None:
        self.pieces = list(pieces)
        self.headers = headers or []
        self.target = "/t"

    async def read(self, limit: int = 1 << 16) -> bytes:
        if not self.pieces:
            return b""
        piece = self.pieces.pop(0)
        if len(piece) > limit:
            self.pieces.insert(0, piece[limit:])
            piece = piece[:limit]
        return piece

    def header(self, name: str) -> str | None:
        return dict(self.headers).get(name)


@pytest.mark.parametrize(
    ("pieces", "limit", "prefix", "ended"),
    [
        ([b"abc", b"de"], 10, b"abcde", True),
        ([b"abc", b"de"], 5, b"abcde", True),
        ([b"abc", b"def"], 5, b"abcdef", False),
        ([b"a" * 100], 10, b"a" * 11, False),
        ([], 10, b"", True),
    ],
)
async def test_read_prefix_reads_one_byte_past_the_bound_at_most(
    pieces: list[bytes], limit: int, prefix: bytes, ended: bool
) -> None:
    assert await read_prefix(cast("Any", Pieces(pieces)), limit) == (prefix, ended)


@pytest.mark.parametrize(
    ("target", "sent"),
    [("/a?b=c", "/a?b=c"), ("/caf\u00e9", "/caf%C3%A9"), ("/x\udcff", "/x%FF")],
)
def test_targets_are_sent_in_ascii(target: str, sent: str) -> None:
    assert _ascii_target(target) == sent


@pytest.mark.parametrize(
    ("incoming", "kept"),
    [("abc-123", True), ("bad id with spaces", False), (None, False)],
)
def test_error_answers_keep_a_valid_client_request_id(incoming: str | None, kept: bool) -> None:
    headers = [("x-request-id", incoming)] if incoming is not None else []
    status, answer_headers, body = error_answer("overloaded", cast("Any", Pieces([], headers)))
    problem = orjson.loads(body)
    assert status == problem["status"] == 503
    assert (problem["request_id"] == incoming) is kept
    assert dict(answer_headers)["x-request-id"] == problem["request_id"]


def test_protocol_error_answer_without_a_request() -> None:
    status, _, body = error_answer("malformed-request", None)
    assert status == 400
    assert orjson.loads(body)["title"] == "Malformed request"
