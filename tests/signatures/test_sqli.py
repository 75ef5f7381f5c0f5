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
    ("z'or email notnull--", "string break then OR and the query cut off"),
    ("a@b.c' and email ilike email--", "string break then AND and the query cut off"),
    ("user'collate nocase--", "string break then COLLATE and the query cut off"),
    ("id'not like id--", "string break then NOT and the query cut off"),
    ("x' or json (id);", "string break then OR and the query cut off"),
    ("x' and( likelihood (id,.0));'", "string break then AND and the query cut off"),
    ('" union select', "string break then UNION SELECT"),
    ("x\\' or 'a'='a", "string break then OR condition"),
    ("a\\' and 1", "string break then AND condition"),
    ("SELECT/**/password/**/FROM/**/Members", "select statement"),
    ("0/**/union/*!50000select*/table_name`t`/**/", "union select"),
    ("1;INSERT /*x*/INTO category(id) VALUES (3)-- -", "stacked insert statement"),
    ("1;replace into t(a) values (1)", "stacked replace statement"),
    (";REPLACE/**/t/**/(id, name) VALUES (1, 'x');", "stacked replace statement"),
    ("1;SET @a=0x73656c656374;prepare b from @a;execute b;", "stacked set statement"),
    ("x;prepare s from @q", "stacked prepare statement"),
    ("1 GROUP BY CONCAT(0x71,(SELECT (CASE WHEN (1=1) THEN 1 ELSE 0 END)))", "select statement"),
    ("select case when 1=1 then 1 end", "select statement"),
    ("EXECUTE IMMEDIATE 'drop table t'", "execute statement"),
    ("q=a waitfor delay '0:0:15' --", "waitfor delay"),
    ("1 procedure analyse (extractvalue(1,1),1)", "procedure analyse"),
    ("password::int", "cast to int"),
    ("1+current_user::int", "cast to int"),
    ("unistr(password)::int", "cast to int"),
    ("(select passwd from pg_shadow limit 1)::text", "select statement"),
    ("'[1,2]'::jsonb - 1", "cast to jsonb"),
    ("lo_import('/etc/passwd')", "call of lo_import()"),
    ("load_file('/etc/passwd')", "call of load_file()"),
    ("pg_read_file('/etc/passwd', 0, 200)", "call of pg_read_file()"),
    ("1;exec xp_regread 'HKEY_LOCAL_MACHINE'", "stacked exec statement"),
    ("x xp_dirtree '\\\\host\\share'", "procedure xp_dirtree"),
    ("usename from pg_user", "catalog pg_user"),
    ("from `information_schema`.tables limit", "catalog information_schema"),
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
    "O'Brien & Sons -- since 1990",
    "students' or teachers' -- pick one",
    "the parents' or the children's",
    "it's not -- really",
    "std::string",
    "Foo::Bar::int",
    "Union select committee",
    "The union selected its leader; select one",
    "Credit union; select an account",
    "back\\slash O'Brien",
    "C:\\Users\\O'Neil\\file.txt",
    "10:00 -- 12:00",
    "2024-01-01 -- 2024-02-01",
    "set @home = yes",
    "replace the filter (carbon)",
    "procedure (surgical)",
    "wait for delay notice",
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
