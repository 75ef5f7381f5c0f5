"""Real-world values placed into CSIC 2010's normal requests, as a browser would send them.

CSIC's registration and profile forms (``registro.jsp``, ``miembros/editar.jsp``) ask for a
name, surnames, e-mail, national ID, address, city, postcode, province and card number. Each
normal *test* request of those forms is replayed with the values of generated people of other
countries in those fields, everything else unchanged. The shop's forms are ISO-8859-1, so values
are encoded as a browser encodes them there: Latin-1 bytes percent-encoded, spaces as ``+``, and
characters Latin-1 cannot hold as numeric character references (``&#1040;``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace
from urllib.parse import quote_plus

from vigil.evaluation.realworld.people import People, Person
from vigil.http.model import Request

PERSON_ROUTES = frozenset({"/tienda1/publico/registro.jsp", "/tienda1/miembros/editar.jsp"})
"""The CSIC paths whose forms carry a person's data."""

PERSON_FIELDS: dict[str, str] = {
    "nombre": "first_name",
    "apellidos": "last_name",
    "email": "email",
    "dni": "national_id",
    "direccion": "street",
    "ciudad": "city",
    "cp": "postcode",
    "provincia": "region",
    "ntc": "card",
}
"""CSIC form field -> the :class:`Person` value of the same kind placed into it."""


def form_encode(value: str) -> str:
    """``value`` as a browser submits it from an ISO-8859-1 form."""
    return quote_plus(value, safe="*-._", encoding="latin-1", errors="xmlcharrefreplace")


def _replace_pairs(encoded: str, person: Person) -> tuple[str, int]:
    parts = encoded.split("&")
    placed = 0
    for i, part in enumerate(parts):
        key, sep, _ = part.partition("=")
        attribute = PERSON_FIELDS.get(key)
        if sep and attribute is not None:
            parts[i] = f"{key}={form_encode(getattr(person, attribute))}"
            placed += 1
    return "&".join(parts), placed


def place(request: Request, person: Person) -> Request | None:
    """``request`` with ``person``'s values in its person fields; None when it has none."""
    if request.path not in PERSON_ROUTES:
        return None
    query, in_query = _replace_pairs(request.query, person)
    body, in_body = request.body, 0
    headers = request.headers
    if request.body:
        text, in_body = _replace_pairs(request.body.decode("latin-1"), person)
        body = text.encode("latin-1")
        headers = [
            (name, str(len(body)) if name == "content-length" else value)
            for name, value in request.headers
        ]
    if not in_query and not in_body:
        return None
    return replace(request, query=query, body=body, headers=headers)


def placed_requests(
    requests: Iterable[Request], variants: int = 3, seed: int = 7
) -> Iterator[tuple[Request, Person]]:
    """Each person-form request of ``requests``, ``variants`` times with a different person."""
    people = People(seed)
    index = 0
    for request in requests:
        for _ in range(variants):
            person = people.person(index)
            placed = place(request, person)
            if placed is None:
                break
            index += 1
            yield placed, person
