"""LDAP filter injection: a value that closes the application's filter and opens another.

An application that looks a user up with ``(&(uid=INPUT)(userPassword=...))`` hands the
directory whatever filter the value completes. The injection always has one shape, from how
RFC 4515 filters nest: the value closes the current assertion with ``)`` and opens a new
component with ``(``, which starts either a composition (``(&``, ``(|``, ``(!``: ``*)(|(uid=*``,
``x)(!(cn=*``), the absolute filters ``(&)`` and ``(|)``, or a new assertion
``attribute=``, ``~=``, ``>=``, ``<=`` (``admin)(cn>=a``). Any whitespace may separate the
parentheses of a composition; a new assertion counts only with tabs or line breaks between them,
as prose puts a space there (``Call us (home) (ext=12)``). Prose with parentheses (``(see
above) (2)``, ``Wow (really) (!)``) and code (``f(a)(b => c)``, ``(x)(y == 2)``) lacks the
operator or the assertion and passes. The ``)`` must close a component the value did not
open: a value that is a whole filter (``(objectClass=user)(&(cn=a))``, from a directory search
form) or prose whose parentheses balance (``f(x)(y=1)``) is not closing the application's.
"""

from __future__ import annotations

from vigil.signatures.detection import Attack, Detection, excerpt
from vigil.signatures.patterns import Pattern

MAX_SCAN = 16384
"""Characters of a value that are inspected (from the start)."""
MAX_CANDIDATES = 16
"""``)(`` places of one value that are examined."""

ROUTE = r"\)\s*(?:[&|!]\s*)?\("
"""RE2 pattern (case-insensitive) that every value this detector can flag matches."""
_INJECTED = Pattern(
    r"\)\s*(?:[&|!]\s*)?\(\s*(?:([&|])\s*(?:[()]|$)|(!)\s*\()"
    r"|\)[\t\r\n]*(?:[&|!][\t\r\n]*)?\([\t\r\n]*([A-Za-z][\w.;-]{0,63})[\t\r\n]*([~<>]?=)(?:[^=>]|$)"
)


def detect_ldap(text: str) -> Detection | None:
    """A :class:`Detection` when ``text`` closes an LDAP filter component and opens another."""
    if ")" not in text:
        return None
    value = text[:MAX_SCAN]
    found = None
    for count, candidate in enumerate(_INJECTED.finditer(value)):
        if count >= MAX_CANDIDATES:
            return None
        before = value[: candidate.start()]
        if before.count("(") <= before.count(")"):
            found = candidate
            break
    if found is None:
        return None
    operator, negation, attribute, comparison = found.groups()
    if attribute is not None:
        reason = f"filter closed then a new {attribute[:32]}{comparison} assertion"
    else:
        reason = f"filter closed then a new {operator or negation} component"
    return Detection(Attack.LDAP, reason, excerpt(value, found.start()))
