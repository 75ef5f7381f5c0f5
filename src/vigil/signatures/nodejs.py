"""Node.js injection: prototype pollution, serialized functions and reach-ins to the process.

Node.js services are exploited through what their libraries do with request data: a key named
``__proto__`` (or ``constructor[prototype]``) that a deep merge or a query-string parser walks
into ``Object.prototype`` (prototype pollution: lodash, jQuery, minimist, qs advisories), a
``node-serialize`` object whose ``_$$ND_FUNC$$_`` marker makes ``unserialize`` run a function
(CVE-2017-5941), and code for an ``eval``/``vm`` sink that reaches the process:
``require('child_process')``, ``process.mainModule``, ``this.constructor.constructor(...)``.

Such payloads are often written with JavaScript escapes (``\\u005f\\u005fproto\\u005f\\u005f``,
``\\x72equire``), which JSON and JavaScript undo before the code sees them; a value holding
escapes is read once more with them undone (at most :data:`MAX_SCAN` characters). Prose about
JavaScript (``the constructor's prototype``, ``require a process``) carries none of these forms.
"""

from __future__ import annotations

import re

from vigil.signatures.detection import Attack, Detection, excerpt
from vigil.signatures.patterns import Pattern

MAX_SCAN = 16384
"""Characters of a value that are inspected (from the start)."""

_POLLUTION = Pattern(
    r"(?i)__proto__|\bconstructor\s*(?:\.\s*|\[\s*['\"]?\s*)prototype\b"
    r"|\bprototype\s*(?:\.\s*|\[\s*['\"]?\s*)(?:constructor|__proto__)\b"
)
_SERIALIZED = Pattern(r"(?i)_\$\$nd_func\$\$_")
_REACH = Pattern(
    r"(?i)\brequire\s*\(\s*['\"`](?:node:)?(?:child_process|fs|vm|net|os|process|worker_threads)['\"`]"
    r"|\bchild_process\b\s*['\"`]?\s*\)?\s*\.\s*(?:exec|execsync|execfile|spawn|spawnsync|fork)\b"
    r"|\bprocess\s*\.\s*(?:mainmodule|binding|dlopen)\b"
    r"|\bglobal\s*\.\s*process\b"
    r"|\bconstructor\s*\.\s*constructor\s*\("
    r"|\bfunction\s*\(\s*\)\s*\{[^}]{0,256}\brequire\s*\("
)
ROUTE = (
    r"__proto__|prototype|_\$\$nd_func\$\$_|child_process|require|mainmodule|global\s*\.\s*process"
    r"|process\s*\.\s*(?:binding|dlopen)|constructor\s*\.\s*constructor|\\u00|\\x[0-9a-f]{2}"
)
"""RE2 pattern (case-insensitive) that every value this detector can flag matches."""

_ESCAPE = re.compile(r"\\(?:u\{([0-9a-fA-F]{1,6})\}|u([0-9a-fA-F]{4})|x([0-9a-fA-F]{2}))")


def _unescape(match: re.Match[str]) -> str:
    digits = next(group for group in match.groups() if group is not None)
    code = int(digits, 16)
    return chr(code) if code <= 0x10FFFF else match.group()


def unescape_js(text: str) -> str:
    """``text`` with JavaScript's ``\\uXXXX``, ``\\u{X...}`` and ``\\xXX`` escapes undone."""
    return _ESCAPE.sub(_unescape, text) if "\\" in text else text


def detect_nodejs(text: str) -> Detection | None:
    """A :class:`Detection` when ``text`` pollutes a prototype, holds a serialized function or
    reaches the Node.js process, as written or with its JavaScript escapes undone."""
    value = text[:MAX_SCAN]
    found = _find(value)
    if found is None and "\\" in value:
        unescaped = unescape_js(value)
        if unescaped != value:
            found = _find(unescaped)
            if found is not None:
                return Detection(
                    Attack.NODEJS, f"{found.reason} (JavaScript escapes)", found.evidence
                )
    return found


def _find(value: str) -> Detection | None:
    serialized = _SERIALIZED.search(value)
    if serialized is not None:
        return Detection(
            Attack.NODEJS, "node-serialize function marker", excerpt(value, serialized.start())
        )
    pollution = _POLLUTION.search(value)
    if pollution is not None:
        return Detection(Attack.NODEJS, "prototype pollution", excerpt(value, pollution.start()))
    reach = _REACH.search(value)
    if reach is not None:
        return Detection(
            Attack.NODEJS, "Node.js process reached from data", excerpt(value, reach.start())
        )
    return None
