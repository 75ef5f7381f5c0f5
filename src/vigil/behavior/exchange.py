"""Exchanges: what a judged request carries until its response is judged and it may be learned.

An exchange holds what was profiled from a request (and later its response) from the moment it
is judged to the moment it may be learned; :func:`sample_of` turns a learnable one into the
sample that learning counts (:mod:`vigil.behavior.sample`, :mod:`vigil.behavior.statistics`).
"""

from __future__ import annotations

from dataclasses import dataclass

from vigil.behavior.sample import ExchangeSample, sample_exchange
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


def sample_of(exchange: Exchange, client: int, time: float) -> ExchangeSample:
    """The sample of ``exchange`` shown by ``client`` (a digest) at ``time``."""
    return sample_exchange(exchange.key, exchange.request, exchange.response, client, time)
