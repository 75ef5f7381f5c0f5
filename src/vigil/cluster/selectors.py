"""Label selectors and node selectors with the exact matching rules of apimachinery.

Two kinds of selectors exist upstream. ``metav1.LabelSelector`` (matchLabels + matchExpressions
with In/NotIn/Exists/DoesNotExist) distinguishes a nil selector, which selects nothing, from an
empty one, which selects everything. ``v1.NodeSelector`` (ORed terms of ANDed label expressions,
with Gt/Lt, and ``matchFields`` on ``metadata.name``) treats empty terms as matching nothing and a
term with an invalid requirement as failing, not as an error.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum

LABEL_OPERATORS = frozenset({"In", "NotIn", "Exists", "DoesNotExist"})
NODE_SELECTOR_OPERATORS = frozenset({"In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"})
OBJECT_NAME_FIELD = "metadata.name"

_INT64 = re.compile(r"^[+-]?[0-9]+$")
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


def parse_int64(text: str) -> int | None:
    """``strconv.ParseInt(text, 10, 64)``: the integer, or None when it does not parse."""
    if not _INT64.match(text):
        return None
    number = int(text)
    return number if _INT64_MIN <= number <= _INT64_MAX else None


@dataclass(frozen=True, slots=True)
class Requirement:
    """One ``key operator values`` requirement (label selectors and node selectors)."""

    key: str
    operator: str
    values: tuple[str, ...] = ()

    def is_valid(self) -> bool:
        """Whether ``labels.NewRequirement`` would accept it (value count and integer rules)."""
        if self.operator in ("In", "NotIn"):
            return len(self.values) > 0
        if self.operator in ("Exists", "DoesNotExist"):
            return len(self.values) == 0
        if self.operator in ("Gt", "Lt"):
            return len(self.values) == 1 and parse_int64(self.values[0]) is not None
        return False

    def matches(self, labels: Mapping[str, str]) -> bool:
        """``Requirement.Matches``: NotIn and DoesNotExist match an absent key."""
        op = self.operator
        if op == "In":
            return self.key in labels and labels[self.key] in self.values
        if op == "NotIn":
            return self.key not in labels or labels[self.key] not in self.values
        if op == "Exists":
            return self.key in labels
        if op == "DoesNotExist":
            return self.key not in labels
        if op in ("Gt", "Lt"):
            if self.key not in labels or len(self.values) != 1:
                return False
            have = parse_int64(labels[self.key])
            want = parse_int64(self.values[0])
            if have is None or want is None:
                return False
            return have > want if op == "Gt" else have < want
        return False


@dataclass(frozen=True, slots=True)
class LabelSelector:
    """``metav1.LabelSelector``. Use ``None`` where upstream has a nil selector."""

    match_labels: Mapping[str, str] = field(default_factory=dict)
    match_expressions: tuple[Requirement, ...] = ()

    def is_empty(self) -> bool:
        """True for ``{}``, which selects everything."""
        return not self.match_labels and not self.match_expressions


class _Kind(Enum):
    NOTHING = "nothing"
    REQUIREMENTS = "requirements"


@dataclass(frozen=True, slots=True)
class Selector:
    """A compiled selector (``labels.Selector``): either nothing, or ANDed requirements.

    No requirements means everything.
    """

    requirements: tuple[Requirement, ...] = ()
    kind: _Kind = _Kind.REQUIREMENTS

    @staticmethod
    def nothing() -> Selector:
        """Matches no label set (``labels.Nothing()``)."""
        return Selector((), _Kind.NOTHING)

    @staticmethod
    def everything() -> Selector:
        """Matches every label set (``labels.Everything()``)."""
        return Selector(())

    @staticmethod
    def from_set(labels: Mapping[str, str]) -> Selector:
        """Equality requirements for each pair (``labels.SelectorFromSet``)."""
        return Selector(tuple(Requirement(k, "In", (v,)) for k, v in sorted(labels.items())))

    @staticmethod
    def from_label_selector(selector: LabelSelector | None) -> Selector:
        """``LabelSelectorAsSelector``: nil selects nothing, ``{}`` selects everything."""
        if selector is None:
            return Selector.nothing()
        reqs = [Requirement(k, "In", (v,)) for k, v in sorted(selector.match_labels.items())]
        reqs.extend(selector.match_expressions)
        return Selector(tuple(reqs))

    @property
    def is_nothing(self) -> bool:
        """True for the selector that matches nothing."""
        return self.kind is _Kind.NOTHING

    def is_empty(self) -> bool:
        """``Selector.Empty()``: true when there are no requirements (the everything selector)."""
        return self.kind is _Kind.REQUIREMENTS and not self.requirements

    def add(self, *requirements: Requirement) -> Selector:
        """AND more requirements; the nothing selector stays nothing."""
        if self.is_nothing:
            return self
        return Selector(self.requirements + requirements)

    def matches(self, labels: Mapping[str, str]) -> bool:
        """Whether the label set satisfies every requirement."""
        if self.is_nothing:
            return False
        return all(r.matches(labels) for r in self.requirements)


def selector_matches(selector: LabelSelector | None, labels: Mapping[str, str]) -> bool:
    """Match a (possibly nil) ``metav1.LabelSelector`` against labels."""
    return Selector.from_label_selector(selector).matches(labels)


@dataclass(frozen=True, slots=True)
class NodeSelectorTerm:
    """One ``nodeSelectorTerm``: label expressions and field expressions, all ANDed."""

    match_expressions: tuple[Requirement, ...] = ()
    match_fields: tuple[Requirement, ...] = ()

    def is_empty(self) -> bool:
        """An empty term is dropped upstream and matches nothing."""
        return not self.match_expressions and not self.match_fields

    def is_valid(self) -> bool:
        """Whether the term parses (every requirement valid; fields only ``metadata.name``)."""
        if not all(
            r.operator in NODE_SELECTOR_OPERATORS and r.is_valid() for r in self.match_expressions
        ):
            return False
        return all(
            r.key == OBJECT_NAME_FIELD and r.operator in ("In", "NotIn") and len(r.values) == 1
            for r in self.match_fields
        )

    def matches(self, node_name: str, node_labels: Mapping[str, str]) -> bool:
        """Whether a node matches; invalid and empty terms never match."""
        if self.is_empty() or not self.is_valid():
            return False
        if not all(r.matches(node_labels) for r in self.match_expressions):
            return False
        fields = {OBJECT_NAME_FIELD: node_name}
        return all(r.matches(fields) for r in self.match_fields)


@dataclass(frozen=True, slots=True)
class NodeSelector:
    """``v1.NodeSelector``: ORed terms. No usable term means no node matches."""

    terms: tuple[NodeSelectorTerm, ...] = ()

    def matches(self, node_name: str, node_labels: Mapping[str, str]) -> bool:
        """Whether any term matches the node."""
        return any(t.matches(node_name, node_labels) for t in self.terms)


@dataclass(frozen=True, slots=True)
class PreferredSchedulingTerm:
    """A weighted node selector term of ``preferredDuringSchedulingIgnoredDuringExecution``."""

    weight: int
    preference: NodeSelectorTerm
