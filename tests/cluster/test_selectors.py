"""Label and node selector semantics (apimachinery and component-helpers)."""

from __future__ import annotations

import pytest

from vigil.cluster.selectors import (
    LabelSelector,
    NodeSelector,
    NodeSelectorTerm,
    Requirement,
    Selector,
    parse_int64,
    selector_matches,
)

LABELS = {"app": "web", "tier": "front", "gen": "0206"}


@pytest.mark.parametrize(
    ("requirement", "labels", "expected"),
    [
        (Requirement("app", "In", ("web", "api")), LABELS, True),
        (Requirement("app", "In", ("api",)), LABELS, False),
        (Requirement("missing", "In", ("x",)), LABELS, False),
        (Requirement("app", "NotIn", ("api",)), LABELS, True),
        (Requirement("app", "NotIn", ("web",)), LABELS, False),
        (Requirement("missing", "NotIn", ("x",)), LABELS, True),
        (Requirement("app", "Exists"), LABELS, True),
        (Requirement("missing", "Exists"), LABELS, False),
        (Requirement("app", "DoesNotExist"), LABELS, False),
        (Requirement("missing", "DoesNotExist"), LABELS, True),
        (Requirement("gen", "Gt", ("0204",)), LABELS, True),
        (Requirement("gen", "Gt", ("206",)), LABELS, False),
        (Requirement("gen", "Lt", ("300",)), LABELS, True),
        (Requirement("gen", "Lt", ("206",)), LABELS, False),
        (Requirement("app", "Gt", ("1",)), LABELS, False),
        (Requirement("missing", "Gt", ("1",)), LABELS, False),
        (Requirement("gen", "Gt", ("1.5",)), LABELS, False),
        (Requirement("gen", "Gt", ("1", "2")), LABELS, False),
        (Requirement("app", "Bogus", ("web",)), LABELS, False),
    ],
)
def test_requirement_matches(
    requirement: Requirement, labels: dict[str, str], expected: bool
) -> None:
    assert requirement.matches(labels) is expected


@pytest.mark.parametrize(
    ("requirement", "valid"),
    [
        (Requirement("k", "In", ()), False),
        (Requirement("k", "In", ("a",)), True),
        (Requirement("k", "NotIn", ()), False),
        (Requirement("k", "Exists", ("a",)), False),
        (Requirement("k", "DoesNotExist"), True),
        (Requirement("k", "Gt", ("1",)), True),
        (Requirement("k", "Gt", ("x",)), False),
        (Requirement("k", "Lt", ()), False),
        (Requirement("k", "Lt", ("1", "2")), False),
    ],
)
def test_requirement_validity(requirement: Requirement, valid: bool) -> None:
    assert requirement.is_valid() is valid


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12", 12),
        ("-3", -3),
        ("+4", 4),
        ("0204", 204),
        (" 1", None),
        ("1_0", None),
        ("1.0", None),
        ("9223372036854775807", 2**63 - 1),
        ("9223372036854775808", None),
        ("", None),
    ],
)
def test_parse_int64_is_strict(text: str, expected: int | None) -> None:
    assert parse_int64(text) == expected


def test_nil_selector_selects_nothing_and_empty_selects_everything() -> None:
    assert selector_matches(None, LABELS) is False
    assert selector_matches(None, {}) is False
    assert selector_matches(LabelSelector(), LABELS) is True
    assert selector_matches(LabelSelector(), {}) is True
    assert Selector.from_label_selector(None).is_nothing
    assert Selector.from_label_selector(LabelSelector()).is_empty()
    assert not Selector.nothing().is_empty()


def test_label_selector_ands_labels_and_expressions() -> None:
    s = LabelSelector({"app": "web"}, (Requirement("tier", "In", ("front",)),))
    assert selector_matches(s, LABELS)
    assert not selector_matches(s, {"app": "web", "tier": "back"})
    assert not selector_matches(s, {"tier": "front"})


def test_adding_to_nothing_stays_nothing() -> None:
    assert Selector.nothing().add(Requirement("a", "Exists")).is_nothing
    assert Selector.everything().add(Requirement("app", "Exists")).matches(LABELS)


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        (NodeSelector(()), False),
        (NodeSelector((NodeSelectorTerm(),)), False),
        (NodeSelector((NodeSelectorTerm((Requirement("app", "In", ("web",)),)),)), True),
        (
            NodeSelector((NodeSelectorTerm(), NodeSelectorTerm((Requirement("app", "Exists"),)))),
            True,
        ),
        (
            NodeSelector(
                (
                    NodeSelectorTerm((Requirement("app", "In", ("api",)),)),
                    NodeSelectorTerm((Requirement("tier", "In", ("front",)),)),
                )
            ),
            True,
        ),
        (
            NodeSelector(
                (
                    NodeSelectorTerm(
                        (Requirement("app", "In", ("web",)), Requirement("tier", "In", ("x",)))
                    ),
                )
            ),
            False,
        ),
        (
            NodeSelector((NodeSelectorTerm((), (Requirement("metadata.name", "In", ("n1",)),)),)),
            True,
        ),
        (
            NodeSelector(
                (NodeSelectorTerm((), (Requirement("metadata.name", "NotIn", ("n1",)),)),)
            ),
            False,
        ),
        (
            NodeSelector(
                (NodeSelectorTerm((), (Requirement("metadata.name", "In", ("n1", "n2")),)),)
            ),
            False,
        ),
        (
            NodeSelector((NodeSelectorTerm((), (Requirement("metadata.uid", "In", ("n1",)),)),)),
            False,
        ),
        (NodeSelector((NodeSelectorTerm((), (Requirement("metadata.name", "Exists"),)),)), False),
        (
            NodeSelector(
                (
                    NodeSelectorTerm((Requirement("app", "In", ()),)),
                    NodeSelectorTerm((Requirement("tier", "Exists"),)),
                )
            ),
            True,
        ),
        (
            NodeSelector(
                (
                    NodeSelectorTerm(
                        (Requirement("app", "In", ("web",)),),
                        (Requirement("metadata.name", "In", ("n2",)),),
                    ),
                )
            ),
            False,
        ),
    ],
)
def test_node_selector_terms(selector: NodeSelector, expected: bool) -> None:
    assert selector.matches("n1", LABELS) is expected
