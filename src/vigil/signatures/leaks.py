"""Leaks in responses: what an exploited or failing service says that it should not.

An injection that works often shows itself in the answer before anywhere else: the database's
error message, a stack trace or a framework's debug page, a key read from a file, the address of
a pod. Each detector here reads a response body (or header value) as text and reports the first
sign of its class:

* stack traces and debug pages of Python, Java, Node.js, PHP, Go, .NET, Ruby/Rails and the
  frameworks that print them (Django, Werkzeug, Laravel, Symfony, Spring, Tomcat, IIS);
* SQL and driver errors of MySQL, PostgreSQL, MSSQL, Oracle, SQLite and generic JDBC/ODBC;
* secrets: private keys, cloud access keys (AWS, Google, Azure), service tokens (GitHub, Slack,
  Stripe) and JWTs;
* internal addresses: private, loopback and link-local IPv4, and cluster host names;
* web shells: the page of an attacker's tool (``r57``, ``WSO``...) answering for the service.

How serious a leak is depends on its class (:data:`SEVERITY`): a private key is never normal in
an answer, while a JWT is the whole point of a login route, so it only counts with other signs.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import IntEnum
from typing import Protocol

import re2

from vigil.signatures.detection import Detection, Leak, excerpt

MAX_SCAN = 262144
"""Characters of a response body that are read (from the start)."""


class Match(Protocol):
    """The part of an RE2 match the detectors read."""

    def start(self, group: int = 0) -> int:
        """Where the match (or ``group``) starts."""
        ...

    def group(self, group: int = 0) -> str:
        """The matched text (or ``group``'s)."""
        ...


class Program(Protocol):
    """An RE2 program: linear in the text, whatever the pattern, unlike backtracking ``re``."""

    @property
    def pattern(self) -> str:
        """The expression the program was compiled from."""
        ...

    def search(self, text: str, pos: int = 0, endpos: int = ...) -> Match | None:
        """The first match in ``text[pos:endpos]``."""
        ...


_OPTIONS = re2.Options()
_OPTIONS.log_errors = False
_OPTIONS.max_mem = 32 << 20


_PATTERNS: list[str] = []


def _program(pattern: str) -> Program:
    _PATTERNS.append(pattern)
    program: Program = re2.compile(pattern, _OPTIONS)
    return program


class Weight(IntEnum):
    """How much a leak says about an exploited service (mapped to alert severities)."""

    LOW = 1
    MEDIUM = 3
    HIGH = 6


_STACK = _program(
    r"Traceback \(most recent call last\):"
    r"|File \"[^\"\n]{1,256}\", line \d+, in \w+"
    r"|\bat [\w$.<>]+\([\w$]+\.(?:java|kt|scala):\d+\)"
    r"|Exception in thread \"[^\"\n]{1,64}\""
    r"|\bat (?:[\w$.<>]+ )?\((?:/|[a-z]:\\|node:internal/|file://)[^)\n]{1,256}:\d+:\d+\)"
    r"|<b>(?:Fatal error|Parse error|Warning|Notice|Deprecated)</b>:\s"
    r"|PHP (?:Fatal error|Parse error|Warning|Notice):\s"
    r"|Stack trace:\s*#0 "
    r"|goroutine \d+ \[running\]:|\bpanic: .{1,200}\n\s*goroutine"
    r"|\.go:\d+ \+0x[0-9a-f]+"
    r"|Server Error in '[^'\n]{0,128}' Application"
    r"|\bat System\.[\w.`]+\(|\.cs:line \d+"
    r"|\bSystem\.(?:NullReference|InvalidOperation|Argument|IndexOutOfRange|Data\.\w+)Exception"
    r"|[\w/.-]{1,128}\.rb:\d+:in `"
    r"|ActionController::\w+Error|ActiveRecord::\w+"
    r"|You're seeing this error because you have <code>DEBUG = True</code>"
    r"|Werkzeug Debugger|Whoops! There was an error\.|Symfony\\Component\\[\w\\]+Exception"
    r"|Whitelabel Error Page|org\.apache\.catalina\.\w+|javax?\.servlet\.ServletException"
    r"|<title>(?:Apache Tomcat/[\d.]+ - Error report|IIS [\d.]+ Detailed Error|\d{3}\.\d{1,2} - )"
    r"|\b(?:java|javax|org|com|net|io)(?:\.[A-Za-z_]\w*){2,}(?:Exception|Error)\b"
    r"|\bSystem\.Web\.\w+Exception|\bHttp\w*Exception: "
    r"|\b(?:NoMethodError|NameError|ArgumentError|ActionView::Template::Error)\b[^\n]{0,40}"
    r"(?:undefined|wrong number|for #)"
    r"|<\?(?:(?i:php)\b|=\s)"
)
_WEB_SHELL = _program(
    r"(?i)<title>[^<]{0,80}(?:\bshell\b|\bwso\b|\br57\b|\bc99\b|b374k|webshell|rhtools|aspydrvsinfo)"
    r"|\bbackdoor by\b|<h1>[^<]{0,40}shell v"
)
_SQL = _program(
    r"(?i)You have an error in your SQL syntax|mysql_(?:fetch_\w+|num_rows|query)\(\)|Warning: mysqli?_"
    r"|com\.mysql\.jdbc|MySqlException|SQLSTATE\[\w+\]"
    r"|PostgreSQL query failed|pg_(?:query|exec)\(\)|PSQLException|org\.postgresql\.util"
    r"|ERROR:\s+(?:syntax error at or near|unterminated quoted string at or near|column \"[^\"]{1,64}\" does not exist)"
    r"|Unclosed quotation mark after the character string|Incorrect syntax near"
    r"|Microsoft OLE DB Provider for (?:SQL Server|ODBC Drivers)|\[SQL Server\]|System\.Data\.SqlClient"
    r"|ODBC (?:SQL Server )?Driver|\bORA-\d{5}\b|quoted string not properly terminated"
    r"|SQLite3?::\w*Exception|sqlite3\.OperationalError|SQLITE_ERROR|near \"[^\"\n]{1,64}\": syntax error"
    r"|SQLSyntaxErrorException|Dynamic SQL Error|DB2 SQL error|Sybase message"
    r"|the used select statements have different number of columns"
    r"|supplied argument is not a valid (?:MySQL|PostgreSQL)"
)
_SECRETS: tuple[tuple[str, Program, Weight], ...] = (
    (
        "private key",
        _program(
            r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?-----"
        ),
        Weight.HIGH,
    ),
    (
        "AWS access key",
        _program(r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA)[A-Z0-9]{16}\b"),
        Weight.HIGH,
    ),
    (
        "AWS secret key",
        _program(r"(?i)aws_secret_access_key[\"']?\s*[:=]\s*[\"']?[A-Za-z0-9/+=]{40}"),
        Weight.HIGH,
    ),
    ("Google API key", _program(r"\bAIza[0-9A-Za-z_-]{35}\b"), Weight.HIGH),
    (
        "Google service account key",
        _program(r"\"private_key_id\"\s*:\s*\"[0-9a-f]{20,}\""),
        Weight.HIGH,
    ),
    ("Azure storage key", _program(r"AccountKey=[A-Za-z0-9+/]{86}=="), Weight.HIGH),
    ("GitHub token", _program(r"\bgh[pousr]_[A-Za-z0-9]{36}\b"), Weight.HIGH),
    ("Slack token", _program(r"\bxox[baprs]-[A-Za-z0-9-]{10,}"), Weight.HIGH),
    ("Stripe secret key", _program(r"\b[sr]k_live_[0-9a-zA-Z]{24,}"), Weight.HIGH),
    (
        "JWT",
        _program(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),
        Weight.LOW,
    ),
)
_OCTET = r"\.(?:25[0-5]|2[0-4]\d|1?\d?\d)"
_INTERNAL_IP = _program(
    rf"(?:^|[^\d.])((?:10(?:{_OCTET}){{3}}|127(?:{_OCTET}){{3}}|192\.168(?:{_OCTET}){{2}}"
    rf"|172\.(?:1[6-9]|2\d|3[01])(?:{_OCTET}){{2}}|169\.254(?:{_OCTET}){{2}}))(?:$|[^\d.])"
)
_INTERNAL_NAME = _program(
    r"\b([a-z0-9-]{1,63}(?:\.[a-z0-9-]{1,63})*\.(?:svc\.cluster\.local|svc|internal))\b"
)

SEVERITY: dict[Leak, Weight] = {
    Leak.STACK_TRACE: Weight.MEDIUM,
    Leak.SQL_ERROR: Weight.MEDIUM,
    Leak.SECRET: Weight.HIGH,
    Leak.INTERNAL_ADDRESS: Weight.LOW,
    Leak.WEB_SHELL: Weight.HIGH,
}
"""The weight of each class; a secret's own weight (:data:`_SECRETS`) may be lower (JWT)."""


def detect_stack_trace(text: str) -> Detection | None:
    """A stack trace or a framework's debug error page."""
    match = _STACK.search(text, 0, MAX_SCAN)
    if match is None:
        return None
    return Detection(Leak.STACK_TRACE, "stack trace or debug page", excerpt(text, match.start()))


def detect_web_shell(text: str) -> Detection | None:
    """A web shell's page: an attacker's tool answering on the service's behalf."""
    match = _WEB_SHELL.search(text, 0, MAX_SCAN)
    if match is None:
        return None
    return Detection(Leak.WEB_SHELL, "web shell page", excerpt(text, match.start()))


def detect_sql_error(text: str) -> Detection | None:
    """A database or driver error message."""
    match = _SQL.search(text, 0, MAX_SCAN)
    if match is None:
        return None
    return Detection(Leak.SQL_ERROR, "database error message", excerpt(text, match.start()))


def detect_secret(text: str) -> Detection | None:
    """The first credential in ``text``: private key, cloud key, service token or JWT."""
    for label, pattern, _ in _SECRETS:
        match = pattern.search(text, 0, MAX_SCAN)
        if match is not None:
            return Detection(Leak.SECRET, label, excerpt(match.group(), 0, 12) + "...")
    return None


def secret_weight(label: str) -> Weight:
    """The weight of a secret by its label (a JWT weighs less than a private key)."""
    return next((weight for name, _, weight in _SECRETS if name == label), Weight.HIGH)


def detect_internal_address(text: str) -> Detection | None:
    """A private, loopback or link-local IPv4 address or a cluster host name."""
    match = _INTERNAL_IP.search(text, 0, MAX_SCAN) or _INTERNAL_NAME.search(text, 0, MAX_SCAN)
    if match is None:
        return None
    return Detection(Leak.INTERNAL_ADDRESS, "internal address", excerpt(match.group(1)))


LEAK_DETECTORS: dict[Leak, Callable[[str], Detection | None]] = {
    Leak.STACK_TRACE: detect_stack_trace,
    Leak.SQL_ERROR: detect_sql_error,
    Leak.SECRET: detect_secret,
    Leak.INTERNAL_ADDRESS: detect_internal_address,
    Leak.WEB_SHELL: detect_web_shell,
}


def _search_set(patterns: list[str]) -> object:
    matcher = re2.Set.SearchSet(_OPTIONS)
    for pattern in patterns:
        matcher.Add(pattern)
    matcher.Compile()
    return matcher


_ANY = _search_set(_PATTERNS)
"""Every leak pattern in one RE2 set: a clean body costs one pass."""
_ANY_INTERNAL = _search_set([_INTERNAL_IP.pattern, _INTERNAL_NAME.pattern])


def may_leak(text: str) -> bool:
    """False when no leak detector can find anything in ``text`` (one pass over it)."""
    return bool(_ANY.Match(text[:MAX_SCAN]))  # type: ignore[attr-defined]


def may_hold_internal_address(text: str) -> bool:
    """False when :func:`detect_internal_address` finds nothing in ``text`` (one pass)."""
    return bool(_ANY_INTERNAL.Match(text[:MAX_SCAN]))  # type: ignore[attr-defined]


def scan_response_text(text: str) -> list[Detection]:
    """Every leak class found in ``text`` (at most one detection per class)."""
    if not may_leak(text):
        return []
    found: list[Detection] = []
    for detect in LEAK_DETECTORS.values():
        detection = detect(text)
        if detection is not None:
            found.append(detection)
    return found


def weight_of(detection: Detection) -> Weight:
    """How much ``detection`` weighs: its class's weight, or its secret's own."""
    if detection.kind is Leak.SECRET:
        return secret_weight(detection.reason)
    if isinstance(detection.kind, Leak):
        return SEVERITY[detection.kind]
    return Weight.MEDIUM
