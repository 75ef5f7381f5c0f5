"""The Flask echo application (run by gunicorn), bare or behind the WSGI middleware."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, request

from tests.differential.echo import (
    ECHO_HEADER,
    dumps,
    echo_document,
    error_text,
    text_or_bytes,
    xml_reading,
)
from tests.differential.recorder import RecordingCore
from vigil.gate.wsgi import VigilWSGIMiddleware

METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]

app = Flask(__name__)
_recorder: RecordingCore | None = None


@app.route("/profile/<name>", methods=METHODS)
@app.route("/items/<a>/<b>", methods=METHODS)
@app.route("/", defaults={"rest": ""}, methods=METHODS)
@app.route("/<path:rest>", methods=METHODS)
def echo(**params: Any) -> Response:
    doc = echo_document(
        "flask",
        params={k: str(v) for k, v in params.items()},
        path=request.path,
        query=list(request.args.items(multi=True)),
        headers=list(request.headers.items()),
        cookies=list(request.cookies.items(multi=True)),
    )
    try:
        for key, value in request.form.items(multi=True):
            doc["form"].append([key, text_or_bytes(value)])
        for key, upload in request.files.items(multi=True):
            size = len(upload.read())
            doc["files"].append([key, upload.filename, upload.content_type, size])
    except Exception as exc:
        doc["form_error"] = error_text(exc)
    try:
        parsed = request.get_json(silent=False)
        if parsed is not None or request.is_json:
            doc["json"] = parsed
    except Exception as exc:
        doc["json_error"] = error_text(exc)
    doc.update(xml_reading(request.content_type or "", request.get_data(cache=True)))
    if _recorder is not None:
        doc["gate"] = _recorder.record(request.headers.get("x-request-id", ""))
    return Response(dumps(doc), mimetype="application/json", headers={ECHO_HEADER: "1"})


def gated() -> VigilWSGIMiddleware:
    """The echo application behind the gate's WSGI middleware (a gunicorn factory)."""
    global _recorder
    _recorder = RecordingCore()
    return VigilWSGIMiddleware(app.wsgi_app, _recorder)
