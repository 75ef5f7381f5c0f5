"""Header injection and response splitting: CR/LF followed by a header or a status line.

A value copied into a response header (a redirect's ``Location``, a cookie) ends that header
where it holds a line break; what follows becomes a header of the attacker's choosing, or with a
blank line the start of the body. The detector flags a line break (after decoding) followed by a
header that changes what a browser or cache does (``Set-Cookie``, ``Location``,
``Content-Type``, ``Content-Length``, ``Transfer-Encoding``, ``Access-Control-*``,
``X-Forwarded-*``...) or whom the server believes it talks to (``Remote-Addr``, ``X-Real-IP``,
``X-Originating-IP``...), an HTTP status line, or a blank line and markup. A multi-line text
field ("Dear Sir,\\r\\nThanks") has line breaks but none of these and stays clean.

Two places never hold a line break in a legitimate request, so any one counts there
(:func:`detect_crlf_name`, :func:`detect_path_break`): a parameter's *name* (a form never
names a field with one; a header name split across lines is the injection), and the decoded
request path (nginx's ``fastcgi_split_path_info`` stops at ``%0A``: CVE-2019-11043).
"""

from __future__ import annotations

from vigil.signatures.detection import Attack, Detection, excerpt
from vigil.signatures.patterns import Pattern

MAX_SCAN = 16384
"""Characters of a value that are inspected (from the start)."""

ROUTE = r"[\r\n]"
"""RE2 pattern that every value this detector can flag matches."""
_INJECTED = Pattern(
    "(?i)"
    + r"[\r\n][\t ]*(?:(set-cookie|location|content-(?:type|length|disposition|security-policy|encoding)"
    r"|refresh|host|x-forwarded-(?:for|host|proto|server)|forwarded|transfer-encoding"
    r"|access-control-allow-[a-z-]+|x-xss-protection|link|cookie|x-frame-options|cache-control"
    r"|connection|upgrade|via|x-original-url|x-rewrite-url|strict-transport-security"
    r"|remote-(?:addr|ip|host)|x-(?:real|client|remote|originating)-(?:ip|addr)|client-ip"
    r"|true-client-ip|x-host|x-http-method-override)[\t ]*:"
    r"|(http/\d(?:\.\d)?[\t ]+\d{3})"
    r"|(\r?\n\r?\n[\t ]*<(?:html|script|body|svg|iframe|meta)))"
)


def detect_crlf(text: str) -> Detection | None:
    """A :class:`Detection` when a line break in ``text`` starts a header or a response."""
    if "\n" not in text and "\r" not in text:
        return None
    value = text[:MAX_SCAN]
    match = _INJECTED.search(value)
    if match is None:
        return None
    header, status, _ = match.groups()
    if header is not None:
        reason = f"line break then a {header.lower()} header"
    elif status is not None:
        reason = "line break then a status line"
    else:
        reason = "blank line then markup"
    return Detection(Attack.CRLF, reason, excerpt(value, match.start()))


def _line_break(text: str) -> int:
    positions = [p for p in (text.find("\r"), text.find("\n")) if p >= 0]
    return min(positions) if positions else -1


def detect_crlf_name(name: str) -> Detection | None:
    """A :class:`Detection` when a parameter ``name`` holds a line break."""
    where = _line_break(name[:MAX_SCAN])
    if where < 0:
        return None
    return Detection(
        Attack.CRLF, "line break in a parameter name", excerpt(name, max(0, where - 8))
    )


def detect_path_break(path: str) -> Detection | None:
    """A :class:`Detection` when the decoded request ``path`` holds a line break."""
    where = _line_break(path[:MAX_SCAN])
    if where < 0:
        return None
    return Detection(
        Attack.CRLF, "line break in the request path", excerpt(path, max(0, where - 8))
    )
