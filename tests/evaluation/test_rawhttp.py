"""Reading raw HTTP captures (the CSIC 2010 format) with httptools."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from vigil.evaluation.rawhttp import CaptureError, parse_request, read_capture

CAPTURE = (
    b"GET http://localhost:8080/tienda1/index.jsp HTTP/1.1\r\n"
    b"User-Agent: Mozilla/5.0\r\n"
    b"Cookie: JSESSIONID=1F767F17239C9B670A39E9B10C3825F4\r\n"
    b"\r\n"
    b"\r\n"
    b"POST http://localhost:8080/tienda1/publico/anadir.jsp HTTP/1.1\r\n"
    b"Content-Type: application/x-www-form-urlencoded\r\n"
    b"Content-Length: 12\r\n"
    b"\r\n"
    b"id=3&precio=\r\n"
    b"\r\n"
    b"GET http://localhost:8080/tienda1/publico/anadir.jsp?id=2&nombre=Jam%F3n HTTP/1.1\r\n"
    b"Host: localhost:8080\r\n"
    b"\r\n"
)


@pytest.fixture(params=["plain", "gzip"])
def capture(tmp_path: Path, request: pytest.FixtureRequest) -> Path:
    if request.param == "gzip":
        path = tmp_path / "capture.txt.gz"
        path.write_bytes(gzip.compress(CAPTURE))
    else:
        path = tmp_path / "capture.txt"
        path.write_bytes(CAPTURE)
    return path


def test_reads_every_request_with_path_query_headers_and_body(capture: Path) -> None:
    requests = list(read_capture(capture))
    assert [(r.method, r.path, r.query) for r in requests] == [
        ("GET", "/tienda1/index.jsp", ""),
        ("POST", "/tienda1/publico/anadir.jsp", ""),
        ("GET", "/tienda1/publico/anadir.jsp", "id=2&nombre=Jam%F3n"),
    ]
    assert requests[0].header("cookie") == "JSESSIONID=1F767F17239C9B670A39E9B10C3825F4"
    assert requests[1].body == b"id=3&precio="
    assert requests[1].content_type == "application/x-www-form-urlencoded"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        pytest.param(
            b"GET / HTTP/1.1\r\nBad Header\r\n\r\n", "invalid HTTP request", id="bad-header"
        ),
        pytest.param(
            b"POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc", "incomplete", id="short-body"
        ),
    ],
)
def test_malformed_requests_are_capture_errors(raw: bytes, message: str) -> None:
    with pytest.raises(CaptureError, match=message):
        parse_request(raw)


def test_error_names_file_and_request(tmp_path: Path) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes(
        b"GET / HTTP/1.1\r\nHost: x\r\n\r\nPOST / HTTP/1.1\r\nContent-Length: 9\r\n\r\nab\r\n"
    )
    with pytest.raises(CaptureError, match=r"bad\.txt: request 2: incomplete"):
        list(read_capture(path))


def test_missing_file_is_a_capture_error(tmp_path: Path) -> None:
    with pytest.raises(CaptureError, match="cannot read"):
        list(read_capture(tmp_path / "absent.txt"))


def test_corrupt_gzip_is_a_capture_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.txt.gz"
    path.write_bytes(b"not gzip at all")
    with pytest.raises(CaptureError, match=r"broken\.txt\.gz: cannot read"):
        list(read_capture(path))
