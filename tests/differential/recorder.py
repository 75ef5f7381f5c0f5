"""A gate core that remembers what it inspected, so a test can compare it with an upstream.

The differential suite asks, for every request: did the gate inspect each value the
application parsed, decoded the same way? :class:`RecordingCore` answers the gate's side. It
runs the ordinary :class:`GateCore` and keeps, per request id, the fields that
``profile_request`` produced for that request (the fields every detector judges), the decoded
path segments, and the refusal when the gate refused the request. Echo applications that run
the ASGI or WSGI middleware in their own process return that record with their answer; the
in-process reverse proxy is read directly.
"""

from __future__ import annotations

import io
import threading
from collections import OrderedDict
from typing import Any

from vigil.behavior.engine import Engine
from vigil.behavior.profile import profile_request
from vigil.gate.core import GateCore, LearnEvery, Transaction
from vigil.gate.logging import GateLog
from vigil.http.model import Request

KEPT = 2048
"""Requests remembered; the oldest is forgotten first."""


class RecordingCore(GateCore):
    """A :class:`GateCore` in learn mode that records what each request was profiled into."""

    def __init__(self) -> None:
        super().__init__(
            Engine(),
            log=GateLog(io.StringIO(), "error"),
            learn_every=LearnEvery(requests=None, seconds=None),
        )
        self._seen: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def inspect_request(self, request: Request) -> Transaction:
        tx = super().inspect_request(request)
        record: dict[str, Any] = {"refused": refusal_of(tx)}
        if record["refused"] is None:
            obs = profile_request(request, self.engine.limits)
            record["fields"] = [[f.path, f.text, f.flags] for f in obs.fields]
            record["segments"] = list(obs.segments)
            record["path_flags"] = obs.path_flags
        with self._lock:
            self._seen[tx.request_id] = record
            while len(self._seen) > KEPT:
                self._seen.popitem(last=False)
        return tx

    def record(self, request_id: str) -> dict[str, Any] | None:
        """What the gate did with the request ``request_id``, or None if it never saw it."""
        with self._lock:
            return self._seen.get(request_id)


def refusal_of(tx: Transaction) -> str | None:
    """The reason the gate refused ``tx`` (an ambiguous request), or None."""
    refusal = getattr(tx, "refusal", None)
    return None if refusal is None else str(refusal)
