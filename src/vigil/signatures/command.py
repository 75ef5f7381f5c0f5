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

A command is also read after a wrapper that runs the next word as a command (``time``,
``nohup``, ``strace``, ``sudo``, ``env``, ``timeout -s 9 5``...), through expansions that are
empty (``c$u'a't``, ``pi$()ng``, ``$a cat``), and through a version suffix (``python3.10``). A
command name with quotes or backslashes *inside* it (``w'h'o'a'm'i``, ``"w"get``) is an evasion
no prose writes, so it counts without an argument. Constructs that need no separator (``${IFS}``,
``cmd /c``, ``FOR %x IN (...) DO``, PowerShell cmdlets, ``/???/??t``...) are found by
:mod:`vigil.signatures.command_syntax`.

So ``rock & roll``, ``Tom & Jerry``, ``R&D; id card``, ``cats | dogs``, ``I'd like that``,
``time flies`` and Markdown such as ``Run `ls -la` to list`` stay clean, while
``; cat /etc/passwd``, ``| id``, ``$(whoami)``, ``time sh -c id`` and
``&& c'u'rl http://x/s | sh`` do not.
"""

from __future__ import annotations

import re
import sys

from vigil.signatures import command_syntax
from vigil.signatures.command_syntax import find_construct, system_paths
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
    "traceroute", "tracert", "nohup", "setsid", "gawk", "openssl", "regedit", "bcdedit", "bcdboot",
    "vssadmin", "icacls", "cacls", "takeown", "wevtutil", "msiexec", "nltest", "dsquery", "gunzip",
    "bunzip2", "strace", "ltrace", "gdb", "visudo", "lastlog", "htop", "ansible", "ansible-playbook",
    "ansible-galaxy", "ansible-doc", "ansible-pull", "ansible-config", "ansible-console",
    "ansible-inventory", "ansible-vault", "chef-shell", "chef-client", "chef-vault", "chef-run",
    "knife", "cscli", "pipx", "irb", "uconv", "groupadd", "adduser", "userdel", "iptables",
    "tcpdump", "smbclient", "rpcclient", "psexec", "cpulimit", "aa-disable", "aa-exec", "pkexec",
})  # fmt: skip
"""Commands taken as commands after any separator."""
WEAK = frozenset({
    "cat", "ls", "echo", "rm", "kill", "type", "dir", "del", "copy", "more", "less", "head",
    "tail", "find", "sort", "id", "ps", "env", "host", "tar", "start", "touch", "sed", "grep",
    "cp", "mv", "mkdir", "rmdir", "chdir", "cd", "pwd", "set", "w", "who", "last", "df", "du",
    "file", "strings", "unzip", "zip", "tee", "nl", "od", "diff", "make", "java", "node", "which",
    "whereis", "locate", "sleep", "ping", "net", "route", "reg", "exec", "eval", "timeout", "su",
    "dash", "dig", "awk", "arp", "top", "vi", "vim", "ex", "date", "at", "pip", "gem", "npm", "perf",
    "flock", "ssh", "scp", "rsync", "ftp", "iwr", "iex", "irm", "chef", "time", "nice",
})  # fmt: skip
"""Commands that are also plain words: they need a shell-like argument."""
ALONE = frozenset({"id", "ls", "ps", "pwd", "env", "w", "who", "set", "dir", "whoami", "uname"})
"""Commands that count at the very end of a value with no argument (``;id``)."""
WRAPPERS = frozenset({
    "time", "nohup", "strace", "ltrace", "sudo", "doas", "env", "nice", "ionice", "timeout",
    "xargs", "stdbuf", "setsid", "flock", "cpulimit", "chroot", "unbuffer", "busybox", "command",
    "builtin", "exec", "eval", "watch", "pkexec",
})  # fmt: skip
"""Commands that run the command named after their options."""
MAX_EXPANSION = 32
"""Longest word read as an empty expansion standing before the command (``$a cat``)."""
MAX_WRAPPED = 6
"""Words read after a wrapper (its options and their values) to find the command it runs."""
SHELL_VARIABLES = frozenset({"$shell", "${shell}", "$bash", "${bash}", "$0"})
"""Variables that hold the shell itself (``$SHELL -c id``)."""
_PATHS = system_paths(STRONG | WEAK)

_SEPARATOR = Pattern(r"^|;|\|\|?|&&?|\n|\r|\$\(|`|<\(|>\(|\{")
_WORD = Pattern(r"[\s\"'{,]{0,64}((?:``|\$\(\)|[<>]\(\)|[\w./\\\-\"'$@{}!]){1,128})")
_LETTER = Pattern(r"[^\W\d_]")
_SHELL_CHARACTER = Pattern(r"[\"'\\{}$`<>]")
_STRIP = Pattern(
    r"\$\{[^}]{0,64}\}|\$[@*?!_$#\d-]|\$[a-zA-Z_]\w{0,63}|``|\$\(\)|[<>]\(\)|[\"'\\{}]"
)
_INSIDE = Pattern(r"\w(?:[\"'\\`]|\$\{[^}]{0,64}\}|\$[@*?!_$#\d-]|\$\(\)|[<>]\(\))+\w")
_REFERENCE = Pattern(r"&#(?:([0-9]{1,7})|[xX]([0-9a-fA-F]{1,6}));")
MAX_SEPARATORS = 256
"""Separators and substitutions examined in one value."""
WINDOW = 512
"""Characters read after a separator: the command word and the start of its arguments."""
_ARGUMENT = Pattern(
    "(?i)"
    + r"(?:\s|\$\{IFS\}|\$IFS|\+|<|,)+([-/~$.\\%]|[a-z]:[\\/]|[0-9]+\s*(?:[;|&`)]|$)|\d{1,3}\.\d{1,3}\.|\S*[/\\])"
    r"|\s*<<<\s*\S"
)
ROUTE = (
    r"[;|&`\n\r]|\$[({]|[<>]\(|\{\s*[a-z/$']+,|"
    + command_syntax.ROUTE
    + r"|\A[\s\"'{\\]*(?:"
    + "|".join(sorted(STRONG | WEAK))
    + r")\b"
    r"|\A[\s\"'{\\]*[a-z]+['\"\\$`]+[a-z(]|\A[\s\"']*/(?:usr/)?s?bin/|\A\s*\$[a-z{]"
)
"""RE2 pattern (case-insensitive) that every value this detector can flag matches."""


def _command_name(raw: str) -> str:
    """The command a shell would run for ``raw``: quotes and empty expansions removed, the
    directory dropped when it is a ``bin`` directory (``/usr/bin/cat`` is ``cat``, while
    ``../etc/passwd`` is no command), a version suffix dropped from an interpreter's name
    (``python3.10``)."""
    if raw.lower() in SHELL_VARIABLES:
        return "sh"
    if _LETTER.search(raw) is None:
        return ""
    word = (_STRIP.sub("", raw) if _SHELL_CHARACTER.search(raw) else raw).lower().replace("\\", "/")
    folder, _, name = word.rpartition("/")
    if folder and not folder.endswith(("bin", "system32")):
        return ""
    name = name.removesuffix(".exe")
    if name not in STRONG and name not in WEAK:
        base = name.rstrip("0123456789.")
        if base != name and base in STRONG:
            return base
    return name


_OPTION_WORD = Pattern(r"\s+(\S{1,64})")


def _wrapped(value: str, pos: int, depth: int) -> tuple[str, int] | None:
    """The command a wrapper ending at ``pos`` runs: the first word after its options
    (``-l 100``, ``-u /``, ``VAR=1``) that reads as a command."""
    after_option = False
    for _ in range(MAX_WRAPPED):
        word = _OPTION_WORD.match(value, pos)
        if word is None:
            return None
        text = word.group(1)
        if text.startswith("-") or text[0].isdigit() or text == "/" or "=" in text:
            after_option = text.startswith("-")
            pos = word.end()
            continue
        found = _after(value, word.start(1), False, depth + 1)
        if found is not None or not after_option:
            return found
        after_option = False
        pos = word.end()
    return None


def _after(value: str, pos: int, substitution: bool, depth: int = 0) -> tuple[str, int] | None:
    window = value[pos : pos + WINDOW]
    word = _WORD.match(window)
    if word is None or not word.group(1):
        return None
    raw = word.group(1)
    name = _command_name(raw)
    end = word.end()
    rest = window[end:]
    if depth < MAX_WRAPPED:
        if not name and len(raw) <= MAX_EXPANSION and "$" in raw and not _STRIP.sub("", raw):
            return _after(value, pos + end, substitution, depth + 1)
        if name in WRAPPERS and depth < 2:
            wrapped = _wrapped(value, pos + end, depth)
            if wrapped is not None:
                return wrapped
    if (name in STRONG or (name in WEAK and len(name) > 2)) and _INSIDE.search(raw):
        return name, end
    if name in STRONG and ((pos > 0 and depth == 0) or not rest.strip() or _ARGUMENT.match(rest)):
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
    construct = find_construct(value, _PATHS)
    if construct is not None:
        reason, at = construct
        return Detection(Attack.COMMAND, reason, excerpt(value, at))
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
