"""LDAP filter injection: a value that closes a filter component and opens another."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vigil.signatures.detection import EVIDENCE_LIMIT, Attack
from vigil.signatures.ldap import MAX_SCAN, detect_ldap
from vigil.signatures.scan import routed

ATTACKS = [
    ("*)(uid=*))(|(uid=*", "filter closed then a new uid= assertion"),
    ("admin)(&)", "filter closed then a new & component"),
    ("admin)(|)", "filter closed then a new | component"),
    ("x))(|(objectClass=*", "filter closed then a new | component"),
    ("x)(!(cn=*", "filter closed then a new ! component"),
    ("x)!(mail=*", "filter closed then a new mail= assertion"),
    ("a*)(cn>=m", "filter closed then a new cn>= assertion"),
    ("bob)(sn~=smyth", "filter closed then a new sn~= assertion"),
    ("x) ( | (uid=*", "filter closed then a new | component"),
    ("x)\t(\t&", "filter closed then a new & component"),
    ("x)\t(userPassword=*", "filter closed then a new userPassword= assertion"),
]

BENIGN = [
    "(see above) (2)",
    "Wow (really) (!)",
    "Call us (home) (ext=12)",
    "f(a)(b => c)",
    "f(x)(y == 2)",
    "(a)(b)",
    "Smith (née Jones)",
    "x = (a + b) * (c - d)",
    ":-) (=",
    "(objectClass=user)(&(cn=a*)(mail=*))",
    "f(x)(y=1)",
    "note (a)\t(b=c)",
]


@pytest.mark.parametrize(("value", "reason"), ATTACKS, ids=[a for a, _ in ATTACKS])
def test_filter_injections_are_detected(value: str, reason: str) -> None:
    found = detect_ldap(value)
    assert found is not None, value
    assert found.kind is Attack.LDAP
    assert found.reason == reason
    assert Attack.LDAP in routed(value)


@pytest.mark.parametrize("value", BENIGN)
def test_parentheses_in_prose_and_code_pass(value: str) -> None:
    assert detect_ldap(value) is None


_FRAGMENTS = st.sampled_from(["(", ")", "&", "|", "!", "=", "~=", ">=", "*", "uid", " ", "\t"])
_TEXTS = st.lists(_FRAGMENTS | st.text(max_size=8), max_size=14).map("".join)


@given(_TEXTS)
def test_never_raises_and_the_route_never_hides_a_detection(text: str) -> None:
    found = detect_ldap(text)
    if found is not None:
        assert Attack.LDAP in routed(text)
        assert len(found.evidence) <= EVIDENCE_LIMIT


@given(_TEXTS)
def test_reads_a_bounded_prefix(text: str) -> None:
    padded = text + "x" * MAX_SCAN
    assert detect_ldap(padded) == detect_ldap(padded[:MAX_SCAN])
