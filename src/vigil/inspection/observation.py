"""Observations: a request or response as every detector reads it.

Profiling (:mod:`vigil.behavior.profile`) turns raw bytes into decoded, normalised fields with
stable, human names: ``path.1`` (a parameter segment), ``query.username``,
``header.user-agent``, ``cookie.session``, ``form.login``, ``json.items[].id``,
``multipart.avatar.filename``, ``body`` (other media types). Detectors judge these fields, never
raw bytes the application would read differently. Every loop of the profiler is bounded by
:class:`Limits`; what exceeds a bound is a :class:`Finding`, never skipped silently.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from vigil.http.body import BodyField
from vigil.http.jsoncolumns import JsonColumns
from vigil.http.model import BodyState


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds on the work spent on one request or response."""

    max_query_fields: int = 256
    max_headers: int = 128
    max_body_fields: int = 1024
    max_path_segments: int = 32
    body_bytes: int = 1 << 20


@dataclass(slots=True)
class Finding:
    """A structural problem met while profiling (a bound exceeded, an unparseable body)."""

    code: str
    field: str
    expected: str
    seen: str


@dataclass(slots=True)
class Observation:
    """Everything profiled from one request (or response, when ``status`` is set)."""

    method: str
    typed_path: str
    segments: list[str]
    path_flags: int
    content_type: str
    listed: list[BodyField] = field(default_factory=list)
    """The fields held in a list: all of them, except a JSON body's until :attr:`fields` is
    first read (profiling and route resolution append here)."""
    findings: list[Finding] = field(default_factory=list)
    body_state: BodyState = BodyState.COMPLETE
    body_size: int = 0
    client: str = ""
    status: int = 0
    latency_ms: float = 0.0
    body_error: str = ""
    """Why the body could not be decoded (with ``body_state`` UNDECODABLE)."""
    body: bytes = b""
    """The body after its content coding was undone (bounded by ``Limits.body_bytes``); empty
    when it could not be read whole or decoded."""
    time: float = 0.0
    """Seconds since the epoch when the gate received the request (set by the adapter; the
    core has no clock). Learning counts support in time windows of it."""
    json: JsonColumns | None = None
    """A JSON body's fields grouped by path (the same fields, also in ``fields``), for
    detectors that judge a column of values at once; None for other bodies."""
    unread: Callable[[Observation], None] | None = None
    """Reads a body whose reading was put off into the observation it is given (``json``,
    ``fields`` and ``findings`` are complete once it ran); :meth:`read` runs it once. It holds
    no reference to the observation, so an observation is freed without the cycle collector."""
    layout_paths: frozenset[str] | None = None
    """The field paths of a JSON body left unread because it matched a layout its route judged
    clean as a whole (:mod:`vigil.behavior.layouts`)."""

    def read(self) -> None:
        """Read a body whose reading was put off, if any."""
        unread = self.unread
        if unread is not None:
            self.unread = None
            unread(self)

    @property
    def fields(self) -> list[BodyField]:
        """Every field: path segments, query, headers, cookies and body.

        A JSON body's fields are made on the first read (a detector that judges its columns
        never needs them) and put where profiling found them, after the query and headers.
        """
        if self.unread is not None:
            self.read()
        columns = self.json
        if columns is not None and not columns.listed:
            start = columns.start
            self.listed[start:start] = columns.fields()
            columns.listed = True
        return self.listed
