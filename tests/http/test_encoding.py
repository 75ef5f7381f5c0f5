"""Content-Encoding undone within a bound: round trips, bombs, members, corrupt and unknown codings."""

from __future__ import annotations

import gzip
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vigil.http.encoding import MAX_CODINGS, codings, decode_content


def deflate_raw(data: bytes) -> bytes:
    engine = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    return engine.compress(data) + engine.flush()


ENCODERS = {
    "gzip": gzip.compress,
    "x-gzip": gzip.compress,
    "deflate": zlib.compress,
}


@settings(max_examples=150)
@given(
    st.binary(max_size=4096),
    st.lists(st.sampled_from(sorted(ENCODERS)), min_size=1, max_size=MAX_CODINGS),
)
def test_encoded_bodies_decode_to_the_original(body: bytes, applied: list[str]) -> None:
    data = body
    for coding in applied:
        data = ENCODERS[coding](data)
    decoded = decode_content(data, ", ".join(applied), limit=1 << 20)
    assert decoded.error == ""
    assert decoded.complete
    assert decoded.body == body


@pytest.mark.parametrize(
    ("data", "encoding", "body", "complete", "error"),
    [
        (b"plain", "", b"plain", True, ""),
        (b"plain", "identity", b"plain", True, ""),
        (deflate_raw(b"raw deflate"), "deflate", b"raw deflate", True, ""),
        (gzip.compress(b"one ") + gzip.compress(b"two"), "gzip", b"one two", True, ""),
        (gzip.compress(b"x" * 10_000_000), "gzip", b"x" * 1000, False, ""),
        (gzip.compress(b"abcdef")[:-12], "gzip", b"", False, ""),
        (b"not gzip at all", "gzip", b"", False, "invalid gzip data"),
        (gzip.compress(b"ok") + b"garbage!", "gzip", b"", False, "invalid gzip data"),
        (b"\x8b\x00", "br", b"", False, "unsupported content coding 'br'"),
        (b"x", "gzip, gzip, gzip, gzip", b"", False, f"more than {MAX_CODINGS} content codings"),
    ],
    ids=[
        "none",
        "identity",
        "raw-deflate",
        "gzip-members",
        "bomb",
        "cut-short",
        "corrupt",
        "trailing-garbage",
        "brotli",
        "too-many",
    ],
)
def test_decode_content(
    data: bytes, encoding: str, body: bytes, complete: bool, error: str
) -> None:
    decoded = decode_content(data, encoding, limit=1000)
    assert decoded.error == error
    assert decoded.complete is complete
    if body or complete:
        assert decoded.body == body
    assert len(decoded.body) <= 1000


def test_codings_in_applied_order() -> None:
    assert codings(" GZIP , deflate,,") == ["gzip", "deflate"]
