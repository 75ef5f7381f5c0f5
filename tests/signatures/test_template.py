"""Template injection: expressions between every engine's delimiters; placeholders pass."""

from __future__ import annotations

import pytest

from vigil.signatures.detection import Attack
from vigil.signatures.template import detect_template

ATTACKS = [
    ("{{7*7}}", "{{...: arithmetic probe"),
    ("{{7*'7'}}", "{{...: arithmetic probe"),
    ("{{''.__class__.__mro__[1].__subclasses__()}}", "{{...: dunder attribute"),
    ("{{config.items()}}", "{{...: reaches for config"),
    ("{{ lipsum.__globals__ }}", "{{...: dunder attribute"),
    ("${7*7}", "${...: arithmetic probe"),
    ("#{7*7}", "#{...: arithmetic probe"),
    ("<%= 7*7 %>", "<%...: arithmetic probe"),
    ("{% import os %}", "{%...: reaches for import"),
    ("%{(#_memberAccess=@ognl.OgnlContext@DEFAULT_MEMBER_ACCESS)}", "template engine directive"),
    ("${T(java.lang.Runtime).getRuntime().exec('id')}", "template engine directive"),
    ('<#assign ex="freemarker.template.utility.Execute"?new()>', "template engine directive"),
    ("#set($x = 1)", "template engine directive"),
    ("{php}echo 1;{/php}", "template engine directive"),
    ("{{constructor.constructor('alert(1)')()}}", "{{...: reaches for constructor"),
]

BENIGN = [
    "{{name}}",
    "{{ user.name }}",
    "Hello {{first_name}}, your order {{order_id}} shipped",
    "${price}",
    "${HOME}/bin",
    "#{id}",
    "Price: $5 {5}",
    "{% endif %}",
    "function f() { return 1; }",
    "100% sure {really}",
]


@pytest.mark.parametrize(("value", "reason"), ATTACKS, ids=[a for a, _ in ATTACKS])
def test_expressions_are_detected(value: str, reason: str) -> None:
    found = detect_template(value)
    assert found is not None, value
    assert found.kind is Attack.TEMPLATE
    assert found.reason == reason


@pytest.mark.parametrize("value", BENIGN)
def test_placeholders_pass(value: str) -> None:
    assert detect_template(value) is None


def test_jndi_lookups_are_left_to_the_jndi_detector() -> None:
    assert detect_template("${jndi:ldap://x.test/a}") is None
