"""Cross-site scripting: would this value run script if a page showed it?

A value is shown in one of three places: between tags (HTML content), inside an attribute, or
inside a script. The detector reads it in each:

* markup that makes a parser fetch: external entities (XXE), XInclude, ``<?import``;
* HTML content: a tag that runs or loads script (``<script``, ``<iframe``, ``<svg``, ``<object``,
  ``<base``, ``<meta``...), any tag with an event handler (``<img src=x onerror=...>``) or a
  script URL in a link attribute, and closing tags that break out of a raw-text element
  (``</script>``, ``</textarea>``);
* an attribute: an event handler attribute (``" onmouseover=...``) or script in a style value
  (``x:expression(...)``, ``url(javascript:...)``), with or without a quote closing the
  attribute the value was put in;
* a script: a quote followed by an operator and a call of a script sink (``';alert(1)//``),
  a sink called with a probe-like argument (``alert(document.cookie)``), and ``javascript:``
  URLs, also when written with HTML entities or control characters inside (``jav&#x09;ascript:``).

Harmless markup and look-alikes stay clean: ``<b>bold</b>``, ``a < b``, ``I <3 you``,
``<john@example.com>``, Markdown, ``rock & roll``, a code snippet such as ``if (a<b && c>d)``.
All expressions are linear (no nested quantifiers) and each finds its first hit in one pass.
"""

from __future__ import annotations

import html

from vigil.signatures.detection import Attack, Detection, excerpt
from vigil.signatures.patterns import Pattern

MAX_SCAN = 16384
"""Characters of a value that are inspected (from the start)."""
MAX_TAGS = 256
"""Tags examined in one value."""

DANGEROUS_TAGS = frozenset({
    "script", "iframe", "frame", "frameset", "object", "embed", "applet", "base", "meta", "link",
    "style", "svg", "math", "import", "portal", "xss", "vmlframe", "isindex", "bgsound", "layer",
    "ilayer", "handler", "listener",
})  # fmt: skip
"""Elements that run or load script, change the base URL or restyle the page on their own."""
RAW_TEXT_TAGS = frozenset({"script", "style", "textarea", "title", "noscript", "xmp", "iframe"})
"""Elements whose closing tag, in a value, breaks out of the element the page put it in."""
SINKS = (
    "alert|prompt|confirm|eval|settimeout|setinterval|function|execscript|fetch|import|"
    "document\\.write(?:ln)?|print|atob|open"
)

_TAG = Pattern("(?i)" + r"<\s*(/?)\s*([a-z][a-z0-9:_-]*)([^<>]*)(>?)")
_HANDLER = Pattern("(?i)" + r"(?:^|[\s/\"'`;])(on[a-z]{3,40})\s*=")
_BREAKOUT = Pattern("(?i)" + r"[\s\"'`](on[a-z]{3,40})\s*=\s*(?:[\"'`]|[^\s\"'`]{0,80}?[(`])")
"""An event handler outside a tag needs a quoted or call-like value: ``online=yes`` is prose."""
_SCRIPT_URL = Pattern(
    "(?i)"
    + r"(?:^|[\s\"'`=(,;:])(?:java|vb|live)script:|data:\s*(?:text/html|image/svg\+xml|application/x)"
)
_LINK_ATTRIBUTE = Pattern(
    "(?i)"
    + r"(?:href|src|action|formaction|data|xlink:href|srcdoc|background|poster|lowsrc|dynsrc|codebase)\s*="
)
_STYLE_SCRIPT = Pattern(
    "(?i)" + r"expression\s*\(|url\s*\(\s*['\"]?\s*javascript:|-moz-binding|behavior\s*:"
)
_JS_BREAKOUT = Pattern(
    "(?i)"
    + r"[\"'`]\s*(?:[-+*/%;,|&^)]|\?\?)\s*(?:[a-z_$][\w$]*\s*\.\s*)?(?:"
    + SINKS
    + r")\s*[(`]"
)
_SINK_PROBE = Pattern(
    "(?i)"
    + r"(?:^|[^\w.$])(?:alert|prompt|confirm|eval|settimeout|setinterval|execscript)\s*(?:\(|`)\s*"
    r"(?:[\d\"'`/)]|document\b|window\b|this\b|self\b|top\b|parent\b|string\s*\.|atob\b|unescape\b)"
)
_DOM_THEFT = Pattern(
    "(?i)"
    + r"\b(?:document\s*\.\s*(?:cookie|domain|location)|window\s*\.\s*location|localstorage\s*\.)"
    r"\s*(?:[;=+)\]]|$)"
)
ROUTE = (
    r"<|\bon[a-z]{3,}\s*=|script\s*:|data\s*:|&#|&[a-z]{2,8};|\\u00|\\x3c"
    r"|\b(?:alert|prompt|confirm|eval|settimeout|setinterval|execscript|fetch|import|print|atob|open"
    r"|document|window|localstorage)\b|expression\s*\(|-moz-binding|behavior\s*:|url\s*\("
    r"|[\x00-\x08\x0b\x0c\x0e-\x1f]"
)
"""RE2 pattern (case-insensitive) that every value this detector can flag matches."""
_XML_INJECTION = Pattern(
    "(?i)" + r"<!ENTITY\s|<!DOCTYPE[^>]{0,256}\[|\bxi:include\b|xmlns:xi\s*=|<\?import\b"
    r"|<[a-z_][\w.-]{0,31}:include\b|\bw3\.org/200[13]/xinclude\b"
)
"""External entities (XXE), XInclude (any prefix, or its namespace) and IE's ``<?import``:
markup that makes a parser fetch."""
_INVISIBLE = Pattern(r"[\x00-\x20\x7f]+")


def _tags(text: str) -> tuple[str, int] | None:
    for count, match in enumerate(_TAG.finditer(text)):
        if count >= MAX_TAGS:
            break
        closing, name, attributes, end = match.groups()
        name = name.lower()
        if closing:
            if name in RAW_TEXT_TAGS and (end or match.end() == len(text)):
                return f"closing </{name}> tag breaks out of its element", match.start()
            continue
        boundary = attributes[:1]
        if name in DANGEROUS_TAGS and (end or not boundary or boundary in " \t\r\n/"):
            return f"<{name}> element", match.start()
        if not attributes:
            continue
        handler = _HANDLER.search(attributes)
        if handler is not None:
            return f"event handler {handler.group(1).lower()} in <{name}>", match.start()
        decoded = _INVISIBLE.sub("", html.unescape(attributes))
        if _LINK_ATTRIBUTE.search(decoded) and _SCRIPT_URL.search(decoded):
            return f"script URL in <{name}>", match.start()
        if "style" in attributes.lower() and _STYLE_SCRIPT.search(decoded):
            return f"script in a style attribute of <{name}>", match.start()
    return None


def _attribute_breakout(text: str) -> tuple[str, int] | None:
    handler = _BREAKOUT.search(text)
    if handler is not None:
        return f"event handler attribute {handler.group(1).lower()}", handler.start()
    style = _STYLE_SCRIPT.search(text)
    if style is not None:
        return "script in a style value", style.start()
    return None


def detect_xss(text: str) -> Detection | None:
    """A :class:`Detection` when ``text`` would run script in an HTML page."""
    value = text[:MAX_SCAN]
    found = _tags(value) if "<" in value else None
    if found is None and "<" in value:
        xml = _XML_INJECTION.search(value)
        if xml is not None:
            found = "external entity or XInclude", xml.start()
    if found is None:
        found = _attribute_breakout(value)
    if found is None:
        breakout = _JS_BREAKOUT.search(value)
        if breakout is not None:
            found = "quote then script sink call", breakout.start()
    if found is None:
        probe = _SINK_PROBE.search(value)
        if probe is not None:
            found = "script sink called with a probe", probe.start()
    if found is None:
        theft = _DOM_THEFT.search(value)
        if theft is not None:
            found = "read of document.cookie or location", theft.start()
    if found is None:
        flat = (
            _INVISIBLE.sub("", html.unescape(value))
            if ("&" in value or not value.isprintable())
            else value
        )
        url = _SCRIPT_URL.search(flat) or _SCRIPT_URL.search(value)
        if url is not None:
            source = flat if _SCRIPT_URL.search(flat) else value
            rest = source[url.end() : url.end() + 1]
            if rest and not rest.isspace():
                found = "script URL", 0
    if found is None:
        return None
    reason, at = found
    return Detection(Attack.XSS, reason, excerpt(value, at))
