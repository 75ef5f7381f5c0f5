"""Header parameters (``type; name=value; ...``) read strictly, with what makes them ambiguous.

``Content-Type`` and a multipart part's ``Content-Disposition`` carry parameters that decide how
a body is read: the boundary, the charset, a field's name, whether a part is a file. Mainstream
parsers disagree on every irregular form: python-multipart keeps the last of two ``boundary``
parameters, the standard library's email parser the first; Werkzeug decodes RFC 2231 ``name*``
and ``%22``, python-multipart ignores both; whitespace around ``=`` hides a parameter from
Werkzeug but not from python-multipart; backslash escapes are undone by some and kept by
others. :func:`parse_parameters` accepts the one form they all read alike (RFC 9110 section
5.6.6: tokens and quoted strings without escapes, no repeated name) and says what else it met,
so the gate can refuse such a request instead of guessing which reading the application uses.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
"""One or more RFC 9110 ``tchar``."""

CACHE = 256
"""Distinct header values whose parse is remembered (least recently used dropped)."""


@dataclass(frozen=True, slots=True)
class Parameters:
    """A parsed header value: its leading value (lower-case), its parameters, and any problem.

    ``params`` maps lower-case parameter names (``name*`` kept apart from ``name``) to their
    unquoted values. ``problem`` is empty for a value every mainstream parser reads alike, else
    a short human reason; the parameters read up to the problem are kept.
    """

    value: str
    params: Mapping[str, str] = field(default_factory=dict)
    problem: str = ""

    def get(self, name: str) -> str | None:
        """The value of parameter ``name`` (lower-case), or None."""
        return self.params.get(name)


def is_token(text: str) -> bool:
    """Whether ``text`` is a non-empty RFC 9110 token."""
    return _TOKEN.fullmatch(text) is not None


def _quoted(text: str, start: int) -> tuple[str, int, str]:
    end = text.find('"', start + 1)
    if end < 0:
        return "", len(text), "an unterminated quoted string"
    inner = text[start + 1 : end]
    if "\\" in inner:
        return inner, end + 1, "a backslash in a quoted string"
    return inner, end + 1, ""


@functools.lru_cache(maxsize=CACHE)
def parse_parameters(header: str) -> Parameters:
    """Parse ``value *( OWS ";" OWS name "=" ( token / quoted-string ) )``.

    Empty parameters (``;;``, a trailing ``;``) are skipped. A problem is reported for: a
    repeated parameter name (case-insensitive), a parameter without ``=`` or with whitespace
    around it, a value that is neither a token nor a quoted string, a backslash inside a
    quoted string, an unterminated quote.
    """
    head, sep, rest = header.partition(";")
    params: dict[str, str] = {}
    result = Parameters(head.strip(" \t").lower(), MappingProxyType(params))
    if not sep:
        return result
    pos, length = 0, len(rest)
    while pos < length:
        while pos < length and rest[pos] in " \t;":
            pos += 1
        if pos >= length:
            break
        eq = rest.find("=", pos)
        semi = rest.find(";", pos)
        if eq < 0 or 0 <= semi < eq:
            return _problem(result, "a parameter without a value")
        name = rest[pos:eq]
        if not is_token(name):
            return _problem(result, "an invalid parameter name or space around '='")
        pos = eq + 1
        if pos < length and rest[pos] == '"':
            value, pos, problem = _quoted(rest, pos)
            if problem:
                return _problem(result, problem)
        else:
            end = semi if semi >= 0 else length
            value = rest[pos:end].rstrip(" \t")
            if not is_token(value):
                return _problem(result, "a parameter value that is neither a token nor quoted")
            pos = end
        while pos < length and rest[pos] in " \t":
            pos += 1
        if pos < length and rest[pos] != ";":
            return _problem(result, "text after a quoted parameter value")
        key = name.lower()
        if key in params:
            return _problem(result, f"the parameter {key[:32]!r} twice")
        params[key] = value
    return result


def _problem(partial: Parameters, problem: str) -> Parameters:
    return Parameters(partial.value, partial.params, problem)
