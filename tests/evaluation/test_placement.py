"""People placed into CSIC's person forms as a Latin-1 browser form sends them."""

from __future__ import annotations

import unicodedata

import pytest

pytest.importorskip("faker")

from vigil.behavior.profile import profile_request
from vigil.behavior.values import undo_references
from vigil.evaluation.realworld.people import Person
from vigil.evaluation.realworld.placement import (
    PERSON_FIELDS,
    form_encode,
    place,
    placed_requests,
)
from vigil.http.model import Request

PERSON = Person(
    locale="ru_RU",
    first_name="Анна",
    last_name="García-López",
    email="anna+shop@example.com",
    national_id="X1234567L",
    street="Calle Mayor 3, 2ºB",
    city="Frankfurt (Oder)",
    postcode="SW1A 1AA",
    region="Île-de-France",
    phone="+7 912 345-67-89",
    card="4111 1111 1111 1111",
)
FORM = "modo=registro&login=tom&nombre=Jose&apellidos=Perez&email=a%40b.es&dni=1X&direccion=C&ciudad=M&cp=1&provincia=P&ntc=1"


@pytest.mark.parametrize(
    ("value", "encoded"),
    [
        pytest.param("García López", "Garc%EDa+L%F3pez", id="latin1-bytes"),
        pytest.param(
            "Анна", "%26%231040%3B%26%231085%3B%26%231085%3B%26%231072%3B", id="references"
        ),
        pytest.param("a+b@c.com", "a%2Bb%40c.com", id="plus-and-at"),
        pytest.param("O'Brien", "O%27Brien", id="apostrophe"),
    ],
)
def test_values_are_encoded_as_a_latin1_form(value: str, encoded: str) -> None:
    assert form_encode(value) == encoded


def test_person_fields_are_replaced_and_the_rest_is_kept() -> None:
    get = Request("GET", "/tienda1/publico/registro.jsp", FORM, [("host", "localhost:8080")])
    placed = place(get, PERSON)
    assert placed is not None
    fields = {f.path: f.text for f in profile_request(placed).fields}
    assert fields["query.login"] == "tom"
    assert fields["query.modo"] == "registro"
    for name, attribute in PERSON_FIELDS.items():
        value = unicodedata.normalize("NFKC", getattr(PERSON, attribute))
        assert undo_references(fields[f"query.{name}"]) == value


def test_post_bodies_get_their_length_updated() -> None:
    post = Request(
        "POST",
        "/tienda1/miembros/editar.jsp",
        "",
        [("content-type", "application/x-www-form-urlencoded"), ("content-length", "999")],
        FORM.encode(),
    )
    placed = place(post, PERSON)
    assert placed is not None
    assert dict(placed.headers)["content-length"] == str(len(placed.body))
    assert b"nombre=%26%231040%3B" in placed.body


def test_other_routes_and_requests_without_person_fields_are_not_placed() -> None:
    assert place(Request("GET", "/tienda1/publico/anadir.jsp", "nombre=Vino"), PERSON) is None
    assert place(Request("GET", "/tienda1/publico/registro.jsp", "modo=x"), PERSON) is None


def test_each_form_request_is_replayed_with_several_people() -> None:
    requests = [
        Request("GET", "/tienda1/publico/registro.jsp", FORM),
        Request("GET", "/tienda1/index.jsp"),
        Request("GET", "/tienda1/miembros/editar.jsp", FORM),
    ]
    placed = list(placed_requests(requests, variants=3, seed=1))
    assert len(placed) == 6
    assert len({person.locale for _, person in placed}) == 6
