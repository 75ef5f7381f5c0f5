"""The aiohttp echo application, served on a listening socket handed over by file descriptor.

Run as ``python -m tests.differential.echo_aiohttp FD``.
"""

from __future__ import annotations

import json
import socket
import sys

from aiohttp import web

from tests.differential.echo import (
    ECHO_HEADER,
    dumps,
    echo_document,
    error_text,
    text_or_bytes,
    xml_reading,
)


async def echo(request: web.Request) -> web.Response:
    doc = echo_document(
        "aiohttp",
        params=dict(request.match_info),
        path=request.path,
        query=list(request.query.items()),
        headers=list(request.headers.items()),
        cookies=list(request.cookies.items()),
    )
    try:
        form = await request.post()
        for key, value in form.items():
            if isinstance(value, web.FileField):
                size = len(value.file.read())
                doc["files"].append([key, value.filename, value.content_type, size])
            else:
                doc["form"].append([key, text_or_bytes(value)])
    except Exception as exc:
        doc["form_error"] = error_text(exc)
    try:
        if request.body_exists and await request.read():
            doc["json"] = await request.json(loads=json.loads)
    except Exception as exc:
        doc["json_error"] = error_text(exc)
    if request.body_exists:
        doc.update(xml_reading(request.headers.get("content-type", ""), await request.read()))
    return web.Response(
        body=dumps(doc), content_type="application/json", headers={ECHO_HEADER: "1"}
    )


def app() -> web.Application:
    """The echo application."""
    application = web.Application()
    for pattern in ("/profile/{name}", "/items/{a}/{b}", "/{rest:.*}"):
        application.router.add_route("*", pattern, echo)
    return application


if __name__ == "__main__":
    listener = socket.socket(fileno=int(sys.argv[1]))
    web.run_app(app(), sock=listener, print=None, access_log=None, handle_signals=True)
