"""Protocol attacks carried in values: an HTTP message, or its framing, inside a parameter.

A value that a back end splices into a raw HTTP message (a proxying endpoint, a webhook
sender, a request built by string concatenation) can carry a second message: a request line
(``GET http://internal/ HTTP/1.1``) or a framing header (``Transfer-Encoding: chunked``,
``Content-Length: 0``) that makes the next hop read the stream differently than the first one
did (request smuggling). Apache's ``mod_proxy`` took a ``unix:`` socket path followed by
``|`` and a URL from the request (CVE-2021-40438) and connected wherever the URL pointed.

The detector flags a request line that starts the value or a line of it and ends its line
(``METHOD target HTTP/x.y``, the method in capitals as servers require it), a value that is a
framing header line, and a ``unix:...|scheme://`` proxy target. A sentence about HTTP
(``I send GET /api HTTP/1.1 and get 404``, ``get it over http/2``) neither starts with a request
line nor ends one. A line break followed by a response status line or another header is
:mod:`vigil.signatures.crlf`'s; requests that parsers read in more than one way are refused
before inspection (:mod:`vigil.http.ambiguity`).
"""

from __future__ import annotations

from vigil.signatures.detection import Attack, Detection, excerpt
from vigil.signatures.patterns import Pattern

MAX_SCAN = 16384
"""Characters of a value that are inspected (from the start)."""

METHODS = (
    "GET|POST|HEAD|PUT|DELETE|OPTIONS|PATCH|TRACE|TRACK|CONNECT|PROPFIND|PROPPATCH|MKCOL|COPY"
    "|MOVE|LOCK|UNLOCK|SEARCH|REPORT|PURGE"
)
"""Request methods of HTTP and WebDAV, as they start a request line."""

ROUTE = r"http/\d|unix:|transfer-encoding|content-length"
"""RE2 pattern (case-insensitive) that every value this detector can flag matches."""
_REQUEST_LINE = Pattern(
    r"(?:^|[\r\n])[\t ]*(" + METHODS + r")[\t ]+\S+[\t ]+HTTP/\d(?:\.\d)?[\t ]*(?:[\r\n]|$)"
)
_FRAMING_LINE = Pattern("(?i)" + r"^\s*(transfer-encoding|content-length)[\t ]*:")
_UNIX_SOCKET = Pattern("(?i)" + r"\bunix:[^|\r\n]*\|[\t ]*[a-z][a-z0-9+.-]{0,15}:")


def detect_protocol(text: str) -> Detection | None:
    """A :class:`Detection` when ``text`` carries an HTTP request line, a framing header line
    or a ``mod_proxy`` socket target."""
    value = text[:MAX_SCAN]
    line = _REQUEST_LINE.search(value)
    if line is not None:
        broken = value[line.start() : line.start() + 1] in {"\r", "\n"}
        reason = "request line after a line break" if broken else "request line"
        return Detection(
            Attack.PROTOCOL, f"{reason} ({line.group(1)})", excerpt(value, line.start(1))
        )
    framing = _FRAMING_LINE.search(value)
    if framing is not None:
        return Detection(
            Attack.PROTOCOL,
            f"{framing.group(1).lower()} header line",
            excerpt(value, framing.start(1)),
        )
    socket = _UNIX_SOCKET.search(value)
    if socket is not None:
        return Detection(
            Attack.PROTOCOL, "unix: socket path then a proxy URL", excerpt(value, socket.start())
        )
    return None
