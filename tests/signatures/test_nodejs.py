"""Node.js injection: prototype pollution, serialized functions, process reach-ins; prose passes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vigil.signatures.detection import EVIDENCE_LIMIT, Attack
from vigil.signatures.nodejs import detect_nodejs, unescape_js

ATTACKS = [
    ("__proto__[admin]", "prototype pollution"),
    ('{"__proto__": {"isAdmin": true}}', "prototype pollution"),
    ("constructor[prototype][polluted]=1", "prototype pollution"),
    ("constructor.prototype.shell=/bin/sh", "prototype pollution"),
    ("Object.prototype.__proto__", "prototype pollution"),
    (
        "{\"rce\":\"_$$ND_FUNC$$_function(){require('child_process').exec('id')}()\"}",
        "node-serialize function marker",
    ),
    ("require('child_process').exec('id')", "Node.js process reached from data"),
    ('require("node:fs").readFileSync("/etc/passwd")', "Node.js process reached from data"),
    ("process.mainModule.require('fs')", "Node.js process reached from data"),
    ("global.process.exit()", "Node.js process reached from data"),
    (
        "this.constructor.constructor('return process')()",
        "Node.js process reached from data",
    ),
    (
        "\\u005f\\u005fproto\\u005f\\u005f.x=1",
        "prototype pollution (JavaScript escapes)",
    ),
    (
        "\\x72equire('child_process')",
        "Node.js process reached from data (JavaScript escapes)",
    ),
    (
        "\\u{72}equire(`vm`)",
        "Node.js process reached from data (JavaScript escapes)",
    ),
]

BENIGN = [
    "the constructor's prototype is shared",
    "we require a process for refunds",
    "prototype of the new constructor model",
    "Caf\\u00e9 de la gare",
    "C:\\x86\\drivers",
    "proto_name=field",
    "child process of the parent",
    "require('lodash')",
    "process.env is documented",
]


@pytest.mark.parametrize(("value", "reason"), ATTACKS, ids=[a for a, _ in ATTACKS])
def test_nodejs_payloads_are_detected(value: str, reason: str) -> None:
    found = detect_nodejs(value)
    assert found is not None, value
    assert found.kind is Attack.NODEJS
    assert found.reason == reason
    assert len(found.evidence) <= EVIDENCE_LIMIT


@pytest.mark.parametrize("value", BENIGN)
def test_prose_and_ordinary_escapes_pass(value: str) -> None:
    assert detect_nodejs(value) is None


@pytest.mark.parametrize(
    ("text", "plain"),
    [
        ("\\u0041b", "Ab"),
        ("\\x41\\x42", "AB"),
        ("\\u{1F600}", "\U0001f600"),
        ("\\u{110000}", "\\u{110000}"),
        ("\\uzzzz", "\\uzzzz"),
        ("no escapes", "no escapes"),
    ],
)
def test_unescape_js(text: str, plain: str) -> None:
    assert unescape_js(text) == plain


@given(st.text(alphabet=st.sampled_from("\\ux{}0123456789abcdef_pro()'.["), max_size=200))
def test_never_raises_on_escape_soup(text: str) -> None:
    found = detect_nodejs(text)
    assert found is None or found.kind is Attack.NODEJS
