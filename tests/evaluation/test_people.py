"""Generated people: deterministic, many countries, real-world formats, one line per field."""

from __future__ import annotations

import os
import subprocess
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


def test_people_do_not_depend_on_the_hash_seed() -> None:
    """Some Faker locales build lists from sets (Italian cities): the people must not change
    with ``PYTHONHASHSEED``, or the benign sets differ from run to run."""
    script = (
        "from vigil.evaluation.realworld.people import People; p = People(7); "
        "print([p.person(i) for i in range(3 * 40)])"
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", script],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        ).stdout
        for seed in ("1", "2")
    }
    assert len(outputs) == 1


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
