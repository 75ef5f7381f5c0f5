"""Shell syntax that needs no separator: constructs that only a shell (or a mail server) reads.

:mod:`vigil.signatures.command` reads the word after each separator; some injections carry no
separator a prose writer would also type, or hide the command name from a word list:

* Bash-only syntax: ``${IFS}`` as a space, shellshock's ``() {``, ``/dev/tcp/`` sockets, brace
  expansion with an empty first word (``{,ip,a}``), ``alias x=...`` definitions;
* cmd.exe and PowerShell: ``cmd /c``, ``%COMSPEC%``, ``FOR %x IN (...) DO``, ``IF EXIST``,
  ``IF %x% EQU``, ``IF /I "a"=="b" echo``, cmdlets that download or run code
  (``Invoke-WebRequest``, ``Invoke-Expression``, ``Start-Process``, ``Net.WebClient``);
* wildcards standing for a system path (``/???/??t`` is ``/bin/cat``, ``/et*/pas[s]wd`` is
  ``/etc/passwd``): each glob in the value is matched, with RE2, against the system paths a
  shell would expand it to;
* mail-protocol commands after a line break (``\\r\\nMAIL FROM:``, ``\\r\\nA1 SELECT INBOX``,
  ``\\nRETR 1``): a value pasted into an SMTP, IMAP or POP3 conversation.

Prose keeps its meaning: ``for 10% in cash``, ``if it exists``, ``if x == 1 then``, ``/api/*``,
``What?/Why?`` and a numbered list in a text area stay clean.
"""

from __future__ import annotations

import re2

from vigil.signatures.patterns import Pattern

MAX_GLOBS = 8
"""Wildcard paths of one value matched against the system paths."""
MAX_GLOB = 128
"""Characters of one wildcard path that are read."""

_BATCH_COMMANDS = r"@?(?:echo|set|goto|call|exit|cmd|del|copy|start|type|md|mkdir|rem)\b"
_CONSTRUCTS: tuple[tuple[str, Pattern], ...] = (
    (
        "shell construct",
        Pattern(
            "(?i)"
            + r"\$\{IFS\}|\$IFS\$|\(\)\s*\{[^}]{0,64}\};|/dev/(?:tcp|udp)/|\bcmd(?:\.exe)?\s*/[ck]\b|"
            r"%(?:comspec|systemroot|windir)%|\bpowershell(?:\.exe)?\s+-(?:e|enc|encodedcommand|c|command|nop)\b"
        ),
    ),
    (
        "PowerShell command",
        Pattern(
            "(?i)"
            + r"\b(?:invoke-(?:expression|webrequest|restmethod|command|item|wmimethod)|start-process"
            r"|start-bitstransfer|(?:set|add)-mppreference)\b|\bnet\.webclient\b"
            r"|\.download(?:string|file|data)\s*\("
        ),
    ),
    (
        "cmd.exe FOR loop",
        Pattern("(?i)" + r"\bfor\s+[^%\n]{0,64}%%?\S{1,32}\s+in\s*\([^)\n]{0,256}\)\s*do\b"),
    ),
    (
        "cmd.exe IF statement",
        Pattern(
            "(?i)" + r"\bif\s+(?:/i\s+)?(?:not\s+)?(?:exist\s+\S|errorlevel\s+\d|cmdextversion\s+\d"
            r"|defined\s+[\w.]+\s+(?:\(|" + _BATCH_COMMANDS + r")"
            r"|\(?[^\s()]{1,64}\)?\s+(?:equ|neq|lss|leq|gtr|geq)\s+\S"
            r"|[^\s=]{0,64}[%\[{\"][^\s=]{0,64}\s*=="
            r"|\S{1,64}==\S{1,64}\s+(?:\(|" + _BATCH_COMMANDS + r"))"
        ),
    ),
    (
        "shell alias definition",
        Pattern(
            "(?i)" + r"(?:^|[;&|\n`(])\s*alias\s+(?:[-+]\w{1,8}\s+){0,4}['\"]?[\w.-]{1,64}['\"]?="
        ),
    ),
    ("brace expansion", Pattern(r"\{,[^{}\s,]{1,64},[^{}\s]{0,64}\}")),
    (
        "mail protocol command",
        Pattern(
            "(?i)" + r"[\r\n]\s*(?:mail\s+from|rcpt\s+to)\s*:"
            r"|[\r\n][a-z]{1,4}\d{1,4}\s+(?:login|select|examine|create|delete|rename|subscribe"
            r"|unsubscribe|list|lsub|status|append|expunge|search|fetch|store|copy|uid"
            r"|authenticate|logout)\b"
            r"|[\r\n](?:retr|dele)\s+\d{1,9}\s*(?:[\r\n]|$)"
        ),
    ),
)
ROUTE = (
    r"\$IFS|\(\)\s*\{|/dev/(?:tcp|udp)/|\bcmd(?:\.exe)?\s*/|%(?:comspec|systemroot|windir)%"
    r"|powershell|invoke-|start-process|start-bitstransfer|mppreference|webclient|\.download"
    r"|\bfor\s[^\n]{0,64}%|\bif\s|\balias\s|\{,|[\r\n]\s*(?:mail|rcpt|retr|dele|[a-z]{1,4}\d)"
    r"|(?:\A|[^\w/.:])/[\w?*\[\]!.-]{1,12}/[^\s]{0,64}[?*\[]"
)
"""RE2 pattern (case-insensitive) that every value with one of these constructs matches."""

_GLOB = Pattern(r"/[\w.?*\[\]!/-]{2,}")
_SYSTEM_DIRECTORIES = ("/bin/", "/sbin/", "/usr/bin/", "/usr/sbin/", "/usr/local/bin/")
_SYSTEM_FILES = (
    "/etc/passwd", "/etc/shadow", "/etc/group", "/etc/hosts", "/etc/issue", "/etc/sudoers",
    "/etc/crontab", "/proc/self/environ", "/proc/self/cmdline", "/root/.ssh/id_rsa",
)  # fmt: skip
_ROOTS = frozenset({"bin", "sbin", "usr", "etc", "proc", "root"})
MAX_ROOT = 12
"""Longest first segment (its brackets included) read as a wildcard for one of ``_ROOTS``."""
_GLOB_OPTIONS = re2.Options()
_GLOB_OPTIONS.log_errors = False
_GLOB_OPTIONS.max_mem = 1 << 20


def system_paths(commands: frozenset[str]) -> str:
    """The paths a wildcard is matched against, one a line: ``commands`` in the usual system
    directories, and the files an attacker reads first."""
    lines = [folder + name for folder in _SYSTEM_DIRECTORIES for name in sorted(commands)]
    return "\n".join([*lines, *_SYSTEM_FILES])


def _glob_pattern(glob: str) -> str:
    """``glob`` as an RE2 pattern for one whole line: ``?`` one character, ``*`` any run within a
    segment, ``[...]`` and ``[!...]`` a class; every other character literal."""
    parts: list[str] = []
    i, size = 0, len(glob)
    while i < size:
        char = glob[i]
        close = glob.find("]", i + 2) if char == "[" else -1
        if char == "?":
            parts.append("[^/\\n]")
        elif char == "*":
            parts.append("[^/\\n]*")
        elif close > 0 and "/" not in glob[i:close]:
            body = glob[i + 1 : close]
            negated = body[:1] in {"!", "^"}
            members = "".join(re2.escape(c) for c in (body[1:] if negated else body))
            parts.append(("[^" if negated else "[") + members + "]")
            i = close
        else:
            parts.append(re2.escape(char))
        i += 1
    return "(?m)^" + "".join(parts) + "$"


def _could_be_root(segment: str) -> bool:
    """Whether a glob's first segment can stand for the first directory of a system path."""
    if not any(c in segment for c in "?*["):
        return segment in _ROOTS
    return 0 < len(segment) <= MAX_ROOT or "*" in segment


def _expanded_glob(value: str, paths: str) -> tuple[str, int] | None:
    for count, found in enumerate(_GLOB.finditer(value)):
        if count >= MAX_GLOBS:
            break
        glob = found.group()[:MAX_GLOB].rstrip("/")
        segments = glob.split("/")
        if (
            not any(c in glob for c in "?*[")
            or len(segments) < 3
            or segments[-1].strip("?*") == ""
            or not _could_be_root(segments[1])
        ):
            continue
        pattern = re2.compile(_glob_pattern(glob), _GLOB_OPTIONS)
        target = pattern.search(paths)
        if target is not None:
            return f"wildcards for {target.group()}", found.start()
    return None


def _one_pattern() -> str:
    groups = (f"({pattern.text.removeprefix('(?i)')})" for _, pattern in _CONSTRUCTS)
    return "(?i)" + "|".join(groups)


_CONSTRUCT_OPTIONS = re2.Options()
_CONSTRUCT_OPTIONS.log_errors = False
_CONSTRUCT_OPTIONS.max_mem = 16 << 20
_ANY_CONSTRUCT = re2.compile(_one_pattern(), _CONSTRUCT_OPTIONS)
"""Every construct as one alternation of groups, searched once by RE2 (its automaton reads a
short value in one pass where a backtracking engine tries each alternative at each position)."""


def find_construct(value: str, paths: str) -> tuple[str, int] | None:
    """The first construct of ``value`` (its description and offset), or None; ``paths`` are
    the system paths wildcards are matched against (:func:`system_paths`)."""
    found = _ANY_CONSTRUCT.search(value)
    if found is not None:
        index = next(i for i in range(len(_CONSTRUCTS)) if found.group(i + 1) is not None)
        return _CONSTRUCTS[index][0], found.start()
    if "/" in value and ("?" in value or "*" in value or "[" in value):
        return _expanded_glob(value, paths)
    return None
