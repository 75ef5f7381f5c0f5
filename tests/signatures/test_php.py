"""PHP code injection: tags, superglobals, calls, serialized objects; prices and prose pass."""

from __future__ import annotations

import pytest

from vigil.signatures.detection import Attack
from vigil.signatures.php import detect_php

ATTACKS = [
    ("<?php system('id'); ?>", "PHP open tag"),
    ("<?= `id` ?>", "PHP open tag"),
    ("[php]echo 'x';[/php]", "PHP open tag"),
    ("$_GET['c']", "PHP superglobal"),
    ("eval($_POST['c'])", "PHP superglobal"),
    ('O:8:"stdClass":1:{s:1:"a";i:2;}', "serialized PHP object"),
    ("allow_url_include=On", "php.ini directive"),
    ("$f($x)", "call through a variable"),
    ("$a['x']('ls')", "call through a variable"),
    ("system('id')", "call of system()"),
    ("phpinfo()", "call of phpinfo()"),
    ('base64_decode("aWQ=")', "call of base64_decode()"),
    ("eval/**/(gzinflate(base64_decode('x')))", "call of eval()"),
    ("<? php echo 'x'", "PHP open tag"),
    ("<?\techo 'x';?>", "PHP open tag"),
    ("<?xml :echo 1;", "PHP open tag"),
    ("x[/php]", "PHP open tag"),
    ("system(whoami)", "call of system() with a command"),
    ("passthru( cat ,$x)", "call of passthru() with a command"),
    ("('system')('id')", "call of system by name"),
    ("(string)\"system\"('uname');", "call of system by name"),
    ("[system][0](ls);", "call of system by name"),
    ("(['system'])[0]('uname');", "call of system by name"),
    ("exec#c\n('id')", "call of exec()"),
    ("symlink//c\n()", "call of symlink()"),
    ("pfsockopen('x', 25)", "call of pfsockopen()"),
    ("$y='sys'.'tem';($y)('id');", "call through a variable"),
    ("${@a}(10)", "call through a variable"),
]

BENIGN = [
    "$5 (approx.)",
    "costs $12.50",
    "the system (call) logs",
    "include (optional) extras",
    "eval(x) is a word in the docs",
    "O:8 is a score",
    '<?xml version="1.0"?>',
    "jQuery $(document).ready",
    "price $x",
    '<?xml version="1.0" encoding="UTF-8"?><a/>',
    "system(s) affected",
    "the ('system') call",
    "vanilla extract (2 tsp)",
    "keep in touch (2 days)",
    "a <? b",
    "${price} (incl. tax)",
    "exec(ute) now",
]


@pytest.mark.parametrize(("value", "reason"), ATTACKS, ids=[a for a, _ in ATTACKS])
def test_php_payloads_are_detected(value: str, reason: str) -> None:
    found = detect_php(value)
    assert found is not None, value
    assert found.kind is Attack.PHP
    assert found.reason == reason


@pytest.mark.parametrize("value", BENIGN)
def test_prices_and_prose_pass(value: str) -> None:
    assert detect_php(value) is None
