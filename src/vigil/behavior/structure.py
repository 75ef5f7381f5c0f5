"""Dangerous structure in a value: what makes punctuation an attack rather than prose.

An apostrophe is a name (``O'Brien``), a quote followed by ``or 1=1`` is SQL; a slash is a date
or a path, ``../`` or ``/etc/passwd`` is traversal; a semicolon is prose, ``;id`` is a shell
command. The learned model judges free text by these structures, not by the novelty of a single
punctuation mark. Each structure is a short, bounded pattern over the lower-cased value, tried
only when the characters it needs are present, so benign values cost a set lookup. The
patterns are deliberately simple (the signature detectors hold the full SQL tokeniser): they are
the model's features, learned per field like any other, so a field that normally carries markup
or SQL does not alert on it.

Every pattern is linear in the value's length: repetitions are bounded windows, never nested,
so a megabyte of attacker input costs a scan, not a backtracking explosion.
"""

from __future__ import annotations

import html
import re
from enum import IntFlag

from vigil.http.flagnames import mask_of, names_in


class Danger(IntFlag):
    """Structures that mean an injection in some interpreter."""

    SQL = 1
    MARKUP = 2
    TRAVERSAL = 4
    FILE = 8
    SHELL = 16
    TEMPLATE = 32
    JNDI = 64


DANGER_NAMES: dict[Danger, str] = {
    Danger.SQL: "sql",
    Danger.MARKUP: "markup",
    Danger.TRAVERSAL: "traversal",
    Danger.FILE: "file-path",
    Danger.SHELL: "shell",
    Danger.TEMPLATE: "template",
    Danger.JNDI: "jndi",
}
"""Stable names, as written in policies and alerts."""

_Q = "['\"`]"
_STATEMENTS = (
    r"(?:select|insert|update|delete|drop|exec|execute|declare|shutdown|waitfor|union"
    r"|create|alter|truncate|grant|revoke)\b"
)
_FUNCTIONS = (
    r"(?:sleep|benchmark|pg_sleep|load_file|extractvalue|updatexml|group_concat|make_set"
    r"|dbms_pipe\.receive_message|utl_inaddr\.\w+|utl_http\.\w+|sys_eval|sys_exec|xp_cmdshell"
    r"|randomblob|char|chr|concat|ascii|substring|substr|version|database|user)"
)
_COMPARISON = r"(?:=|<>|!=|<=?|>=?|\blike\b|\bis\b|\bin\s{0,8}\(|\bbetween\b|\bregexp\b|\brlike\b)"
_OPERAND = rf"(?:{_Q}[^'\"`]{{0,32}}{_Q}|[\w.@]{{1,32}})"

_SQL = re.compile(
    "|".join(
        (
            # a quote closes a string, then a comment, a statement or a SQL clause follows
            rf"{_Q}\s{{0,8}}\){{0,4}}\s{{0,8}}(?:--|#|/\*|;\s{{0,8}}{_STATEMENTS})",
            rf"{_Q}\s{{0,8}}\){{0,4}}\s{{0,8}}(?:union|select|having|order\s{{1,8}}by|group\s{{1,8}}by"
            rf"|procedure|limit\s{{1,8}}\d|into\s{{1,8}}(?:out|dump)file|waitfor)\b",
            # a quote or a number, a boolean operator, then a comparison or a SQL function
            rf"(?:{_Q}|\)|\b\d+)\s{{0,8}}(?:\bor\b|\band\b|\bxor\b|\|\||&&)\s{{0,8}}(?:not\s{{1,8}})?"
            rf"\(?\s{{0,8}}(?:{_OPERAND}\s{{0,8}}{_COMPARISON}|{_FUNCTIONS}\s{{0,8}}\()",
            rf"{_Q}\s{{0,8}}(?:\bor\b|\band\b|\|\||&&)\s{{0,8}}(?:true|false|null|\d+|{_Q})\s{{0,8}}(?:--|#|;|$)",
            rf"{_Q}\s{{0,8}}(?:=|<>|!=|\blike\b)\s{{0,8}}{_Q}",
            r"\bunion\b[\s(]{1,8}(?:all\s{1,8}|distinct\s{1,8})?\(?\s{0,8}select\b",
            r";\s{0,8}(?:drop\s{1,8}(?:table|database|schema)|insert\s{1,8}into|delete\s{1,8}from"
            r"|update\s{1,8}\w{1,64}\s{1,8}set|exec(?:ute)?\s{1,8}\w|shutdown\b|declare\s{1,8}@"
            r"|waitfor\s{1,8}delay|select\b)",
            r"\b(?:sleep|benchmark|pg_sleep|load_file|extractvalue|updatexml|dbms_pipe\.receive_message"
            r"|xp_cmdshell|sys_eval)\s{0,8}\(",
            r"\bwaitfor\s{1,8}delay\b|\binformation_schema\b|@@(?:version|datadir|hostname|basedir)\b"
            r"|\binto\s{1,8}(?:out|dump)file\b",
        )
    )
)

_TAGS = (
    r"script|iframe|svg|img|object|embed|body|style|link|meta|base|form|input|video|audio|math"
    r"|details|marquee|frameset|frame|applet|xml|xss|html|image|isindex|textarea|button|keygen"
    r"|template|a"
)
_MARKUP = re.compile(
    "|".join(
        (
            rf"<\s{{0,4}}/?\s{{0,4}}(?:{_TAGS})(?:[\s/>]|$)",
            r"</?[a-z][a-z0-9:-]{0,32}(?:\s[^<>]{0,256})?/?>",
            r"<(?:!--|!doctype|!\[cdata\[|\?xml|\?php|%)",
            r"\b(?:java|vb|live)script\s{0,8}:",
            r"\bdata\s{0,4}:\s{0,4}text/html",
            r"(?:['\"/]|<[a-z][^<>]{0,256}\s)\s{0,8}on[a-z]{3,24}\s{0,8}=",
        )
    )
)

_TRAVERSAL = re.compile(r"\.\.[\\/]|[\\/]\.\.(?:$|[\\/])|^\.\.$")

_FILE = re.compile(
    r"(?:^|[\s'\"=:;|&(<>,`])(?:/etc/|/proc/|/sys/|/dev/(?:null|tcp|udp|zero|random|fd|shm)"
    r"|/bin/|/sbin/|/boot/|/root/|/var/(?:log|run|www|lib|tmp|spool|mail)/"
    r"|/usr/(?:bin|sbin|local|lib|share)/|/home/[\w.-]{1,64}/|/tmp/|[a-z]:\\|\\\\[\w.-]{1,64}\\)"
    r"|\bfile:/|\betc/(?:passwd|shadow|crontab|hosts|group|issue|sudoers)\b"
    r"|\b(?:win|boot|system)\.ini\b|\bsystem32\\|\bweb-inf/|\.(?:htaccess|htpasswd|bash_history)\b"
    r"|\bid_(?:rsa|dsa|ecdsa|ed25519)\b|\bproc/self/"
)

_ANY_ARGUMENT = (
    r"wget|curl|nc|ncat|netcat|telnet|bash|sh|zsh|ksh|dash|csh|tcsh|python[23]?|perl|ruby|php"
    r"|node|powershell|pwsh|cmd(?:\.exe)?|certutil|bitsadmin|socat|busybox|nslookup|ping"
)
_RISKY_ARGUMENT = (
    r"id|whoami|uname|cat|ls|pwd|echo|rm|chmod|chown|touch|mkdir|kill|ps|env|printenv"
    r"|ifconfig|ipconfig|netstat|systeminfo|tasklist|base64|xargs|eval|exec|sudo|crontab"
    r"|nohup|dd|hostname|passwd|shutdown|reboot|sleep|head|tail|find|grep|awk|sed|dir|type|net"
)
_SHELL = re.compile(
    "|".join(
        (
            r"\$\(\s{0,8}[a-z/][\w./-]{0,64}[\s)]",
            r"\$\{?ifs\b",
            rf"`\s{{0,8}}(?:{_ANY_ARGUMENT}|{_RISKY_ARGUMENT})\b[^`]{{0,64}}`",
            rf"(?:[;|&\n]|\|\||&&)\s{{0,8}}(?:{_ANY_ARGUMENT})(?:$|[\s;|&<>`'\")$])",
            rf"(?:[;|\n]|\|\||&&)\s{{0,8}}(?:{_RISKY_ARGUMENT})"
            r"(?:\s{0,8}$|\s{0,8}[;|&<>`)]|\s{1,8}[-/$~.\\'\"\d])",
            rf"&\s{{0,8}}(?:{_RISKY_ARGUMENT})(?:\s{{0,8}}[;|&<>`)]|\s{{1,8}}[-/$~.\\'\"\d])",
            r"\d?>\s{0,4}/(?:dev|tmp|etc|var)/|\d>&\d",
        )
    )
)

_TEMPLATE = re.compile(
    r"\{\{[^{}]{0,256}\}\}|\{%[^{}]{0,256}%\}|[$#*@]\{[^{}]{0,256}\}|<%[^<>]{0,256}%>"
)

_JNDI = re.compile(
    r"\$\{(?:[^{}]{0,64}\$\{)?[^{}]{0,64}?:|\bjndi\s{0,8}:\s{0,8}(?:ldaps?|rmi|dns|iiop|corba|nds|nis|https?)\b"
)

_STRUCTURES: tuple[tuple[int, frozenset[str], re.Pattern[str]], ...] = (
    (int(Danger.SQL), frozenset("'\"`()#;-=<>|&@"), _SQL),
    (int(Danger.MARKUP), frozenset("<:="), _MARKUP),
    (int(Danger.TRAVERSAL), frozenset("."), _TRAVERSAL),
    (int(Danger.FILE), frozenset("/\\.:"), _FILE),
    (int(Danger.SHELL), frozenset(";|&`$\n>"), _SHELL),
    (int(Danger.TEMPLATE), frozenset("{%"), _TEMPLATE),
    (int(Danger.JNDI), frozenset("{:"), _JNDI),
)
"""Each structure, the characters without which it cannot occur, and its pattern."""

_SQL_WORDS = re.compile(r"\b(?:union|select|sleep|benchmark|waitfor|information_schema)\b")

TRIGGERS = frozenset().union(*(chars for _, chars, _ in _STRUCTURES))
"""Characters at least one structure needs; a value without any of them is checked for SQL
keywords only (``1 union select 2`` needs no punctuation)."""


_ALWAYS = frozenset("'\"`();<>|&$\\{}/:\n\t ")
_DOTTED = (".ini", ".ht", ".bash", "id_", "schema")


def may_hold_danger(text: str, chars: set[str] | frozenset[str]) -> bool:
    """False only when :func:`dangers_in` finds nothing in ``text`` (whose characters are
    ``chars``), decided with set and substring tests alone.

    Also true of any text built by joining values: each value's characters and substrings are
    the joined text's, so a column of values none of which can hold a structure is cleared at
    once.
    """
    if not chars.isdisjoint(_ALWAYS):
        return True
    if "--" in text or "@@" in text or ".." in text:
        return True
    if "." in chars or "_" in chars:
        low = text.lower()
        return any(marker in low for marker in _DOTTED)
    return False


def may_hold_danger_with(chars: frozenset[str] | set[str]) -> bool:
    """False only when no text made of ``chars`` can pass :func:`may_hold_danger`."""
    return not chars.isdisjoint(_ALWAYS) or not chars.isdisjoint("-@._")


def danger_free(chars: frozenset[str]) -> tuple[frozenset[str], tuple[str, ...]]:
    """Characters, out of ``chars``, and substrings such that :func:`may_hold_danger` is false
    for every text of those characters that holds none of those substrings, compared
    lower-cased (so :func:`dangers_in` finds nothing in it)."""
    kept = chars - _ALWAYS
    forbidden = [s for s in ("--", "@@", "..") if s[0] in kept]
    if "." in kept or "_" in kept:
        forbidden.extend(_DOTTED)
    return kept, tuple(forbidden)


_ALWAYS_BYTES = "".join(sorted(_ALWAYS)).encode("ascii")
_OTHER_BYTES = bytes(b for b in range(256) if b not in _ALWAYS_BYTES)
_DOTTED_BYTES = tuple(m.encode("ascii") for m in _DOTTED)


def may_hold_danger_ascii(raw: bytes) -> bool:
    """:func:`may_hold_danger` of an ASCII text given as bytes (byte-table tests, no set)."""
    if raw.translate(None, _OTHER_BYTES):
        return True
    if b"--" in raw or b"@@" in raw or b".." in raw:
        return True
    if b"." in raw or b"_" in raw:
        low = raw.lower()
        return any(marker in low for marker in _DOTTED_BYTES)
    return False


def dangers_in(text: str) -> int:
    """The Danger bits found in ``text`` (already decoded and normalised), or 0.

    HTML character references are undone first as well (``&#60;script&#62;`` is markup once a
    browser renders it), and the structures of both forms are reported.
    """
    found = _scan(text)
    if "&" in text and ";" in text:
        unescaped = html.unescape(text)
        if unescaped != text:
            found |= _scan(unescaped)
    return found


_SQL_BIT = int(Danger.SQL)
_SPACES = frozenset(" \t")


def _scan(text: str) -> int:
    chars = set(text)
    if chars.isdisjoint(TRIGGERS):
        if chars.isdisjoint(_SPACES):
            return 0
        low = text.lower()
        return _SQL_BIT if _SQL_WORDS.search(low) and _SQL.search(low) else 0
    low = text.lower()
    found = 0
    for danger, needs, pattern in _STRUCTURES:
        if not chars.isdisjoint(needs) and pattern.search(low):
            found |= danger
    return found


_NOT_TRIGGER_BYTES = bytes(b for b in range(256) if chr(b) not in TRIGGERS)
_SQL_WORDS_BYTES = re.compile(_SQL_WORDS.pattern.encode("ascii"))


def joined_danger_free(raw: bytes) -> bool:
    """False unless :func:`dangers_in` finds nothing in any of the ASCII texts joined by NULs
    in ``raw``: none holds a character some structure needs, and none an SQL keyword (a NUL is
    a word boundary as the start and end of a text are)."""
    return (
        not raw.translate(None, _NOT_TRIGGER_BYTES) and _SQL_WORDS_BYTES.search(raw.lower()) is None
    )


def danger_names(mask: int) -> list[str]:
    """Stable names of the structures in ``mask``."""
    return names_in(DANGER_NAMES, mask)


def dangers_from_names(names: list[str]) -> int:
    """Inverse of :func:`danger_names`; unknown names raise ValueError."""
    return mask_of(DANGER_NAMES, names, "dangerous structure")
