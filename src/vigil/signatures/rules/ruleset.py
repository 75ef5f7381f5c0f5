"""A compiled rule set: every rule of a service, matched with one multi-pattern pass.

Rules are compiled once per load. The rules that apply to a request are found by route and
method (remembered per route, bounded by :data:`PLAN_CACHE`); the regular expressions and
literal lists of every signature go into one RE2 ``Set``, which reads all selected values of a
request in a single pass (joined by line breaks, the patterns compiled multi-line so that a
match inside one value is always found): only the signatures whose patterns it reports are then
checked value by value, exactly. So a thousand signatures cost one pass, not a thousand.
Virtual patches (``require`` rules) are targeted at named fields and checked on those.

Expired rules are left out at compile time; :attr:`RuleSet.next_expiry` tells the caller when to
compile again. Pure: the caller passes the time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import re2

from vigil.http.body import BodyField
from vigil.inspection.phases import Context
from vigil.signatures.rules.conditions import CompiledCondition
from vigil.signatures.rules.schema import Rule
from vigil.signatures.rules.selectors import RouteMatcher, Selector, request_fields, response_fields

PLAN_CACHE = 4096
"""Bound on remembered (method, route, path) -> applicable rules; emptied when full."""
SET_MEMORY = 64 << 20
"""Memory RE2 may use for the multi-pattern program of one rule set (bytes)."""


@dataclass(frozen=True, slots=True)
class CompiledRule:
    """One rule ready to run."""

    rule: Rule
    route: RouteMatcher
    selectors: tuple[Selector, ...]
    condition: CompiledCondition
    response: bool
    """True when the rule reads response fields."""
    names: tuple[str, ...] | None
    """The exact field names of the rule, or None when a selector is a glob or ``any``."""

    @property
    def id(self) -> str:
        """The rule's id."""
        return self.rule.id

    @property
    def described(self) -> str:
        """The rule's condition in words."""
        return self.condition.describe()

    def selects(self, path: str) -> bool:
        """Whether one of the rule's selectors picks field ``path``."""
        return any(s.selects(path) for s in self.selectors)

    def selected(self, fields: _Fields) -> list[BodyField]:
        """The values of ``fields`` this rule reads, in field order."""
        names = self.names
        if names is not None:
            if len(names) == 1:
                return fields.by_path.get(names[0], [])
            return [f for f in fields.all if f.path in names]
        return [f for f in fields.all if self.selects(f.path)]


@dataclass(slots=True)
class _Fields:
    """One exchange's fields, in order and by name (built once per evaluation)."""

    all: list[BodyField]
    by_path: dict[str, list[BodyField]]

    @classmethod
    def of(cls, fields: list[BodyField]) -> _Fields:
        by_path: dict[str, list[BodyField]] = {}
        for value in fields:
            by_path.setdefault(value.path, []).append(value)
        return cls(fields, by_path)


@dataclass(frozen=True, slots=True)
class RuleHit:
    """A rule that fired on one field: a violated patch or a matched signature."""

    rule: Rule
    field: str
    value: str
    reason: str
    """Why it fired: the violated parts of a patch, or what a signature matched."""
    condition: str
    """The rule's condition in words (``matches ^[a-z]{1,32}$``)."""


@dataclass(frozen=True, slots=True)
class Evaluation:
    """What a rule set found in one exchange, and the fields its virtual patches claimed."""

    hits: list[RuleHit]
    claimed: frozenset[str]


@dataclass(frozen=True, slots=True)
class _Plan:
    patches: tuple[tuple[CompiledRule, ...], ...]
    """Virtual patches that apply here, grouped by (fields, condition): a group reads its
    values and checks them once, however many rules share it."""
    signatures: tuple[CompiledRule, ...]
    """Signatures without a pattern, checked value by value."""
    patterned: frozenset[int]
    """Indices (in the set) of the patterns whose signatures apply here."""
    raw: bool
    """Whether one of those signatures reads a ``raw.*`` field (else raw fields stay out)."""


def _shared(conditions: dict[str, CompiledCondition], rule: Rule) -> CompiledCondition:
    """One compiled condition per distinct condition, so rules that repeat one share its memo."""
    key = rule.condition.model_dump_json()
    compiled = conditions.get(key)
    if compiled is None:
        compiled = conditions[key] = CompiledCondition.compile(rule.condition)
    return compiled


def _multiline(pattern: str) -> str | None:
    """``pattern`` for the joined-values pass, or None when it cannot take part (``\\A``, ``\\z``)."""
    if "\\A" in pattern or "\\z" in pattern:
        return None
    return f"(?m:{pattern})"


@dataclass
class RuleSet:
    """The compiled rules of one service."""

    rules: tuple[CompiledRule, ...]
    next_expiry: dt.datetime | None
    expired: tuple[str, ...] = ()
    """Ids of rules left out because they had expired when compiled."""
    _set: Any = field(default=None, repr=False)
    _owners: dict[int, CompiledRule] = field(default_factory=dict, repr=False)
    _unpatterned: tuple[CompiledRule, ...] = field(default=(), repr=False)
    _plans: dict[tuple[str, str, str, bool], _Plan] = field(default_factory=dict, repr=False)

    @classmethod
    def compile(cls, rules: Iterable[Rule], now: dt.datetime) -> RuleSet:
        """Compile validated rules as of ``now`` (expired rules are left out)."""
        active: list[CompiledRule] = []
        expired: list[str] = []
        next_expiry: dt.datetime | None = None
        conditions: dict[str, CompiledCondition] = {}
        for rule in rules:
            expiry = rule.expiry()
            if expiry is not None and expiry <= now:
                expired.append(rule.id)
                continue
            if expiry is not None and (next_expiry is None or expiry < next_expiry):
                next_expiry = expiry
            selectors = tuple(Selector.compile(s) for s in rule.fields)
            exact = not any(s.program is not None or s.is_any for s in selectors)
            active.append(
                CompiledRule(
                    rule=rule,
                    route=RouteMatcher.compile(rule.route, rule.methods),
                    selectors=selectors,
                    condition=_shared(conditions, rule),
                    response=rule.fields[0].startswith("response."),
                    names=tuple(s.text for s in selectors) if exact else None,
                )
            )
        ruleset = cls(tuple(active), next_expiry, tuple(expired))
        ruleset._build_set()
        return ruleset

    def _build_set(self) -> None:
        options = re2.Options()
        options.log_errors = False
        options.max_mem = SET_MEMORY
        matcher = re2.Set.SearchSet(options)
        unpatterned: list[CompiledRule] = []
        for compiled in self.rules:
            if compiled.rule.is_patch:
                continue
            patterns = [_multiline(p) for p in compiled.condition.patterns]
            if not patterns or any(p is None for p in patterns):
                unpatterned.append(compiled)
                continue
            for pattern in patterns:
                if pattern is not None:
                    self._owners[matcher.Add(pattern)] = compiled
        self._unpatterned = tuple(unpatterned)
        if self._owners:
            matcher.Compile()
            self._set = matcher

    @property
    def patches(self) -> list[Rule]:
        """The active virtual patches."""
        return [c.rule for c in self.rules if c.rule.is_patch]

    def _plan(self, method: str, route_path: str, request_path: str, response: bool) -> _Plan:
        key = (method, route_path, request_path, response)
        plan = self._plans.get(key)
        if plan is not None:
            return plan

        def applies(c: CompiledRule) -> bool:
            return c.response is response and c.route.applies(method, route_path, request_path)

        groups: dict[tuple[object, int], list[CompiledRule]] = {}
        for c in self.rules:
            if c.rule.is_patch and applies(c):
                group = (c.names if c.names is not None else c.id, id(c.condition))
                groups.setdefault(group, []).append(c)
        patches = tuple(tuple(members) for members in groups.values())
        signatures = tuple(c for c in self._unpatterned if applies(c))
        owners = {i: c for i, c in self._owners.items() if applies(c)}
        raw = any(
            s.text.startswith("raw.") or s.text == "*" for c in owners.values() for s in c.selectors
        )
        plan = _Plan(patches, signatures, frozenset(owners), raw)
        if len(self._plans) >= PLAN_CACHE:
            self._plans.clear()
        self._plans[key] = plan
        return plan

    def evaluate(self, context: Context, response: bool = False) -> Evaluation:
        """The hits of the rules on ``context``'s request (or, with ``response``, its response)."""
        if not self.rules:
            return Evaluation([], frozenset())
        method = context.request.method.upper()
        route_path = context.route.split(" ", 1)[-1]
        request_path = "/" + "/".join(context.observation.segments)
        plan = self._plan(method, route_path, request_path, response)
        if not (plan.patches or plan.signatures or plan.patterned):
            return Evaluation([], frozenset())
        fields = _Fields.of(response_fields(context) if response else request_fields(context))
        hits: list[RuleHit] = []
        claimed: set[str] = set()
        for group in plan.patches:
            hits.extend(_check_patches(group, fields, claimed))
        for compiled in plan.signatures:
            hits.extend(_check_signature(compiled, fields))
        if plan.patterned and self._set is not None:
            for compiled in self._prefiltered(plan, fields):
                hits.extend(_check_signature(compiled, fields))
        return Evaluation(hits, frozenset(claimed))

    def _prefiltered(self, plan: _Plan, fields: _Fields) -> list[CompiledRule]:
        if plan.raw:
            blob = "\n".join(f.text for f in fields.all)
        else:
            blob = "\n".join(f.text for f in fields.all if not f.path.startswith("raw."))
        matched = self._set.Match(blob)
        if not matched:
            return []
        seen: set[str] = set()
        out: list[CompiledRule] = []
        for index in sorted(matched):
            if index in plan.patterned:
                compiled = self._owners[index]
                if compiled.id not in seen:
                    seen.add(compiled.id)
                    out.append(compiled)
        return out


def _check_patches(
    group: tuple[CompiledRule, ...], fields: _Fields, claimed: set[str]
) -> list[RuleHit]:
    """The hits of virtual patches that share their fields and condition."""
    first = group[0]
    hits: list[RuleHit] = []
    selected = first.selected(fields)
    for value in selected:
        claimed.add(value.path)
        violations = first.condition.violations(value.text)
        if violations:
            reason = "; ".join(violations)
            hits.extend(RuleHit(c.rule, value.path, value.text, reason, c.described) for c in group)
    if not selected:
        for compiled in group:
            if compiled.rule.missing == "alert":
                where = ", ".join(s.text for s in compiled.selectors)
                hits.append(
                    RuleHit(
                        compiled.rule, where, "", "required field is absent", compiled.described
                    )
                )
    return hits


def _check_signature(compiled: CompiledRule, fields: _Fields) -> list[RuleHit]:
    for value in compiled.selected(fields):
        reason = compiled.condition.match(value.text)
        if reason is not None:
            return [RuleHit(compiled.rule, value.path, value.text, reason, compiled.described)]
    return []
