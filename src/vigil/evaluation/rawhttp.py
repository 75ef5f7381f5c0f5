"""Read captured raw HTTP/1.1 requests (the CSIC 2010 format) with a real HTTP parser.

Captures such as CSIC 2010 store requests one after another, separated by blank lines. Each
request is framed by its request line, then handed to httptools (llhttp, the parser behind
Node.js and aiohttp) so headers, lengths and bodies are parsed exactly as a server would; the
reader never interprets HTTP syntax itself beyond finding where a capture's next request starts.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httptools

from vigil.http.model import Request, split_target

_REQUEST_LINE = re.compile(
    rb"^(GET|POST|PUT|DELETE|HEAD|OPTIONS|PATCH|TRACE|CONNECT) \S+ HTTP/1\.[01]\r?$"
)
MAX_REQUEST_BYTES = 1 << 20
"""A capture's request larger than this is reported as unreadable instead of parsed."""


class CaptureError(ValueError):
    """A capture file that cannot be read; the message names the file and the request."""


@dataclass(slots=True)
class _Collector:
    url: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytearray = field(default_factory=bytearray)
    done: bool = False

    def on_url(self, url: bytes) -> None:
        self.url += url

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name.decode("latin-1").lower(), value.decode("latin-1")))

    def on_body(self, body: bytes) -> None:
        self.body += body

    def on_message_complete(self) -> None:
        self.done = True


def parse_request(raw: bytes) -> Request:
    """Parse one raw request; malformed input raises CaptureError."""
    collector = _Collector()
    parser = httptools.HttpRequestParser(collector)
    try:
        parser.feed_data(raw)
    except httptools.HttpParserUpgrade:
        pass
    except httptools.HttpParserError as exc:
        raise CaptureError(f"invalid HTTP request: {exc}") from None
    if not collector.done:
        raise CaptureError("incomplete HTTP request")
    path, query = split_target(collector.url.decode("latin-1"))
    return Request(
        method=parser.get_method().decode("ascii"),
        path=path,
        query=query,
        headers=collector.headers,
        body=bytes(collector.body),
    )


def _frame(block: list[bytes]) -> bytes:
    head: list[bytes] = []
    rest = iter(block)
    for line in rest:
        if line.strip() == b"":
            break
        head.append(line.rstrip(b"\r\n"))
    body = b"".join(rest)
    return b"\r\n".join(head) + b"\r\n\r\n" + body


def read_capture(path: str | Path) -> Iterator[Request]:
    """Yield the requests of a capture file (gzip or plain)."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        handle = opener(path, "rb")
    except OSError as exc:
        raise CaptureError(f"{path}: cannot read: {exc.strerror}") from exc
    with handle:
        block: list[bytes] = []
        index = 0
        lines = iter(handle)
        while True:
            try:
                line = next(lines)
            except StopIteration:
                break
            except (OSError, EOFError) as exc:
                raise CaptureError(f"{path}: cannot read: {exc}") from None
            if _REQUEST_LINE.match(line) and block:
                index += 1
                yield _parse_block(path, index, block)
                block = []
            block.append(line)
        if block:
            index += 1
            yield _parse_block(path, index, block)


def _parse_block(path: Path, index: int, block: list[bytes]) -> Request:
    raw = _frame(block)
    if len(raw) > MAX_REQUEST_BYTES:
        raise CaptureError(f"{path}: request {index}: larger than {MAX_REQUEST_BYTES} bytes")
    try:
        return parse_request(raw)
    except CaptureError as exc:
        raise CaptureError(f"{path}: request {index}: {exc}") from None
