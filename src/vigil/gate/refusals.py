"""Why the gate refused or cut a connection or a request to stay available: stable reasons.

A gate under a slow-client flood or in front of a hung route must keep serving everyone else,
which means refusing some work early and saying so: to the client with a problem answer when
one can still be sent, and to the operator as ``vigil_refusals_total{reason}``. Every place that
refuses for availability (the listener's admission, its deadlines, its parser, the per-route
upstream limits) names its reason with one :class:`Refusal`, so the metric's label values are a
closed, documented set.
"""

from __future__ import annotations

from enum import StrEnum


class Refusal(StrEnum):
    """A stable reason for refusing or cutting client work (a metric label value)."""

    CONNECTIONS = "connections"
    """The connection bound was reached and no idle connection could be closed to make room."""
    CLIENT_CONNECTIONS = "client-connections"
    """The client's connection cap was reached and none of its connections was idle."""
    FIRST_BYTE_TIMEOUT = "first-byte-timeout"
    """A connection sent no request within the first-byte deadline after it was accepted."""
    HEAD_TIMEOUT = "head-timeout"
    """A request head did not arrive completely within the head deadline."""
    SEND_TIMEOUT = "send-timeout"
    """A client took no byte of a full send buffer (did not read its answer) for too long."""
    IN_FLIGHT = "in-flight"
    """The listener was handling its bound of requests."""
    CLIENT_IN_FLIGHT = "client-in-flight"
    """The client already had its cap of requests in progress."""
    RECEIVING = "receiving"
    """Requests still receiving their bodies held their share of the request slots."""
    BODY_RATE = "body-rate"
    """A request body arrived below the minimum rate once its grace period was over."""
    BODY_TIMEOUT = "body-timeout"
    """The inspected part of a request body did not arrive within the body deadline."""
    MALFORMED = "malformed-request"
    """The bytes were not a valid HTTP/1.1 request (head or chunked body)."""
    TOO_LARGE = "request-too-large"
    """The request line, a header or the whole head was over its bound."""
    ROUTE_CONCURRENCY = "route-concurrency"
    """The route had its cap of upstream exchanges in progress and its wait queue was full."""
    ROUTE_QUEUE_TIMEOUT = "route-queue-timeout"
    """A request waited for one of its route's upstream slots longer than the connect timeout."""


ANSWERS: dict[Refusal, str | None] = {
    Refusal.CONNECTIONS: None,
    Refusal.CLIENT_CONNECTIONS: None,
    Refusal.FIRST_BYTE_TIMEOUT: None,
    Refusal.HEAD_TIMEOUT: None,
    Refusal.SEND_TIMEOUT: None,
    Refusal.IN_FLIGHT: "overloaded",
    Refusal.CLIENT_IN_FLIGHT: "too-many-requests",
    Refusal.RECEIVING: "overloaded",
    Refusal.BODY_RATE: "body-timeout",
    Refusal.BODY_TIMEOUT: "body-timeout",
    Refusal.MALFORMED: "malformed-request",
    Refusal.TOO_LARGE: "request-too-large",
    Refusal.ROUTE_CONCURRENCY: "route-busy",
    Refusal.ROUTE_QUEUE_TIMEOUT: "route-busy",
}
"""The problem kind answered for each reason (:mod:`vigil.gate.answers`); None: the
connection is closed without an answer (nothing was asked yet, or the head never ended)."""


class Refusals:
    """Counts of refusals by reason, read by the metrics at scrape time.

    Plain integers touched only from the event loop that owns the listener; every reason is
    present from the start so the metric shows zeros rather than missing series.
    """

    __slots__ = ("counts", "evicted")

    def __init__(self) -> None:
        self.counts: dict[Refusal, int] = dict.fromkeys(Refusal, 0)
        self.evicted = 0
        """Idle connections closed to make room for a new one (not refusals of a request)."""

    def count(self, reason: Refusal) -> None:
        """Count one refusal for ``reason``."""
        self.counts[reason] += 1

    def snapshot(self) -> dict[str, int]:
        """The counts keyed by the reasons' label values."""
        return {reason.value: count for reason, count in self.counts.items()}
