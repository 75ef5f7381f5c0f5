"""The Starlette echo application (run by uvicorn), bare or behind the ASGI middleware."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.differential.echo import (
    ECHO_HEADER,
    dumps,
    echo_document,
    error_text,
    text_or_bytes,
    xml_reading,
)
from tests.differential.recorder import RecordingCore
from vigil.gate.asgi import VigilASGIMiddleware

METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]

_recorder: RecordingCore | None = None


async def echo(request: Request) -> Response:
    doc = echo_document(
        "starlette",
        params={k: str(v) for k, v in request.path_params.items()},
        path=request.scope["path"],
        query=request.query_params.multi_items(),
        headers=request.headers.items(),
        cookies=list(request.cookies.items()),
    )
    body = await request.body()
    try:
        form = await request.form()
        for key, value in form.multi_items():
            if isinstance(value, UploadFile):
                doc["files"].append([key, value.filename, value.content_type, value.size])
            else:
                doc["form"].append([key, text_or_bytes(value)])
    except Exception as exc:
        doc["form_error"] = error_text(exc)
    if body:
        try:
            doc["json"] = await request.json()
        except Exception as exc:
            doc["json_error"] = error_text(exc)
    doc.update(xml_reading(request.headers.get("content-type", ""), body))
    if _recorder is not None:
        doc["gate"] = _recorder.record(request.headers.get("x-request-id", ""))
    return Response(dumps(doc), media_type="application/json", headers={ECHO_HEADER: "1"})


def app() -> Starlette:
    """The bare echo application (a uvicorn factory)."""
    return Starlette(
        routes=[
            Route("/profile/{name}", echo, methods=METHODS),
            Route("/items/{a}/{b}", echo, methods=METHODS),
            Route("/{rest:path}", echo, methods=METHODS),
        ]
    )


def gated() -> VigilASGIMiddleware:
    """The echo application behind the gate's ASGI middleware (a uvicorn factory)."""
    global _recorder
    _recorder = RecordingCore()
    return VigilASGIMiddleware(app(), _recorder)
