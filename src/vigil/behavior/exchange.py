"""Exchanges and how a clean one is added to the learning statistics.

An exchange carries what was profiled from a request (and later its response) from the moment
it is judged to the moment it may be learned; :func:`accumulate` adds it to its route's
statistics, field by field.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from vigil.behavior.stats import DANGER_COUNTERS, GRAMMAR_COUNTERS, RouteStats
from vigil.behavior.values import profile_text
from vigil.http.body import BodyField
from vigil.inspection.observation import Observation
from vigil.inspection.phases import Context


@dataclass(slots=True)
class Exchange:
    """What a request decision carries for the response phase and for learning."""

    key: str
    request: Observation
    response: Observation | None = None
    learnable: bool = True
    context: Context | None = None
    """The detectors' view of the exchange, carried from the request phases to the response's."""


def accumulate(stats: RouteStats, exchange: Exchange) -> None:
    """Add one clean exchange to its route's statistics."""
    obs = exchange.request
    stats.n += 1
    if obs.content_type:
        stats.content_types.add(obs.content_type)
    counts = Counter(f.path for f in obs.fields)
    for name, count in counts.items():
        f = stats.field(name)
        if f is not None:
            f.present += 1
            f.repeats.add(count)
    _add_fields(stats, obs.fields, response=False)
    resp = exchange.response
    if resp is not None:
        stats.responses += 1
        stats.statuses.add(str(resp.status))
        stats.response_sizes.add(resp.body_size)
        stats.latency_ms.add(resp.latency_ms)
        for name in {f.path for f in resp.fields}:
            f = stats.field(name, response=True)
            if f is not None:
                f.present += 1
        _add_fields(stats, resp.fields, response=True)


def _add_fields(stats: RouteStats, fields: list[BodyField], response: bool) -> None:
    for value in fields:
        f = stats.field(value.path, response)
        if f is None:
            continue
        f.n += 1
        f.kinds.add(value.kind)
        if value.size is not None:
            f.lengths.add(value.size)
            continue
        prof = profile_text(value.text)
        f.lengths.add(prof.length)
        for bit in range(8):
            if prof.classes >> bit & 1:
                f.classes[bit] += 1
            if value.flags >> bit & 1:
                f.flags[bit] += 1
        if prof.grammars:
            grammars = f.grammars
            for bit in range(GRAMMAR_COUNTERS):
                if prof.grammars >> bit & 1:
                    grammars[bit] += 1
        if prof.dangers:
            dangers = f.dangers
            for bit in range(DANGER_COUNTERS):
                if prof.dangers >> bit & 1:
                    dangers[bit] += 1
        for ch in prof.specials:
            f.specials.add(ch)
        for seq in prof.sequences:
            f.sequences.add(seq)
        f.shapes.add(prof.shape)
        if not response and prof.length <= 64:
            f.values.add(value.text)
            f.patterns.add(prof.pattern)
        if prof.length >= 16:
            f.entropy.add(prof.entropy)
