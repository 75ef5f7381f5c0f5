"""Java injection: gadget classes, serialized objects, OGNL and class-loader binding."""

from __future__ import annotations

import pytest

from vigil.signatures.detection import Attack
from vigil.signatures.java import detect_java

ATTACKS = [
    ("java.lang.Runtime", "Java gadget or class 'java.lang.Runtime'"),
    (
        "new java.lang.ProcessBuilder('id').start()",
        "Java gadget or class 'java.lang.ProcessBuilder'",
    ),
    (
        "org.apache.commons.collections.functors.InvokerTransformer",
        "Java gadget or class 'org.apache.commons.collections'",
    ),
    ("rO0ABXNyABdqYXZhLnV0aWwuUHJpb3JpdHlRdWV1ZQ==", "serialized Java object"),
    ("aced00057372", "serialized Java object"),
    (
        "class.module.classLoader.resources.context.parent.pipeline.first.pattern",
        "class loader reached by data binding",
    ),
    ("(#_memberAccess['allowStaticMethodAccess']=true)", "Java gadget or class '#_memberAccess'"),
    ("@java.lang.Runtime@getRuntime().exec('id')", "Java gadget or class '@java.lang.'"),
    ("java.lang.Class", "Java gadget or class 'java.lang.Class'"),
    ('{"@type": "java.lang.AutoCloseable"}', "Java gadget or class 'java.lang.AutoCloseable'"),
]

BENIGN = [
    "JavaScript is fun",
    "java.com",
    "I like java coffee",
    "processing builder",
    "classroom loader",
    "Impl details",
    "#hashtag",
    "the java.lang package",
    "java.language.org",
]


@pytest.mark.parametrize(("value", "reason"), ATTACKS, ids=[a for a, _ in ATTACKS])
def test_java_payloads_are_detected(value: str, reason: str) -> None:
    found = detect_java(value)
    assert found is not None, value
    assert found.kind is Attack.JAVA
    assert found.reason == reason


@pytest.mark.parametrize("value", BENIGN)
def test_java_words_in_prose_pass(value: str) -> None:
    assert detect_java(value) is None
