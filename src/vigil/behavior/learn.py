"""From statistics to criteria: what "normal" means for each field and route.

Criteria come from frequencies with explicit support thresholds, never from a max/union: a
route, field, special character, class, shape, sequence, encoding, enum value, content type or
status is admitted only when enough distinct clients in enough distinct time windows showed it
(:mod:`vigil.behavior.support`), so one client cannot teach the policy anything, however many
requests it sends. Lengths are bounded by a high quantile, and a field is an enum only when few
values carry all of its traffic. The thresholds are in :class:`LearnSettings`, so they are visible
and testable.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from vigil.behavior.grammars import GRAMMAR_NAMES, GRAMMARS, Grammar
from vigil.behavior.policy import FieldPolicy, Policy, ResponsePolicy, RoutePolicy
from vigil.behavior.routes import OTHER_ROUTE, RouteLearner, RouteTable, TemplateFilter
from vigil.behavior.statistics import CONTENT_TYPE, STATUS, Bounds, Statistics
from vigil.behavior.stats import FieldStats, RouteStats
from vigil.behavior.structure import DANGER_NAMES
from vigil.behavior.support import Feature, FieldSupport, RouteSupport, Thresholds
from vigil.behavior.values import CLASS_NAMES, CharClass
from vigil.http.urlcodec import ENCODING_NAMES


@dataclass(frozen=True, slots=True)
class LearnSettings:
    """Thresholds that turn statistics into criteria."""

    min_clients: int = 3
    """An item (route, field, character, sequence, shape, enum value, content type, status...)
    enters the policy only after this many distinct clients showed it..."""
    min_windows: int = 2
    """...in at least this many distinct time windows."""
    window_seconds: float = 600.0
    """Length of a time window (the gate stamps each exchange with the time it was received)."""
    min_support: float = 2.0
    """...and only after this many samples showed it."""
    support_fraction: float = 0.0
    """...and at least this fraction of the field's samples (0 disables the fraction)."""
    length_quantile: float = 0.9995
    """Upper length bound: this quantile of the learned lengths..."""
    length_slack: float = 0.25
    """...widened by this fraction (and at least 2 characters)."""
    enum_max_values: int = 16
    """A field with at most this many distinct values, each well supported, is an enum."""
    enum_min_per_value: float = 5.0
    """Average samples per distinct value needed before a field is treated as an enum."""
    pattern_max: int = 16
    """A field whose values show at most this many run patterns (and no overflow) is judged on them."""
    required_presence: float = 0.999
    """Presence ratio above which a field is required."""
    min_route_samples: int = 20
    """Routes learned from fewer requests (counted since they were first seen, never decayed)
    require no field and block only on high-severity evidence (see ``compiled.compile_route``)."""
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
    bounds: Bounds = field(default_factory=Bounds)
    """Bounds on the statistics kept between two learning runs."""
    max_policy_fields: int = 8192
    """Fields of the published policy over all routes (about 300 bytes of YAML each); routes
    with the fewest samples are left out first when more were learned."""

    @property
    def thresholds(self) -> Thresholds:
        """K clients in W windows, as the statistics count them."""
        return Thresholds(self.min_clients, self.min_windows)

    def statistics(self) -> Statistics:
        """Empty statistics that count under these settings."""
        return Statistics(self.thresholds, self.window_seconds, self.bounds)


_CLASS = {cls: i for i, cls in enumerate(CLASS_NAMES)}
_GRAMMAR = {grammar: i for i, grammar in enumerate(GRAMMARS)}


def learn_grammar(
    stats: FieldStats, settings: LearnSettings, support: FieldSupport | None = None
) -> str | None:
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
        if support is not None and not support.admits(Feature.GRAMMAR, GRAMMAR_NAMES[grammar]):
            return 0.0
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
    counts = stats.lengths.counts
    exact = [i for i in counts if i <= 32]
    if not exact:
        return 0
    widest = max(exact, key=lambda i: (counts[i], -i))
    return widest if widest >= 4 and counts[widest] >= 0.9 * stats.lengths.total else 0


def learn_field(
    stats: FieldStats, support: FieldSupport, route_n: float, settings: LearnSettings
) -> FieldPolicy:
    """The criteria of one field from its statistics and the support of its items."""
    n = stats.n

    def admitted(count: float, feature: Feature, item: str) -> bool:
        return (
            count >= settings.min_support
            and count >= settings.support_fraction * n
            and support.admits(feature, item)
        )

    samples = round(n)
    presence = min(1.0, stats.present / route_n) if route_n else 1.0
    classes = [
        name
        for (cls, name), count in zip(CLASS_NAMES.items(), stats.classes, strict=True)
        if cls is not CharClass.PUNCT and admitted(count, Feature.CLASS, name)
    ]
    specials = "".join(
        sorted(c for c, v in stats.specials.items.items() if admitted(v, Feature.SPECIAL, c))
    )
    sequences = sorted(
        s for s, v in stats.sequences.items.items() if admitted(v, Feature.SEQUENCE, s)
    )
    shapes = [
        s for s in stats.shapes.supported(settings.min_support) if support.admits(Feature.SHAPE, s)
    ]
    kinds = [
        k
        for k in stats.kinds.supported(settings.min_support)
        if k != "value" and support.admits(Feature.KIND, k)
    ]
    encodings = [
        name
        for (_flag, name), count in zip(ENCODING_NAMES.items(), stats.flags, strict=True)
        if admitted(count, Feature.ENCODING, name)
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
        and all(admitted(v, Feature.VALUE, k) for k, v in values.items.items())
    ):
        enum = sorted(values.items)
    patterns: list[str] | None = None
    if (
        enum is None
        and not admitted(stats.classes[3], Feature.CLASS, "space")
        and stats.patterns.overflow == 0
        and 0 < len(stats.patterns.items) <= settings.pattern_max
        and sum(stats.patterns.items.values()) >= n - 0.5
        and all(admitted(v, Feature.PATTERN, k) for k, v in stats.patterns.items.items())
    ):
        patterns = sorted(stats.patterns.items)
    long_values = stats.entropy.total
    entropy_max = None
    if long_values >= settings.entropy_min_samples:
        entropy_max = round(stats.entropy.quantile(0.999) + 0.5, 2)
    danger_floor = max(settings.min_support, settings.danger_fraction * n)
    dangers = [
        name
        for (_bit, name), count in zip(DANGER_NAMES.items(), stats.dangers, strict=True)
        if count >= danger_floor and support.admits(Feature.DANGER, name)
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
        grammar=learn_grammar(stats, settings, support),
        dangers=dangers,
    )


def learn_route(
    stats: RouteStats,
    support: RouteSupport,
    settings: LearnSettings,
    previous: RoutePolicy | None = None,
) -> RoutePolicy:
    """The criteria of one route: only fields and items that enough clients showed.

    A previous entry's mode and block score are kept. ``samples`` counts every request the route
    ever had (not decayed), so a rarely used route matures instead of staying young forever.
    """
    fields = {
        name: learn_field(f, support.field_support(name), stats.n, settings)
        for name, f in sorted(stats.fields.items())
        if support.field_support(name).presence.met
    }
    response: ResponsePolicy | None = None
    if stats.responses >= 1:
        size_hi = stats.response_sizes.quantile(settings.length_quantile)
        latency = stats.latency_ms.quantile(0.999)
        response = ResponsePolicy(
            samples=round(stats.responses),
            statuses=sorted(
                int(s)
                for s in stats.statuses.supported(settings.min_support)
                if support.admits(STATUS, s)
            ),
            size=(0, math.ceil(size_hi * (1 + settings.length_slack) + 64)),
            latency_ms_max=round(max(latency * 4, 50.0), 1) if latency else None,
            fields={
                name: learn_field(
                    f, support.field_support(name, response=True), stats.responses, settings
                )
                for name, f in sorted(stats.response_fields.items())
                if support.field_support(name, response=True).presence.met
            },
        )
    return RoutePolicy(
        mode=previous.mode if previous else None,
        block_score=previous.block_score if previous else None,
        changed_at=previous.changed_at if previous else None,
        mode_since=previous.mode_since if previous else None,
        overflow=previous.overflow if previous else None,
        samples=max(support.samples, round(stats.n)),
        content_types=[
            c
            for c in stats.content_types.supported(settings.min_support)
            if support.admits(CONTENT_TYPE, c)
        ],
        fields=fields,
        response=response,
    )


@dataclass(frozen=True, slots=True)
class Learned:
    """The result of one learning run: the next policy, and the statistics to keep."""

    policy: Policy
    statistics: Statistics
    """Statistics merged per learned route template (and decayed), to be kept for the next run."""
    table: RouteTable
    """The route templates the run generalised the observed paths into."""
    unpublished: tuple[str, ...] = ()
    """Routes not (yet) published: fewer than K clients in W windows showed them, or they did not
    fit the policy's field bound."""


def _with_overflow(route: RoutePolicy, templates: list[str]) -> RoutePolicy:
    """``route`` (an ``/{other}`` route) also remembering ``templates`` as seen beyond the bound."""
    seen = TemplateFilter.decode(route.overflow) if route.overflow else TemplateFilter()
    for template in templates:
        seen.add(template)
    return route.model_copy(update={"overflow": seen.encode()})


def learn_policy(
    statistics: Statistics, settings: LearnSettings, previous: Policy, now: float | None = None
) -> Learned:
    """Generalise routes, merge their statistics and derive the next policy version.

    Pure: ``statistics`` (keyed ``METHOD /typed/path``) are not changed; the returned ones are
    merged per template and aged by ``settings.decay_per_learn``. A route enters the policy only
    once K clients in W windows showed it, and with it only the fields and items they showed;
    until then it stays unknown (judged by content checks alone), never frozen on criteria drawn
    from a handful of requests. Routes of ``previous`` that were not observed are kept as they
    are, and each route keeps its mode and block score. With ``now`` (seconds since the epoch;
    the core has no clock) a route whose criteria changed is stamped ``changed_at = now``.
    """
    limits = statistics.thresholds
    generaliser = RouteLearner()
    for key, stats in statistics.routes.items():
        support = statistics.support.get(key)
        generaliser.add(
            key.split(" ", 1)[1],
            max(1, int(stats.n)),
            support.route if support is not None else None,
            limits,
        )
    table = RouteTable(frozenset(generaliser.templates()))
    merged = statistics.empty_like()
    beyond: dict[str, list[str]] = {}
    for key, stats in statistics.routes.items():
        method, typed = key.split(" ", 1)
        support = statistics.support.get(key)
        template = table.match(typed)
        if template is None:
            template = OTHER_ROUTE
            if typed != OTHER_ROUTE and support is not None and support.met:
                beyond.setdefault(f"{method} {OTHER_ROUTE}", []).append(typed)
        merged.absorb(f"{method} {template}", stats, support)
    merged.dropped_routes = statistics.dropped_routes
    merged.dropped_fields = statistics.dropped_fields
    routes = dict(previous.routes)
    unpublished: list[str] = []
    for key, stats in merged.routes.items():
        support = merged.support[key]
        if support.met:
            before = routes.get(key)
            learned = learn_route(stats, support, settings, before)
            if now is not None and (before is None or criteria_of(before) != criteria_of(learned)):
                learned = learned.model_copy(update={"changed_at": now})
            routes[key] = learned
        elif key not in routes:
            unpublished.append(key)
    for key, templates in beyond.items():
        if key in routes:
            routes[key] = _with_overflow(routes[key], templates)
    routes, left_out = _within_field_bound(routes, previous, settings.max_policy_fields)
    policy = previous.model_copy(update={"routes": routes, "version": previous.version + 1})
    if settings.decay_per_learn < 1.0:
        merged.decay(settings.decay_per_learn)
    return Learned(policy, merged, table, tuple(sorted([*unpublished, *left_out])))


ROUTE_COUNTERS = {
    "overflow",
    "samples",
    "mode",
    "block_score",
    "changed_at",
    "mode_since",
    "fields",
    "response",
}
FIELD_COUNTERS = {"samples", "presence", "length", "entropy_max", "max_repeat"}


def criteria_of(route: RoutePolicy) -> dict[str, object]:
    """What a route admits, without counts and quantile bounds: a change here is novelty."""
    criteria: dict[str, object] = route.model_dump(mode="json", exclude=ROUTE_COUNTERS)
    criteria["fields"] = {
        name: f.model_dump(mode="json", exclude=FIELD_COUNTERS) for name, f in route.fields.items()
    }
    if route.response is not None:
        criteria["statuses"] = route.response.statuses
        criteria["response_fields"] = {
            name: f.model_dump(mode="json", exclude=FIELD_COUNTERS)
            for name, f in route.response.fields.items()
        }
    return criteria


def _within_field_bound(
    routes: dict[str, RoutePolicy], previous: Policy, bound: int
) -> tuple[dict[str, RoutePolicy], list[str]]:
    """Routes within ``bound`` fields: new routes with the fewest samples are left out first."""
    total = sum(len(r.fields) for r in routes.values())
    if total <= bound:
        return routes, []
    kept = dict(routes)
    left_out: list[str] = []
    for key in sorted(routes, key=lambda k: (routes[k].samples, k)):
        if total <= bound:
            break
        if key in previous.routes:
            continue
        total -= len(kept.pop(key).fields)
        left_out.append(key)
    return kept, left_out
