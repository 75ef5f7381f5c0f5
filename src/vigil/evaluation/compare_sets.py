"""The request sets of the comparison with ModSecurity + CRS, built once for every system.

``vigil eval --compare`` and ``benchmarks/crs_compare.py`` judge the same sets, built here, as
the same bytes (:mod:`vigil.evaluation.wire`). Each set says what its requests are and what
their flagged share measures (:class:`~vigil.evaluation.compare.SetKind`):

- **detection**: CSIC 2010's anomalous test set; the CRS attack tests (a rule must fire) of the
  payload families, their payload placed into a CSIC normal test request (per CRS rule family);
- **false positives**, on requests whose benignity is known: CSIC 2010's normal test set; people
  of 40 countries in CSIC's person forms and CSIC's normal test requests sent by real clients
  (:mod:`vigil.evaluation.realworld`, built from a seed); the CRS ``999`` benign-traffic tests
  (on which no CRS rule may fire), placed into CSIC requests and as sent;
- **near-misses**: the other CRS tests that one rule must *not* flag. They mix benign
  look-alikes with attacks that other rules catch, so only their flagged share is reported,
  never as false positives;
- the CRS attack tests as sent, to made-up routes no model learned: the detectors alone.

The CRS response tests are not requests and stay out (the leak detectors judge them apart).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass

from vigil.evaluation.compare import (
    CONFIGS,
    PAYLOAD_FAMILIES,
    UNLEARNED_CONFIGS,
    LabelledSet,
    SetKind,
)
from vigil.evaluation.crs_corpus import CrsCase, Label
from vigil.evaluation.crs_placement import hosts, place_all
from vigil.evaluation.realworld.clients import BOTS, TOOLS, client_requests
from vigil.evaluation.realworld.people import MissingGenerator
from vigil.evaluation.realworld.placement import placed_requests
from vigil.evaluation.wire import to_wire
from vigil.http.model import Request


@dataclass(frozen=True, slots=True)
class SetSpec:
    """What one set is: its name, kind, a short row label and the full description."""

    name: str
    kind: SetKind
    label: str
    """A table row's label (at most 44 characters)."""
    title: str
    """Exactly what the requests are."""
    learned: bool = True
    """False when no model learned the requests' routes: vigil's detectors alone judge them."""

    @property
    def configs(self) -> tuple[str, ...]:
        """vigil's configurations that apply to the set."""
        return CONFIGS if self.learned else UNLEARNED_CONFIGS

    def labelled(self, others: Sequence[str] = ()) -> LabelledSet:
        """An empty tally of this set for vigil's configurations and ``others`` systems."""
        return LabelledSet(
            self.name, self.kind, self.title, label=self.label, systems=(*others, *self.configs)
        )


SPECS: tuple[SetSpec, ...] = (
    SetSpec(
        "csic-anomalous",
        SetKind.DETECTION,
        "CSIC 2010 anomalous test set",
        "CSIC 2010's anomalous test set: attacks (SQLi, XSS, traversal, CRLF, overflows...) and "
        "tampered values on the shop's own routes",
    ),
    SetSpec(
        "crs-attacks-placed",
        SetKind.DETECTION,
        "CRS attack payloads placed into CSIC",
        "CRS attack tests (a rule must fire) of the payload families, each payload placed into "
        "one parameter (or its header) of a CSIC normal test request; per CRS rule family",
    ),
    SetSpec(
        "csic-normal",
        SetKind.BENIGN,
        "CSIC 2010 normal test set",
        "CSIC 2010's normal test set (the model learned from the separate training set)",
    ),
    SetSpec(
        "people",
        SetKind.BENIGN,
        "people of 40 countries in person forms",
        "CSIC's person-form requests (registro.jsp, editar.jsp) with the names, e-mails, IDs, "
        "addresses, cities, postcodes, regions and cards of Faker people of 40 locales, sent "
        "as a Latin-1 browser form sends them",
    ),
    SetSpec(
        "clients",
        SetKind.BENIGN,
        "CSIC normal requests from real clients",
        "every CSIC normal test request sent with the headers of a real client instead: curl, "
        "Wget, HTTP libraries, real browser User-Agents with their headers, crawlers, probes",
    ),
    SetSpec(
        "crs-benign-placed",
        SetKind.BENIGN,
        "CRS benign traffic placed into CSIC",
        "CRS 999 common-exception tests (no rule may fire: ad and analytics cookies, browser "
        "and bot User-Agents), each placed into a CSIC normal test request",
    ),
    SetSpec(
        "crs-benign-sent",
        SetKind.BENIGN,
        "CRS benign traffic as sent",
        "the same CRS 999 tests as the CRS suite sends them, to routes no model learned",
        learned=False,
    ),
    SetSpec(
        "crs-near-misses-placed",
        SetKind.NEAR_MISS,
        "CRS near-misses placed into CSIC",
        "CRS tests that one rule must not flag (no_expect_ids): benign look-alikes and attacks "
        "other rules catch, mixed; each placed into a CSIC normal test request",
    ),
    SetSpec(
        "crs-near-misses-sent",
        SetKind.NEAR_MISS,
        "CRS near-misses as sent",
        "the same CRS near-miss tests as the CRS suite sends them, to routes no model learned",
        learned=False,
    ),
    SetSpec(
        "crs-attacks-sent",
        SetKind.DETECTION,
        "CRS attack requests as sent",
        "the CRS attack tests of the payload families as the CRS suite sends them, to routes no "
        "model learned: vigil's detectors alone; per CRS rule family",
        learned=False,
    ),
)
"""Every set, in the order reports show them."""
SPEC_BY_NAME = {spec.name: spec for spec in SPECS}
CRS_SETS: dict[str, tuple[Label, bool]] = {
    "crs-attacks-placed": (Label.ATTACK, True),
    "crs-benign-placed": (Label.BENIGN, True),
    "crs-near-misses-placed": (Label.NEAR_MISS, True),
    "crs-benign-sent": (Label.BENIGN, False),
    "crs-near-misses-sent": (Label.NEAR_MISS, False),
    "crs-attacks-sent": (Label.ATTACK, False),
}
"""The CRS sets: which tests (by label) and whether placed into CSIC requests or as sent."""


@dataclass(frozen=True, slots=True)
class RequestSet:
    """One set's requests as ``(class, wire bytes)`` pairs."""

    spec: SetSpec
    items: list[tuple[str, bytes]]


@dataclass(frozen=True, slots=True)
class Sources:
    """What the sets are built from: CSIC 2010's test files and the CRS request tests."""

    normal: Sequence[Request]
    anomalous: Sequence[Request]
    cases: Sequence[CrsCase]
    people_per_form: int = 3
    seed: int = 7


def _client_kind(agent: str) -> str:
    if agent in BOTS:
        return "bot"
    if any(dict(tool).get("user-agent") == agent for tool in TOOLS):
        return "tool"
    return "browser"


def _crs_placed(sources: Sources, label: Label, payload_only: bool) -> Iterator[tuple[str, bytes]]:
    carriers = hosts(sources.normal)
    cases = [c for c in sources.cases if c.label is label]
    for placed in place_all(cases, carriers):
        family = placed.case.family
        if not payload_only or family in PAYLOAD_FAMILIES:
            yield family, to_wire(placed.request)


def _crs_sent(sources: Sources, label: Label, payload_only: bool) -> Iterator[tuple[str, bytes]]:
    for case in sources.cases:
        if case.label is label and (not payload_only or case.family in PAYLOAD_FAMILIES):
            yield case.family, to_wire(case.request)


def _items(name: str, sources: Sources) -> Iterable[tuple[str, bytes]]:
    if name == "csic-anomalous":
        return (("anomalous", to_wire(r)) for r in sources.anomalous)
    if name == "csic-normal":
        return (("normal", to_wire(r)) for r in sources.normal)
    if name == "people":
        people = placed_requests(sources.normal, sources.people_per_form, sources.seed)
        return ((person.locale, to_wire(r)) for r, person in people)
    if name == "clients":
        sent = client_requests(sources.normal, sources.seed)
        return ((_client_kind(agent), to_wire(r)) for r, agent in sent)
    label, placed = CRS_SETS[name]
    build = _crs_placed if placed else _crs_sent
    return build(sources, label, payload_only=label is Label.ATTACK)


def build_sets(
    sources: Sources, names: Collection[str] | None = None
) -> tuple[list[RequestSet], list[str]]:
    """The sets named in ``names`` (all by default), in :data:`SPECS` order, and notes on the
    sets that could not be built (a generator not installed, no request to put in them). The
    CRS sets are left out without a note when ``sources`` has no CRS case."""
    unknown = set(names or ()) - set(SPEC_BY_NAME)
    if unknown:
        raise ValueError(f"unknown set(s): {', '.join(sorted(unknown))}")
    sets: list[RequestSet] = []
    notes: list[str] = []
    for spec in SPECS:
        if names is not None and spec.name not in names:
            continue
        if spec.name.startswith("crs-") and not sources.cases:
            continue
        try:
            items = list(_items(spec.name, sources))
        except MissingGenerator as exc:
            notes.append(f"{spec.name} skipped: {exc}")
            continue
        if not items:
            notes.append(f"{spec.name} skipped: no requests")
            continue
        sets.append(RequestSet(spec, items))
    return sets, notes
