"""Generated people: deterministic, many countries, real-world formats, one line per field."""

from __future__ import annotations

import sys

import pytest

pytest.importorskip("faker")

from vigil.evaluation.realworld.people import LOCALES, MissingGenerator, People


def test_people_are_reproducible_from_the_seed() -> None:
    first = [People(3).person(i) for i in range(5)]
    again = [People(3).person(i) for i in range(5)]
    other = [People(4).person(i) for i in range(5)]
    assert first == again
    assert first != other


def test_locales_are_taken_in_turn() -> None:
    people = People(7)
    assert [people.person(i).locale for i in range(len(LOCALES) + 2)] == [
        *LOCALES,
        *LOCALES[:2],
    ]


def test_values_have_real_world_shapes() -> None:
    people = People(7)
    generated = [people.person(i) for i in range(400)]
    for person in generated:
        for value in (person.street, person.city, person.first_name, person.last_name):
            assert value
            assert "\n" not in value
        assert "@" in person.email
    assert any("+" in p.email.split("@")[0] for p in generated)
    assert any(" " in p.card for p in generated)
    assert any(not p.card.isascii() or p.card.replace(" ", "").isdigit() for p in generated)
    assert any(not p.first_name.isascii() for p in generated)


def test_a_missing_generator_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "faker", None)
    with pytest.raises(MissingGenerator, match=r"pip install 'vigil\[eval\]'"):
        People(7).person(0)
