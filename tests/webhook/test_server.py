"""The webhook over real HTTPS on 127.0.0.1, with a certificate made by the test."""

from __future__ import annotations

import base64
import datetime
import ipaddress
import json
import ssl
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.admission.builders import context, pod, review_doc
from vigil.webhook.server import MAX_BODY_BYTES, WebhookSettings, start, tls_context

SIDECAR = {"admission": {"sidecar": {"enabled": True}}}


def make_certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and its key, as PEM files."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "vigil-webhook.test")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "tls.crt", directory / "tls.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


class _Log:
    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    def info(self, event: str, **fields: Any) -> None:
        self.events.append({"event": event, **fields})


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[tuple[str, ssl.SSLContext, _Log]]:
    cert, key = make_certificate(tmp_path)
    log = _Log()
    settings = WebhookSettings(context(policy=SIDECAR, upstream=False), "127.0.0.1", 0)
    runner, port = await start(settings, tls_context(str(cert), str(key)), log)
    client_tls = ssl.create_default_context(cafile=str(cert))
    try:
        yield f"https://127.0.0.1:{port}", client_tls, log
    finally:
        await runner.cleanup()


async def _post(
    url: str, tls: ssl.SSLContext, body: bytes, content_type: str = "application/json"
) -> tuple[int, Any]:
    timeout = aiohttp.ClientTimeout(total=10)
    async with (
        aiohttp.ClientSession(timeout=timeout) as session,
        session.post(url, data=body, headers={"Content-Type": content_type}, ssl=tls) as resp,
    ):
        text = await resp.text()
        return resp.status, (json.loads(text) if text.startswith("{") else text)


async def test_validate_over_tls_denies_with_a_clear_message(
    server: tuple[str, ssl.SSLContext, _Log],
) -> None:
    base, tls, log = server
    review = review_doc(
        "Pod", pod("web", "shop", tolerations=[{"operator": "Exists"}]), namespace="shop"
    )
    status, doc = await _post(f"{base}/validate", tls, json.dumps(review).encode())
    assert status == 200
    assert doc["response"]["uid"] == review["request"]["uid"]
    assert doc["response"]["allowed"] is False
    assert doc["response"]["status"]["code"] == 403
    assert "VA003 toleration-reaches-reserved-nodes" in doc["response"]["status"]["message"]
    assert log.events[-1]["allowed"] is False
    assert log.events[-1]["stage"] == "vigil VA003"


async def test_mutate_over_tls_returns_the_patch(server: tuple[str, ssl.SSLContext, _Log]) -> None:
    base, tls, _ = server
    review = review_doc("Pod", pod("web", "shop"), namespace="shop")
    status, doc = await _post(f"{base}/mutate", tls, json.dumps(review).encode())
    assert status == 200
    assert doc["response"]["allowed"] is True
    assert doc["response"]["patchType"] == "JSONPatch"
    patch = json.loads(base64.b64decode(doc["response"]["patch"]))
    assert patch[0]["value"]["name"] == "vigil-gate"


@pytest.mark.parametrize(
    ("body", "content_type", "status", "detail"),
    [
        (b"{nope", "application/json", 400, "the body is not JSON"),
        (b'{"kind": "Pod"}', "application/json", 400, "not an AdmissionReview v1"),
        (b"{}", "text/plain", 415, "send application/json"),
        (b"x" * (MAX_BODY_BYTES + 1), "application/json", 413, "bodies are limited"),
    ],
)
async def test_bad_requests_get_problem_json(
    server: tuple[str, ssl.SSLContext, _Log],
    body: bytes,
    content_type: str,
    status: int,
    detail: str,
) -> None:
    base, tls, _ = server
    got, doc = await _post(f"{base}/validate", tls, body, content_type)
    assert got == status
    assert doc["status"] == status
    assert detail in doc["detail"]


async def test_healthz_and_plain_http_is_refused(server: tuple[str, ssl.SSLContext, _Log]) -> None:
    base, tls, _ = server
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
        async with session.get(f"{base}/healthz", ssl=tls) as resp:
            assert (resp.status, await resp.text()) == (200, "ok")
        with pytest.raises(aiohttp.ClientError):
            async with session.get(base.replace("https", "http") + "/healthz") as resp:
                await resp.read()


async def test_a_slow_body_gets_408_instead_of_holding_the_server(
    server: tuple[str, ssl.SSLContext, _Log], monkeypatch: pytest.MonkeyPatch
) -> None:
    import asyncio

    from vigil.webhook import server as server_module

    monkeypatch.setattr(server_module, "BODY_TIMEOUT", 0.2)
    base, tls, _ = server
    port = int(base.rsplit(":", 1)[1])
    reader, writer = await asyncio.open_connection(
        "127.0.0.1", port, ssl=tls, server_hostname="127.0.0.1"
    )
    writer.write(
        b"POST /validate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b'Content-Length: 1000\r\n\r\n{"apiVersion"'
    )
    await writer.drain()
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=10)
    assert head.startswith(b"HTTP/1.1 408"), head
    writer.close()


async def test_a_body_in_pieces_is_read_whole(server: tuple[str, ssl.SSLContext, _Log]) -> None:
    import asyncio

    base, tls, _ = server
    port = int(base.rsplit(":", 1)[1])
    body = json.dumps(review_doc("Pod", pod("web", "shop"), namespace="shop")).encode()
    reader, writer = await asyncio.open_connection(
        "127.0.0.1", port, ssl=tls, server_hostname="127.0.0.1"
    )
    writer.write(
        b"POST /validate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
    )
    for i in range(0, len(body), 64):
        writer.write(body[i : i + 64])
        await writer.drain()
    raw = await asyncio.wait_for(reader.read(), timeout=10)
    writer.close()
    head, _, payload = raw.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200"), head
    assert json.loads(payload)["response"]["allowed"] is True


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [("GET", "/validate", 405), ("POST", "/nope", 404), ("PUT", "/mutate", 405)],
)
async def test_unknown_routes_and_methods_get_problem_json(
    server: tuple[str, ssl.SSLContext, _Log], method: str, path: str, status: int
) -> None:
    base, tls, _ = server
    async with (
        aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session,
        session.request(method, f"{base}{path}", ssl=tls) as resp,
    ):
        assert resp.status == status
        assert resp.content_type == "application/problem+json"
        doc = json.loads(await resp.text())
        assert (doc["status"], doc["type"]) == (status, "about:blank")


async def test_headers_that_never_finish_close_the_connection(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Slowloris on the request line and headers: the connection is closed once the idle timer,
    which runs from the connection's start, fires (no response, no request handler)."""
    import asyncio

    from vigil.webhook import server as server_module

    monkeypatch.setattr(server_module, "KEEPALIVE_TIMEOUT", 0.3)
    cert, key = make_certificate(tmp_path)
    settings = WebhookSettings(context(upstream=False), "127.0.0.1", 0)
    runner, port = await start(settings, tls_context(str(cert), str(key)), _Log())
    try:
        reader, writer = await asyncio.open_connection(
            "127.0.0.1", port, ssl=ssl.create_default_context(cafile=str(cert))
        )
        writer.write(b"POST /validate HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        await writer.drain()
        assert await asyncio.wait_for(reader.read(), timeout=10) == b""
        writer.close()
    finally:
        await runner.cleanup()


async def test_bodies_in_flight_are_bounded(
    server: tuple[str, ssl.SSLContext, _Log], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A client holding a body open takes one of `MAX_BODIES_IN_FLIGHT` reading slots; the next
    request beyond the bound gets 503 problem+json with Retry-After instead of more memory."""
    import asyncio

    from vigil.webhook import server as server_module

    monkeypatch.setattr(server_module, "MAX_BODIES_IN_FLIGHT", 1)
    base, tls, _ = server
    port = int(base.rsplit(":", 1)[1])
    _reader, writer = await asyncio.open_connection(
        "127.0.0.1", port, ssl=tls, server_hostname="127.0.0.1"
    )
    writer.write(
        b"POST /validate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b'Content-Length: 1000\r\n\r\n{"apiVersion"'
    )
    await writer.drain()
    body = json.dumps(review_doc("Pod", pod("web", "shop"), namespace="shop")).encode()
    for _ in range(100):
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session,
            session.post(
                f"{base}/validate",
                data=body,
                headers={"Content-Type": "application/json"},
                ssl=tls,
            ) as resp,
        ):
            if resp.status == 503:
                assert resp.content_type == "application/problem+json"
                assert resp.headers["Retry-After"] == "1"
                break
        await asyncio.sleep(0.05)
    else:
        pytest.fail("the second body was read while the first held the only slot")
    writer.close()
    status, answer = await _post(f"{base}/validate", tls, body)
    for _ in range(100):
        if status == 200:
            break
        await asyncio.sleep(0.05)
        status, answer = await _post(f"{base}/validate", tls, body)
    assert status == 200
    assert answer["response"]["allowed"] is True


async def test_a_chunked_body_past_the_bound_gets_413(
    server: tuple[str, ssl.SSLContext, _Log],
) -> None:
    """Without Content-Length the bound is enforced while reading (client_max_size), not after."""

    async def chunks() -> AsyncIterator[bytes]:
        piece = b" " * (1 << 20)
        for _ in range(MAX_BODY_BYTES // len(piece) + 2):
            yield piece

    base, tls, _ = server
    async with (
        aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session,
        session.post(
            f"{base}/validate",
            data=chunks(),
            headers={"Content-Type": "application/json"},
            ssl=tls,
        ) as resp,
    ):
        assert resp.status == 413
        assert resp.content_type == "application/problem+json"
