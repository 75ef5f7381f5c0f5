"""NoSQL operator injection: MongoDB query operators where a plain value was expected.

A login that runs ``db.users.find({user: body.user, pass: body.pass})`` returns the first user
when the client sends ``{"user": "admin", "pass": {"$ne": ""}}`` as JSON, or
``pass[$ne]=`` as a form or query (Express's ``qs`` turns brackets into objects). So the signs
are operator names as keys: a field path component ``$ne`` (``json.pass.$ne``,
``form.pass[$ne]``) or an operator object written inside a value (``{"$gt": ""}``), and
``$where`` with JavaScript. Keys such as ``$schema``, ``$id`` or ``$ref`` (JSON Schema) and
prices (``$5``) are not operators and stay clean.
"""

from __future__ import annotations

from vigil.signatures.detection import Attack, Detection, excerpt
from vigil.signatures.patterns import Pattern

OPERATORS = (
    "ne|eq|gt|gte|lt|lte|in|nin|regex|where|exists|expr|or|and|nor|not|elemmatch|all|size|type|"
    "mod|text|search|function|accumulator|lookup|jsonschema|options|slice|comment|set|unset|"
    "rename|inc|push|pull|addtoset|merge|out|group|project|match|unionwith|graphlookup"
)
ROUTE = r"\$"
"""RE2 pattern that every value this detector can flag matches."""
_KEY = Pattern("(?i)" + r"(?:^|[.\[{\"',\s])\$(" + OPERATORS + r")(?:$|[\[\].\"'\s:=}])")
_WHERE_JS = Pattern(
    "(?is)" + r"\$where\b.{0,64}?(?:this\.|function\s*\(|sleep\s*\(|return\b|while\s*\()"
)


def detect_nosql(text: str) -> Detection | None:
    """A :class:`Detection` when ``text`` (a value or a field's key) carries a query operator."""
    if "$" not in text:
        return None
    value = text[:4096]
    where = _WHERE_JS.search(value)
    if where is not None:
        return Detection(Attack.NOSQL, "$where with JavaScript", excerpt(value, where.start()))
    key = _KEY.search(value)
    if key is not None:
        return Detection(
            Attack.NOSQL, f"query operator ${key.group(1).lower()}", excerpt(value, key.start())
        )
    return None
