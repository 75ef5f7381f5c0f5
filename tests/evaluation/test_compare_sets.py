"""The comparison's request sets: which requests each set holds, and its kind."""

from __future__ import annotations

import pytest

from vigil.evaluation.compare import SetKind
from vigil.evaluation.compare_sets import SPECS, RequestSet, Sources, build_sets
from vigil.evaluation.crs_corpus import CrsCase, Label
from vigil.evaluation.wire import from_wire, to_wire
from vigil.http.model import Request

FORM = "modo=registro&nombre=Jose&apellidos=Perez&email=a%40b.es&ciudad=M&cp=1"
HARNESS = [("host", "localhost"), ("user-agent", "OWASP CRS test agent")]


def csic(path: str, query: str) -> Request:
    return Request("GET", path, query, [("host", "localhost:8080"), ("cookie", "JSESSIONID=1")])


NORMAL = [
    csic("/tienda1/publico/buscar.jsp", "texto=mesa&pagina=1"),
    csic("/tienda1/publico/registro.jsp", FORM),
    csic("/tienda1/index.jsp", ""),
]
ANOMALOUS = [csic("/tienda1/publico/buscar.jsp", "texto=%27+or+1%3D1&pagina=1")]


def crs(rule: int, test: int, family: str, label: Label, query: str) -> CrsCase:
    return CrsCase(rule, test, family, label, Request("GET", "/get", query, HARNESS))


CASES = [
    crs(942100, 1, "sqli", Label.ATTACK, "var=1%20union%20select%201,2"),
    crs(942100, 2, "sqli", Label.NEAR_MISS, "var=24%20union%20all%20select%201,2,3%20from%20aa"),
    crs(920100, 1, "protocol", Label.ATTACK, "x=protocol-detail"),
    crs(999999, 1, "benign-traffic", Label.BENIGN, "utm_source=newsletter"),
]


@pytest.fixture(scope="module")
def sets() -> dict[str, RequestSet]:
    built, notes = build_sets(Sources(NORMAL, ANOMALOUS, CASES, people_per_form=2, seed=3))
    assert notes == []
    return {s.spec.name: s for s in built}


def test_every_set_is_built_in_order(sets: dict[str, RequestSet]) -> None:
    assert list(sets) == [spec.name for spec in SPECS]


@pytest.mark.parametrize(
    ("name", "kind", "count"),
    [
        ("csic-anomalous", SetKind.DETECTION, 1),
        ("crs-attacks-placed", SetKind.DETECTION, 1),
        ("csic-normal", SetKind.BENIGN, 3),
        ("people", SetKind.BENIGN, 2),
        ("clients", SetKind.BENIGN, 3),
        ("crs-benign-placed", SetKind.BENIGN, 1),
        ("crs-benign-sent", SetKind.BENIGN, 1),
        ("crs-near-misses-placed", SetKind.NEAR_MISS, 1),
        ("crs-near-misses-sent", SetKind.NEAR_MISS, 1),
        ("crs-attacks-sent", SetKind.DETECTION, 1),
    ],
)
def test_each_set_holds_its_requests(
    sets: dict[str, RequestSet], name: str, kind: SetKind, count: int
) -> None:
    assert sets[name].spec.kind is kind
    assert len(sets[name].items) == count


def test_near_misses_are_never_counted_as_benign(sets: dict[str, RequestSet]) -> None:
    benign = b"".join(
        raw for s in sets.values() if s.spec.kind is SetKind.BENIGN for _, raw in s.items
    )
    assert b"union" not in benign
    near = sets["crs-near-misses-sent"].items
    assert near == [("sqli", to_wire(CASES[1].request))]


def test_attacks_are_the_payload_families_placed_into_csic(sets: dict[str, RequestSet]) -> None:
    ((family, raw),) = sets["crs-attacks-placed"].items
    request = from_wire(raw)
    assert family == "sqli"
    assert request is not None
    assert request.path.startswith("/tienda1/")
    assert "1%20union%20select%201,2" in request.query


def test_people_and_clients_start_from_the_normal_test_set(sets: dict[str, RequestSet]) -> None:
    people = [from_wire(raw) for _, raw in sets["people"].items]
    assert {r.path for r in people if r is not None} == {"/tienda1/publico/registro.jsp"}
    kinds = [klass for klass, _ in sets["clients"].items]
    assert set(kinds) <= {"tool", "browser", "bot"}


def test_unlearned_sets_are_the_ones_sent_to_made_up_routes() -> None:
    assert {s.name for s in SPECS if not s.learned} == {
        "crs-benign-sent",
        "crs-near-misses-sent",
        "crs-attacks-sent",
    }
    assert all(len(s.label) <= 44 for s in SPECS)


def test_without_a_crs_corpus_only_csic_sets_are_built() -> None:
    built, _ = build_sets(Sources(NORMAL, ANOMALOUS, []), names={"csic-normal", "crs-benign-sent"})
    assert [s.spec.name for s in built] == ["csic-normal"]


def test_empty_sets_are_left_out_with_a_note() -> None:
    built, notes = build_sets(
        Sources(NORMAL[:1], ANOMALOUS, CASES[:1]), names={"people", "crs-attacks-sent"}
    )
    assert [s.spec.name for s in built] == ["crs-attacks-sent"]
    assert notes == ["people skipped: no requests"]


def test_unknown_set_names_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown set"):
        build_sets(Sources(NORMAL, ANOMALOUS, CASES), names={"nope"})
