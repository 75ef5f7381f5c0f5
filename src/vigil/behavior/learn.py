"""From statistics to criteria: what "normal" means for each field and route.

Criteria come from frequencies with explicit support thresholds, never from a max/union: a
special character, class, shape or encoding is admitted only when enough samples showed it,
lengths are bounded by a high quantile, and a field is an enum only when few values carry all of
its traffic. The thresholds are in :class:`LearnSettings`, so they are visible and testable.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from vigil.behavior.grammars import GRAMMARS, Grammar
from vigil.behavior.policy import FieldPolicy, Policy, ResponsePolicy, RoutePolicy
from vigil.behavior.routes import OTHER_ROUTE, RouteLearner, RouteTable, TemplateFilter
from vigil.behavior.stats import FieldStats, RouteStats
from vigil.behavior.structure import DANGER_NAMES
from vigil.behavior.values import CLASS_NAMES, CharClass
from vigil.http.urlcodec import ENCODING_NAMES


@dataclass(frozen=True, slots=True)
class LearnSettings:
    """Thresholds that turn statistics into criteria."""

    min_support: float = 2.0
    """A character, class, shape or encoding is admitted only after this many samples showed it."""
    support_fraction: float = 0.0
    """...and at least this fraction of the field's samples (0 disables the fraction)."""
    length_quantile: float = 0.9995
    """Upper length bound: this quantile of the learned lengths..."""
    length_slack: float = 0.25
    """...widened by this fraction (and at least 2 characters)."""
    enum_max_values: int = 16
    """A field with at most this many distinct values, each well supported, is an enum."""
    enum_min_per_value: float = 5.0
    pattern_max: int = 16
    """A field whose values show at most this many run patterns (and no overflow) is judged on them."""
    """Average samples per distinct value needed before a field is treated as an enum."""
    required_presence: float = 0.999
    """Presence ratio above which a field is required."""
    min_route_samples: int = 20
    """Routes learned from fewer requests require no field and block only on high-severity
    evidence (see ``engine.compile_route``)."""
    decay_per_learn: float = 0.9
    """After each learning run all statistics are multiplied by this factor, so behaviour that
    stops appearing loses support and its criteria expire (1.0 keeps everything forever)."""
    entropy_min_samples: int = 50
    """Entropy criteria need this many samples of values 16 characters or longer."""
    grammar_min_samples: int = 10
    """A field's kind (its grammar) is learned only from at least this many values."""
    danger_fraction: float = 0.01
    """A dangerous structure is normal for a field only when at least this fraction of its
    values (and ``min_support`` of them) showed it: a few poisoned samples do not admit SQL."""


_CLASS = {cls: i for i, cls in enumerate(CLASS_NAMES)}
_GRAMMAR = {grammar: i for i, grammar in enumerate(GRAMMARS)}


def learn_grammar(stats: FieldStats, settings: LearnSettings) -> str | None:
    """The kind of field ``stats`` describes, or None when no kind fits its values.

    A kind is chosen when (nearly) all values follow its grammar and the values show the
    kind's traits: capitalised or non-Latin words for a name, digits for a code, spaces and
    digits for an address, spaces for free text. Numbers of one fixed width are codes
    (postcodes, IDs) or, past CODE_WIDTH digits, card and account numbers, not quantities; plain non-negative integers of varying width
    (identifiers, counts) get no kind and stay judged as typed integers.
    """
    n = stats.n
    if n < settings.grammar_min_samples:
        return None

    def cover(grammar: Grammar) -> float:
        return stats.grammars[_GRAMMAR[grammar]] / n

    def share(cls: CharClass) -> float:
        return stats.classes[_CLASS[cls]] / n

    if cover(Grammar.NUMBER) >= 0.99:
        width = _fixed_width(stats)
        if width:
            return "code" if width <= CODE_WIDTH else "digits"
        if set(stats.shapes.items) <= {"int"} and not stats.specials.items:
            return None
        return "number"
    if cover(Grammar.EMAIL) >= 0.95:
        return "email"
    if cover(Grammar.URL) >= 0.95:
        return "url"
    if cover(Grammar.TOKEN) >= 0.95 and not set(stats.shapes.items) <= {"hex", "uuid", "int"}:
        return "token"
    if cover(Grammar.NAME) >= 0.9 and share(CharClass.UPPER) + share(CharClass.LETTER_OTHER) >= 0.5:
        return "name"
    if (
        cover(Grammar.CODE) >= 0.95
        and share(CharClass.DIGIT) >= 0.5
        and stats.patterns.overflow == 0
        and len(stats.patterns.items) <= settings.pattern_max
    ):
        return "code"
    if cover(Grammar.PHONE) >= 0.95:
        return "phone"
    if (
        cover(Grammar.ADDRESS) >= 0.6
        and share(CharClass.SPACE) >= 0.5
        and share(CharClass.DIGIT) >= 0.3
    ):
        return "address"
    if cover(Grammar.TEXT) >= 0.9 and share(CharClass.SPACE) >= 0.5:
        return "text"
    return None


CODE_WIDTH = 10
"""Fixed-width numbers up to this many digits are IDs or postcodes (other countries write them
with letters: SW1A 1AA, K1A 0B1); longer ones are card or account numbers (digits only)."""


def _fixed_width(stats: FieldStats) -> int:
    """The width of a field whose values nearly all have one length of 4 or more, else 0."""
    counts = stats.lengths.counts[:33]
    widest = max(range(len(counts)), key=counts.__getitem__)
    return widest if widest >= 4 and counts[widest] >= 0.9 * stats.lengths.total else 0


def _support(count: float, n: float, settings: LearnSettings) -> bool:
    return count >= settings.min_support and count >= settings.support_fraction * n


def learn_field(stats: FieldStats, route_n: float, settings: LearnSettings) -> FieldPolicy:
    """The criteria of one field from its statistics."""
    n = stats.n
    samples = round(n)
    presence = min(1.0, stats.present / route_n) if route_n else 1.0
    classes = [
        name
        for (cls, name), count in zip(CLASS_NAMES.items(), stats.classes, strict=True)
        if cls is not CharClass.PUNCT and _support(count, n, settings)
    ]
    specials = "".join(
        sorted(c for c, v in stats.specials.items.items() if _support(v, n, settings))
    )
    sequences = sorted(s for s, v in stats.sequences.items.items() if _support(v, n, settings))
    shapes = [s for s in stats.shapes.supported(settings.min_support)]
    kinds = [k for k in stats.kinds.supported(settings.min_support) if k != "value"]
    encodings = [
        name
        for (_flag, name), count in zip(ENCODING_NAMES.items(), stats.flags, strict=True)
        if _support(count, n, settings)
    ]
    hi_q = stats.lengths.quantile(settings.length_quantile)
    hi = math.ceil(hi_q + max(2.0, hi_q * settings.length_slack))
    lo = int(stats.lengths.lowest(min_count=stats.lengths.total * (1 - settings.length_quantile)))
    if lo > 0:
        lo = max(0, int(lo * (1 - settings.length_slack)) - 1)
    values = stats.values
    enum: list[str] | None = None
    distinct = len(values.items)
    if (
        values.overflow == 0
        and sum(values.items.values()) >= n - 0.5
        and 0 < distinct <= settings.enum_max_values
        and n >= settings.enum_min_per_value * distinct
        and all(_support(v, n, settings) for v in values.items.values())
    ):
        enum = sorted(values.items)
    patterns: list[str] | None = None
    if (
        enum is None
        and not _support(stats.classes[3], n, settings)
        and stats.patterns.overflow == 0
        and 0 < len(stats.patterns.items) <= settings.pattern_max
        and sum(stats.patterns.items.values()) >= n - 0.5
        and all(_support(v, n, settings) for v in stats.patterns.items.values())
    ):
        patterns = sorted(stats.patterns.items)
    long_values = sum(stats.entropy.counts)
    entropy_max = None
    if long_values >= settings.entropy_min_samples:
        entropy_max = round(stats.entropy.quantile(0.999) + 0.5, 2)
    danger_floor = max(settings.min_support, settings.danger_fraction * n)
    dangers = [
        name
        for (_bit, name), count in zip(DANGER_NAMES.items(), stats.dangers, strict=True)
        if count >= danger_floor
    ]
    return FieldPolicy(
        samples=samples,
        presence=round(presence, 4),
        required=presence >= settings.required_presence and route_n >= settings.min_route_samples,
        length=(lo, max(hi, lo)),
        classes=classes,
        specials=specials,
        sequences=sequences,
        shapes=shapes,
        kinds=kinds,
        enum=enum,
        patterns=patterns,
        encodings=encodings,
        entropy_max=entropy_max,
        max_repeat=max(1, int(stats.repeats.quantile(settings.length_quantile))),
        grammar=learn_grammar(stats, settings),
        dangers=dangers,
    )


def learn_route(
    stats: RouteStats, settings: LearnSettings, previous: RoutePolicy | None = None
) -> RoutePolicy:
    """The criteria of one route; a previous entry's mode and block score are kept."""
    fields = {name: learn_field(f, stats.n, settings) for name, f in sorted(stats.fields.items())}
    response: ResponsePolicy | None = None
    if stats.responses >= 1:
        size_hi = stats.response_sizes.quantile(settings.length_quantile)
        latency = stats.latency_ms.quantile(0.999)
        response = ResponsePolicy(
            samples=round(stats.responses),
            statuses=sorted(int(s) for s in stats.statuses.supported(settings.min_support)),
            size=(0, math.ceil(size_hi * (1 + settings.length_slack) + 64)),
            latency_ms_max=round(max(latency * 4, 50.0), 1) if latency else None,
            fields={
                name: learn_field(f, stats.responses, settings)
                for name, f in sorted(stats.response_fields.items())
            },
        )
    return RoutePolicy(
        mode=previous.mode if previous else None,
        block_score=previous.block_score if previous else None,
        overflow=previous.overflow if previous else None,
        samples=round(stats.n),
        content_types=stats.content_types.supported(settings.min_support),
        fields=fields,
        response=response,
    )


@dataclass(frozen=True, slots=True)
class Learned:
    """The result of one learning run: the next policy, and the statistics to keep."""

    policy: Policy
    statistics: dict[str, RouteStats]
    """Statistics merged per learned route template (and decayed), to be kept for the next run."""
    table: RouteTable
    """The route templates the run generalised the observed paths into."""


def _with_overflow(route: RoutePolicy, templates: list[str]) -> RoutePolicy:
    """``route`` (an ``/{other}`` route) also remembering ``templates`` as seen beyond the bound."""
    seen = TemplateFilter.decode(route.overflow) if route.overflow else TemplateFilter()
    for template in templates:
        seen.add(template)
    return route.model_copy(update={"overflow": seen.encode()})


def learn_policy(
    statistics: dict[str, RouteStats], settings: LearnSettings, previous: Policy
) -> Learned:
    """Generalise routes, merge their statistics and derive the next policy version.

    Pure: ``statistics`` (keyed ``METHOD /typed/path``) are not changed; the returned ones are
    merged per template and aged by ``settings.decay_per_learn``. Routes of ``previous`` that were
    not observed are kept as they are, and each route keeps its mode and block score.
    """
    generaliser = RouteLearner()
    for key, stats in statistics.items():
        generaliser.add(key.split(" ", 1)[1], max(1, int(stats.n)))
    table = RouteTable(frozenset(generaliser.templates()))
    merged: dict[str, RouteStats] = {}
    beyond: dict[str, list[str]] = {}
    for key, stats in statistics.items():
        method, typed = key.split(" ", 1)
        template = table.match(typed)
        if template is None:
            template = OTHER_ROUTE
            if typed != OTHER_ROUTE:
                beyond.setdefault(f"{method} {OTHER_ROUTE}", []).append(typed)
        merged.setdefault(f"{method} {template}", RouteStats()).merge(stats)
    routes = dict(previous.routes)
    for key, stats in merged.items():
        routes[key] = learn_route(stats, settings, routes.get(key))
    for key, templates in beyond.items():
        routes[key] = _with_overflow(routes[key], templates)
    policy = previous.model_copy(update={"routes": routes, "version": previous.version + 1})
    if settings.decay_per_learn < 1.0:
        for stats in merged.values():
            stats.decay(settings.decay_per_learn)
    return Learned(policy, merged, table)
