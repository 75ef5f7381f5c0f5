"""SQL injection: attacks in every quoting context, and the look-alikes that must pass."""

from __future__ import annotations

import pytest

from vigil.signatures.detection import Attack
from vigil.signatures.sqli import detect_sqli

ATTACKS = [
    ("1' OR '1'='1", "string break then OR condition"),
    ('-1839" or "1"="2', "string break then OR condition"),
    ("admin'--", "string break then comment"),
    ("admin' #", "string break then comment"),
    ("x' and sleep(5)#", "string break then AND condition"),
    ("') or ('a'='a", "string break then OR condition"),
    ("'or(id glob 1)--", "string break then OR condition"),
    ("x'='x", "string break then '=' expression"),
    ("1' order by 3--", "string break then ORDER"),
    ("foo')waitfor delay'5:0:20'--", "string break then waitfor statement"),
    ("');exec master..xp_cmdshell 'dir'--", "string break then stacked exec"),
    ("1 union select 1,2", "union select"),
    ("-1 UNION ALL SELECT null,version()--", "union select"),
    ("/*!50000union*/ select @@version", "union select"),
    ("1 union/**/select 1,2", "union select"),
    ("1;drop table users", "stacked drop statement"),
    ("1; shutdown--", "stacked shutdown statement"),
    ("1234 OR 1=1", "OR with a tautology or extraction"),
    ("1 and ascii(substring(user(),1,1))>64", "AND with a tautology or extraction"),
    ("x or x=x", "OR with a tautology or extraction"),
    ("1 and sleep(5)", "AND with a tautology or extraction"),
    ("sleep(5)", "call of sleep()"),
    ("benchmark(", "call of benchmark()"),
    ("select * from users", "select statement"),
    ("select @@version", "select statement"),
    ("@@datadir", "system variable @@datadir"),
    ("1 and 1 in (select table_name from information_schema.tables)", "select statement"),
    ("pg_catalog", "catalog pg_catalog"),
    ("1 into outfile '/tmp/x'", "into outfile"),
    ("1 order by 3", "order by column probe"),
    ("1--", "numeric context truncated by a comment"),
    ("1=1", "tautology of two literals"),
    ("'x'!='y", "tautology of two literals"),
    ("42 like 42", "tautology of two literals"),
    ("x'-1-'", "string break then '-' expression"),
    ("x'-sleep(5)-'", "string break then '-' expression"),
    ("x' - La - '", "string break then '-' expression"),
    ("x'-a-b--", "string break then '-' expression"),
    ("x'-a-b or 1=1", "string break then '-' expression"),
    ("x')-a-b", "string break then '-' expression"),
    ("x'-@@version", "string break then '-' expression"),
]

BENIGN = [
    "O'Brien",
    "rock'n'roll",
    "rock & roll",
    "Rock 'n' roll",
    "l'or et l'argent",
    "it's",
    "Tom's or Jerry's",
    "select a thing",
    "Please select 1 option",
    "Select all from the list",
    "Delete from cart",
    "cats or dogs",
    "1 or 2",
    "a == 1 or b == 2",
    "if (x > 1 && y < 2) return;",
    "bread and butter(salted)",
    "I need sleep (a lot)",
    "Suite 1 #4",
    "5 -- great",
    "123<456",
    "1=2",
    "id'is notes",
    'Calle "Mayor" 5, 2º',
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)",
    "The union selected a new leader",
    "email@example.com",
    "-- Sent from my phone",
    "cost: $5 (approx.)",
    "rock'-n-roll",
    "O'-Neil",
    "L'-Île-Perrot",
    "Lac--L'-Larivière",
]


@pytest.mark.parametrize(("value", "reason"), ATTACKS, ids=[a for a, _ in ATTACKS])
def test_attacks_are_detected_with_their_reason(value: str, reason: str) -> None:
    found = detect_sqli(value)
    assert found is not None, value
    assert found.kind is Attack.SQLI
    assert found.reason == reason
    assert found.evidence
    assert found.evidence in value


@pytest.mark.parametrize("value", BENIGN)
def test_look_alikes_pass(value: str) -> None:
    assert detect_sqli(value) is None


def test_evidence_is_bounded() -> None:
    found = detect_sqli("1 union select " + "a," * 200 + "b from t")
    assert found is not None
    assert len(found.evidence) <= 64


def test_only_the_bounded_prefix_is_read() -> None:
    assert detect_sqli("x" * 20000 + " union select 1,2") is None
