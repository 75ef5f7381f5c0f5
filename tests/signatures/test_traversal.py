"""Path traversal and local file inclusion: dot segments, sensitive files, wrapper URLs."""

from __future__ import annotations

import pytest

from vigil.signatures.detection import Attack
from vigil.signatures.traversal import detect_traversal

ATTACKS = [
    ("../../etc/passwd", "'..' path segment"),
    ("..\\..\\windows\\win.ini", "'..' path segment"),
    ("/static/../admin", "'..' path segment"),
    ("....//....//etc/hosts", "'..' path segment"),
    ("..;/WEB-INF/web.xml", "'..' path segment"),
    ("file=../x", "'..' path segment"),
    ("..\xc0\xafetc", "'..' path segment"),
    ("/etc/passwd", "sensitive system file"),
    ("C:\\Windows\\win.ini", "sensitive system file"),
    ("/proc/self/environ", "sensitive system file"),
    ("WEB-INF/web.xml", "sensitive system file"),
    ("/app/.git/config", "sensitive system file"),
    ("/var/run/secrets/kubernetes.io/serviceaccount/token", "sensitive system file"),
    ("php://filter/convert.base64-encode/resource=index", "file or stream wrapper URL"),
    ("file:///tmp/x", "file or stream wrapper URL"),
]

BENIGN = [
    "file..name.txt",
    "wait... what?",
    "version 1..2",
    "report.final..pdf",
    "/users/42/avatar.png",
    "https://example.com/a/b",
    "etc/passwords are weak",
    "see chapter 2...3 / appendix",
    "my.env.file",
]


@pytest.mark.parametrize(("value", "reason"), ATTACKS, ids=[a for a, _ in ATTACKS])
def test_attacks_are_detected_with_their_reason(value: str, reason: str) -> None:
    found = detect_traversal(value)
    assert found is not None, value
    assert found.kind is Attack.TRAVERSAL
    assert found.reason == reason


@pytest.mark.parametrize("value", BENIGN)
def test_look_alikes_pass(value: str) -> None:
    assert detect_traversal(value) is None
