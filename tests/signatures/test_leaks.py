"""Leaks in responses: stack traces, SQL errors, secrets, internal addresses, web shells."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vigil.signatures.detection import Leak
from vigil.signatures.leaks import (
    LEAK_DETECTORS,
    Weight,
    detect_internal_address,
    may_hold_internal_address,
    may_leak,
    scan_response_text,
    weight_of,
)

LEAKS = [
    ('Traceback (most recent call last):\n  File "app.py", line 3, in <module>', Leak.STACK_TRACE),
    ("java.lang.NullPointerException\n\tat com.shop.Cart.add(Cart.java:42)", Leak.STACK_TRACE),
    ("TypeError: x is undefined\n    at handler (/srv/app/index.js:10:5)", Leak.STACK_TRACE),
    ("<b>Fatal error</b>: Uncaught Error in /var/www/x.php", Leak.STACK_TRACE),
    ("panic: runtime error: index out of range\n\ngoroutine 1 [running]:", Leak.STACK_TRACE),
    ("Server Error in '/' Application.", Leak.STACK_TRACE),
    ("app/controllers/users_controller.rb:12:in `show'", Leak.STACK_TRACE),
    ("You're seeing this error because you have <code>DEBUG = True</code>", Leak.STACK_TRACE),
    ("<title>Whitelabel Error Page</title>", Leak.STACK_TRACE),
    ('<?php echo "x"; ?>', Leak.STACK_TRACE),
    ("You have an error in your SQL syntax; check the manual", Leak.SQL_ERROR),
    ('ERROR:  syntax error at or near "\'"', Leak.SQL_ERROR),
    ("Unclosed quotation mark after the character string ''.", Leak.SQL_ERROR),
    ("ORA-01756: quoted string not properly terminated", Leak.SQL_ERROR),
    ('sqlite3.OperationalError: near "x": syntax error', Leak.SQL_ERROR),
    ("-----BEGIN RSA PRIVATE KEY-----\nMIIE", Leak.SECRET),
    ("key=AKIAIOSFODNN7EXAMPLE", Leak.SECRET),
    ("ghp_" + "a" * 36, Leak.SECRET),
    ('{"token": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.abcdefghijk"}', Leak.SECRET),
    ("upstream 10.244.1.17:8080 failed", Leak.INTERNAL_ADDRESS),
    ("connect to redis.default.svc.cluster.local", Leak.INTERNAL_ADDRESS),
    ("<title>r57 Shell Version 1.50</title>", Leak.WEB_SHELL),
]

CLEAN = [
    '{"id": 42, "name": "O\'Brien", "items": []}',
    "<html><title>Welcome</title><body>Our shop sells books.</body></html>",
    "Error: the quantity must be a number",
    "version 10.1.2 released",
    '<?xml version="1.0"?><feed/>',
    "Contact 93.184.216.34 for support",
    "An exception is an unusual event",
]


@pytest.mark.parametrize(
    ("text", "kind"), LEAKS, ids=[k.value + str(i) for i, (_, k) in enumerate(LEAKS)]
)
def test_leaks_are_found_in_their_class(text: str, kind: Leak) -> None:
    assert kind in {d.kind for d in scan_response_text(text)}


@pytest.mark.parametrize("text", CLEAN)
def test_ordinary_answers_are_clean(text: str) -> None:
    assert scan_response_text(text) == []


def test_secrets_are_never_quoted_whole() -> None:
    (found,) = scan_response_text("aws AKIAIOSFODNN7EXAMPLE here")
    assert "AKIAIOSFODNN7EXAMPLE" not in found.evidence
    assert found.reason == "AWS access key"


@pytest.mark.parametrize(
    ("text", "weight"),
    [
        ("-----BEGIN PRIVATE KEY-----", Weight.HIGH),
        ("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.abcdefghijk", Weight.LOW),
        ("ORA-00933", Weight.MEDIUM),
        ("at 192.168.1.10", Weight.LOW),
    ],
)
def test_weights(text: str, weight: Weight) -> None:
    (found,) = scan_response_text(text)
    assert weight_of(found) is weight


_FRAGMENTS = st.sampled_from(
    [
        "10.0.0.7",
        "172.16.4.1",
        "192.168.1.300",
        "user-db.prod.svc.cluster.local",
        "api.internal",
        "AKIAIOSFODNN7EXAMPLE",
        "-----BEGIN RSA PRIVATE KEY-----",
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl",
        "Traceback (most recent call last):",
        'File "/app/main.py", line 3, in <module>',
        "ORA-00933: SQL command not properly ended",
        "You have an error in your SQL syntax",
        "at java.lang.Thread.run(Thread.java:750)",
        '{"id": 7, "name": "Ana"}',
        "1.2.3.4",
        "nginx/1.22.1",
        "\n",
        " ",
    ]
)
_TEXTS = st.lists(_FRAGMENTS | st.text(max_size=12), max_size=8).map("".join)


@given(_TEXTS)
def test_the_one_pass_prefilter_never_hides_a_leak(text: str) -> None:
    found = [detect(text) for detect in LEAK_DETECTORS.values()]
    if not may_leak(text):
        assert found == [None] * len(found)
    if not may_hold_internal_address(text):
        assert detect_internal_address(text) is None


@given(st.lists(_TEXTS, max_size=6))
def test_joined_header_values_prefilter_each_value(values: list[str]) -> None:
    values = [v.replace("\n", " ") for v in values]
    if not may_hold_internal_address("\n".join(values)):
        assert all(detect_internal_address(v) is None for v in values)
