"""What a built-in detector reports: the attack class and a reason a person can check.

Detectors look at one decoded, normalised value and answer with a :class:`Detection` or None.
The reason says which structure was recognised (``string break then OR tautology``), and the
evidence is the part of the value that showed it, cut to :data:`EVIDENCE_LIMIT` characters so a
report never carries a whole attacker-controlled value.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

EVIDENCE_LIMIT = 64
"""Longest excerpt of a value that a detection carries."""


class Attack(StrEnum):
    """Attack classes of the request-side detectors; the value is the detector's name."""

    SQLI = "sqli"
    """SQL injection: a value that changes the structure of a query it is pasted into."""
    XSS = "xss"
    """Cross-site scripting: markup or script that runs when the value is shown in a page."""
    TRAVERSAL = "traversal"
    """Path traversal and local file inclusion: ``../``, sensitive system files."""
    COMMAND = "command"
    """OS command injection: a shell separator or substitution followed by a command."""
    SSRF = "ssrf"
    """Server-side request forgery: a URL that points inside (loopback, private, metadata)."""
    TEMPLATE = "template"
    """Server-side template injection: an expression for a template engine to evaluate."""
    JNDI = "jndi"
    """Log4Shell: a JNDI lookup, obfuscated or not, for a Java logger to resolve."""
    NOSQL = "nosql"
    """NoSQL operator injection: MongoDB query operators in keys of JSON, forms or queries."""
    CRLF = "crlf"
    """Header injection or response splitting: CR/LF followed by a header or status line."""
    JAVA = "java"
    """Java gadget classes, serialized objects, OGNL and class-loader reach-ins."""
    PHP = "php"
    """PHP code injection: open tags, superglobals, command and eval calls, serialized objects."""
    UPLOAD = "upload"
    """A multipart file named as a server-side script (``shell.php``)."""
    RFI = "rfi"
    """Remote file inclusion: a URL or UNC path shaped as the target of an include."""
    SESSION_FIXATION = "session-fixation"
    """Session fixation: a value that sets a cookie, or a session id handed in a parameter."""
    PROTOCOL = "protocol"
    """An HTTP message inside a value: a request line or a framing header for smuggling."""
    LDAP = "ldap"
    """LDAP filter injection: a value that closes the filter it is pasted into and opens another."""
    NODEJS = "nodejs"
    """Node.js injection: prototype pollution, node-serialize functions, process reach-ins."""


class Leak(StrEnum):
    """Classes of the response-side leak detectors."""

    STACK_TRACE = "stack-trace"
    """A stack trace or a framework's debug error page."""
    SQL_ERROR = "sql-error"
    """A database or driver error message."""
    SECRET = "secret"  # noqa: S105 - a class name, not a password
    """A credential: cloud access key, private key, token, JWT."""
    INTERNAL_ADDRESS = "internal-address"
    """A private, loopback or link-local address or internal host name."""
    WEB_SHELL = "web-shell"
    """The page of a web shell: the service answers for an attacker's tool."""


@dataclass(frozen=True, slots=True)
class Detection:
    """One finding of a detector in one value."""

    kind: Attack | Leak
    reason: str
    """What was recognised, e.g. ``union select``."""
    evidence: str
    """The excerpt of the value that showed it (at most :data:`EVIDENCE_LIMIT` characters)."""

    @property
    def detector(self) -> str:
        """The name of the detector that found it (the class's value)."""
        return self.kind.value


def excerpt(text: str, start: int = 0, end: int | None = None) -> str:
    """At most :data:`EVIDENCE_LIMIT` characters of ``text`` from ``start`` (to ``end``)."""
    stop = len(text) if end is None else end
    stop = min(stop, start + EVIDENCE_LIMIT)
    return text[max(0, start) : stop]
