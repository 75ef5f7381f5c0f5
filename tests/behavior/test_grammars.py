"""Value grammars: real-world names, e-mails, phones, IDs and addresses follow their kind."""

from __future__ import annotations

import pytest

from vigil.behavior.charclass import PUNCT
from vigil.behavior.grammars import (
    GRAMMAR_NAMES,
    KINDS,
    Grammar,
    grammar_names,
    grammars_of,
    kind_named,
)


@pytest.mark.parametrize(
    ("text", "follows"),
    [
        pytest.param("Anne-Sophie", "name", id="hyphenated-name"),
        pytest.param("García-López", "name", id="accented-hyphenated"),
        pytest.param("O'Brien", "name", id="apostrophe"),
        pytest.param("'t Hooft", "name", id="leading-apostrophe"),
        pytest.param("J.R.R. Tolkien", "name", id="initials"),
        pytest.param("Smith, John", "name", id="comma-space"),
        pytest.param("Jean-Pierre de La Fontaine", "name", id="particles"),
        pytest.param("Анна", "name", id="cyrillic"),
        pytest.param("निखिल", "name", id="devanagari-with-marks"),
        pytest.param("李小龙", "name", id="han"),
        pytest.param("Nguyễn Văn Anh", "name", id="vietnamese"),
        pytest.param("john+tag@example.com", "email", id="plus-address"),
        pytest.param("o'brien@example.ie", "email", id="apostrophe-address"),
        pytest.param("diccico_pastor@año09.io", "email", id="idn-domain"),
        pytest.param("SW1A 1AA", "code", id="uk-postcode"),
        pytest.param("K1A 0B1", "code", id="ca-postcode"),
        pytest.param("12345-6789", "code", id="zip-plus-4"),
        pytest.param("X1234567L", "code", id="spanish-nie"),
        pytest.param("AB 12 34 56 C", "code", id="uk-ni-number"),
        pytest.param("123.456.789-09", "code", id="br-cpf"),
        pytest.param("4111 1111 1111 1111", "phone", id="card-with-spaces"),
        pytest.param("+44 20 7946 0958", "phone", id="international-phone"),
        pytest.param("(555) 123-4567x890", "phone", id="us-phone-extension"),
        pytest.param("+7 (912) 345-67-89", "phone", id="ru-phone"),
        pytest.param("1,234.56", "number", id="thousands"),
        pytest.param("3,5", "number", id="decimal-comma"),
        pytest.param("-42", "number", id="negative"),
        pytest.param('Calle "el Pireo" 93', "address", id="quoted-address"),
        pytest.param("C/ Hach Mohamed, 96, 3ºA", "address", id="ordinal-address"),
        pytest.param("https://example.com/a?b=c", "url", id="absolute-url"),
        pytest.param("/next/page", "url", id="path"),
        pytest.param("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abc-def_ghi", "token", id="jwt"),
        pytest.param("Hello, world! It's 50% off; really?", "text", id="prose"),
    ],
)
def test_real_world_values_follow_their_grammar(text: str, follows: str) -> None:
    assert follows in grammar_names(grammars_of(text))


@pytest.mark.parametrize(
    ("text", "not_followed"),
    [
        pytest.param("-Re'th", "name", id="leading-hyphen"),
        pytest.param("Na.varra", "name", id="period-inside-a-word"),
        pytest.param("Vi,ta", "name", id="comma-without-space"),
        pytest.param("Sotelo- Astorga", "name", id="dangling-hyphen"),
        pytest.param("Tom2", "name", id="digit"),
        pytest.param("' OR '1'='1", "text", id="equals-sign"),
        pytest.param("a<b", "text", id="angle-bracket"),
        pytest.param("x@y", "email", id="no-domain-dot"),
        pytest.param("a@b.c+", "email", id="plus-in-domain"),
        pytest.param("+1 555 abc", "phone", id="letters-in-phone"),
        pytest.param("12 34", "phone", id="too-few-digits"),
        pytest.param("AB--12", "code", id="double-separator"),
        pytest.param("short", "token", id="short-token"),
        pytest.param("javascript alert", "url", id="no-scheme"),
        pytest.param("a\tb", "text", id="tab-is-not-printable"),
    ],
)
def test_look_alikes_do_not_follow(text: str, not_followed: str) -> None:
    assert not_followed not in grammar_names(grammars_of(text))


def test_empty_and_control_values_follow_nothing() -> None:
    assert grammars_of("") == 0
    assert grammars_of("a\x00b") == 0


def test_every_kind_is_consistent() -> None:
    every = sum(int(g) for g in Grammar)
    for name, kind in KINDS.items():
        assert kind.name == name
        assert kind.structure
        assert kind.structure & ~every == 0
        assert kind.specials <= PUNCT
        assert kind_named(name) is kind
    assert set(GRAMMAR_NAMES.values()) <= set(KINDS)


def test_unknown_kind_names_are_refused_with_the_known_ones() -> None:
    with pytest.raises(ValueError, match=r"'nam'.*'name'"):
        kind_named("nam")


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("Kujawsko - pomorskie", id="spaced-hyphen"),
        pytest.param("Hubli–Dharwad", id="en-dash"),
        pytest.param("Frankfurt (Oder)", id="qualifier"),
        pytest.param("O'Brien (Jr.)", id="qualifier-with-period"),
        pytest.param('גבעת כ"ח', id="hebrew-gershayim"),
        pytest.param("Trinidad & Tobago", id="ampersand"),
    ],
)
def test_place_names_follow_the_name_grammar(text: str) -> None:
    assert grammars_of(text) & Grammar.NAME


@pytest.mark.parametrize("text", ["Mont--L'Île", 'admin"--', 'x" or "1', "a (b", "a & ", "(Oder)"])
def test_name_look_alikes_with_comment_or_open_structure_do_not_follow(text: str) -> None:
    assert not grammars_of(text) & Grammar.NAME
