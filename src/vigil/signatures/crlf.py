"""Header injection and response splitting: CR/LF followed by a header or a status line.

A value copied into a response header (a redirect's ``Location``, a cookie) ends that header
where it holds a line break; what follows becomes a header of the attacker's choosing, or with a
blank line the start of the body. The detector flags a line break (after decoding) followed by a
header that changes what a browser or cache does (``Set-Cookie``, ``Location``,
``Content-Type``, ``Content-Length``, ``Transfer-Encoding``, ``Access-Control-*``,
``X-Forwarded-*``...), an HTTP status line, or a blank line and markup. A multi-line text field
("Dear Sir,\\r\\nThanks") has line breaks but none of these and stays clean.
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
    r"|connection|upgrade|via|x-original-url|x-rewrite-url|strict-transport-security)[\t ]*:"
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
