"""A ``Cookie`` header split into cookies the way the Python web stacks read it.

Starlette, Werkzeug and aiohttp all undo a quoted cookie value (``"\\047 OR 1=1"`` is
``' OR 1=1`` to the application: octal and backslash escapes, as ``http.cookies`` defines
them), so a gate that inspects the quoted text misses every quote hidden that way. A cookie
without ``=`` is, as browsers and Starlette read it (RFC 6265bis), a value with an empty name.

Two forms have no single reading, and the gate refuses them:

- whitespace inside a cookie followed by ``name=``: ``theme=dark session=x`` is ``theme`` =
  ``dark session=x`` to Starlette, a ``session`` cookie to aiohttp (its parser also splits on
  whitespace) and nothing to Werkzeug (:func:`hidden_cookie`);
- a quoted value holding a ``;``: ``s="a; PHPSESSID=x"`` is one ``s`` cookie to Werkzeug,
  aiohttp and ``http.cookies``, and the cookies ``s`` = ``"a`` and ``PHPSESSID`` to Starlette
  (:func:`quoted_separator`). Browsers never send it: a ``;`` ends a cookie value they store.
"""

from __future__ import annotations

import re

_ESCAPE = re.compile(r"\\(?:([0-3][0-7][0-7])|(.))", re.DOTALL)
_QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"')
_HIDDEN = re.compile(r'[^;\s]\s+[^\s=;"]+\s*=')
_QUOTED_VALUE = re.compile(r'=[ \t]*("(?:[^"\\]|\\.)*")', re.DOTALL)


def _unescape(match: re.Match[str]) -> str:
    octal, char = match.groups()
    return chr(int(octal, 8)) if octal else char


def unquote_cookie(value: str) -> str:
    """A cookie value without its quotes and escapes (as ``http.cookies`` reads it)."""
    if len(value) < 2 or value[0] != '"' or value[-1] != '"':
        return value
    inner = value[1:-1]
    return _ESCAPE.sub(_unescape, inner) if "\\" in inner else inner


def cookie_pairs(header: str, max_pairs: int) -> list[tuple[str, str]]:
    """The (name, value) pairs of a ``Cookie`` header, at most ``max_pairs`` of them.

    Names and values are stripped of whitespace and values unquoted; empty pieces are skipped.
    """
    pairs: list[tuple[str, str]] = []
    for piece in header.split(";", max_pairs)[:max_pairs]:
        name, sep, value = piece.partition("=")
        if not sep:
            name, value = "", name
        name, value = name.strip(), value.strip()
        if name or value:
            pairs.append((name, unquote_cookie(value)))
    return pairs


def hidden_cookie(header: str) -> bool:
    """Whether a ``Cookie`` header holds ``name=`` after whitespace inside a cookie (outside
    quotes), which aiohttp reads as a cookie of its own and Starlette as part of a value."""
    if "=" not in header:
        return False
    between = header.replace("; ", ";")
    if " " not in between and "\t" not in between:
        return False
    bare = _QUOTED.sub('""', header) if '"' in header else header
    return _HIDDEN.search(bare) is not None


def quoted_separator(header: str) -> bool:
    """Whether a ``Cookie`` header holds a quoted value with a ``;`` inside, which Starlette
    splits into cookies and Werkzeug, aiohttp and ``http.cookies`` read as one value."""
    if '"' not in header or ";" not in header:
        return False
    return any(";" in m.group(1) for m in _QUOTED_VALUE.finditer(header))
