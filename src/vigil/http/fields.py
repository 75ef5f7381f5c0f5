"""What a body parser finds: the fields of a body and why reading stopped early.

Shared by every body parser (:mod:`vigil.http.body`, :mod:`vigil.http.xmlbody`) and by every
reader of their fields (the profiler, the detectors, the learned model); :mod:`vigil.http.body`
re-exports both types.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import msgspec

BODY_PREFIXES = ("json", "form.", "multipart.", "xml.", "xml!", "body")
"""Prefixes of the field paths that come from a request body (every parser's, and the raw
``body`` value): read in the body phase, never reported missing when the body was unreadable."""


class BodyField(msgspec.Struct, gc=False):
    """One leaf or container of a parsed body.

    ``kind`` is ``string``, ``number``, ``bool``, ``null``, ``object``, ``array`` (JSON),
    ``value`` (form, XML), ``markup`` (XML declarations the
    detectors read), ``file`` (multipart upload metadata). Containers carry their size.
    A msgspec struct (positional and keyword construction, equality, repr): a JSON body of a
    few kilobytes is over a hundred fields, and a struct is made in a third of the time of a
    slotted dataclass and is never tracked by the garbage collector (it holds no container).
    """

    path: str
    text: str
    flags: int = 0
    kind: str = "value"
    size: int | None = None


@dataclass(slots=True)
class BodyParse:
    """What a body parser found: fields, and why it stopped early if it did."""

    fields: list[BodyField] = field(default_factory=list)
    error: str = ""
    over_bound: str = ""
