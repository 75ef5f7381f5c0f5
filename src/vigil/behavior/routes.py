"""Route templates inferred from the paths a service receives.

``/users/42`` and ``/users/17`` are one route, ``/users/{int}``: segments that are typed values
(integers, UUIDs, long hex, dates) are replaced by their type, and a path position where many
distinct literals appear under the same parent (``/files/report.pdf``, ``/files/cv.doc``...) is
generalised to ``{var}``. The number of routes is bounded: paths beyond the bound fall into one
``{other}`` route, so random URLs cannot grow memory without limit (Knative Guard's #225).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from vigil.http.urlcodec import decode_component

OTHER_ROUTE = "/{other}"
"""Template that every path beyond the route bound (or unmatched in a frozen table) maps to."""

_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_HEX = re.compile(r"[0-9a-fA-F]{16,}")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_INT = re.compile(r"-?\d{1,40}")

PARAMS = ("{int}", "{uuid}", "{hex}", "{date}", "{var}")


def segment_type(segment: str) -> str:
    """The template token for a decoded path segment: a typed parameter or the literal.

    A ``/`` inside a segment (normalisation turns a fullwidth solidus into one) is written
    ``%2F`` in the token, so a template always has one token per segment.
    """
    if "/" in segment:
        return segment.replace("/", "%2F")
    if _INT.fullmatch(segment):
        return "{int}"
    if len(segment) == 36 and _UUID.fullmatch(segment):
        return "{uuid}"
    if _HEX.fullmatch(segment) and any(c.isdigit() for c in segment):
        return "{hex}"
    if _DATE.fullmatch(segment):
        return "{date}"
    return segment


def split_path(raw_path: str, max_segments: int = 32) -> tuple[list[str], int]:
    """Decode a raw path into segments (at most ``max_segments``) and the union of flags.

    Segments are what uvicorn and gunicorn route on: the path is decoded, then split, so an
    encoded slash (``%2F``) separates two segments like ``/`` does.
    """
    segments, flags, _ = profile_path(raw_path, max_segments)
    return segments, flags


def template_of(segments: list[str]) -> str:
    """The typed template of segments, before any ``{var}`` generalisation."""
    return "/" + "/".join(segment_type(s) for s in segments)


SEGMENT_CACHE = 4096
"""Bound on cached raw path segments (decoded text, flags, template token); emptied when full."""

Piece = tuple[str, int, str]
_segments: dict[str, tuple[Piece, ...]] = {}
_ENCODED_SLASH = re.compile("%2f", re.IGNORECASE)


def _segment(raw: str) -> tuple[Piece, ...]:
    pieces: list[Piece] = []
    for part in _ENCODED_SLASH.split(raw) if "%" in raw else (raw,):
        text, flags = decode_component(part, plus_as_space=False)
        pieces.append((text, flags, segment_type(text)))
    hit = tuple(pieces)
    if len(_segments) >= SEGMENT_CACHE:
        _segments.clear()
    _segments[raw] = hit
    return hit


def profile_path(raw_path: str, max_segments: int = 32) -> tuple[list[str], int, str]:
    """:func:`split_path` and :func:`template_of` in one pass: segments, flags and template.

    Segments repeat across requests (``users`` in every ``/users/{int}``), so each raw segment
    is decoded and typed once (cached, bounded by SEGMENT_CACHE). A raw segment holding an
    encoded slash yields one segment per piece, as the frameworks route it.
    """
    flags = 0
    segments: list[str] = []
    tokens: list[str] = []
    cache = _segments
    for raw in raw_path.split("/")[1 : max_segments + 1]:
        for text, seg_flags, token in cache.get(raw) or _segment(raw):
            flags |= seg_flags
            segments.append(text)
            tokens.append(token)
    if len(segments) > max_segments:
        del segments[max_segments:], tokens[max_segments:]
    return segments, flags, "/" + "/".join(tokens)


@dataclass(slots=True)
class _Node:
    count: int = 0
    children: dict[str, _Node] = field(default_factory=dict)
    terminal: int = 0


@dataclass(slots=True)
class RouteLearner:
    """Collects typed templates and generalises crowded positions into ``{var}``.

    ``max_literals``: distinct literal children above which a position becomes ``{var}``.
    ``max_routes``: bound on learned routes; further templates map to ``{other}``.
    """

    max_literals: int = 64
    max_routes: int = 512
    _root: _Node = field(default_factory=_Node)
    _seen: int = 0

    def add(self, template: str, weight: int = 1) -> None:
        """Record one observed typed template."""
        node = self._root
        node.count += weight
        for token in template.split("/")[1:]:
            child = node.children.get(token)
            if child is None:
                if len(node.children) > 4 * self.max_literals:
                    child = node.children.setdefault("{var}", _Node())
                else:
                    child = node.children[token] = _Node()
            child.count += weight
            node = child
        node.terminal += weight

    def templates(self) -> list[str]:
        """The generalised route templates, most frequent first, at most ``max_routes``."""
        self._collapse(self._root)
        found: list[tuple[int, str]] = []
        self._walk(self._root, [], found)
        found.sort(key=lambda item: (-item[0], item[1]))
        return [template for _, template in found[: self.max_routes]]

    def _collapse(self, node: _Node) -> None:
        literals = [k for k in node.children if k not in PARAMS]
        if len(literals) > self.max_literals:
            merged = node.children.pop("{var}", None) or _Node()
            for key in literals:
                _merge(merged, node.children.pop(key))
            node.children["{var}"] = merged
        for child in node.children.values():
            self._collapse(child)

    def _walk(self, node: _Node, prefix: list[str], out: list[tuple[int, str]]) -> None:
        if node.terminal:
            out.append((node.terminal, "/" + "/".join(prefix)))
        for token, child in node.children.items():
            self._walk(child, [*prefix, token], out)


def _merge(into: _Node, other: _Node) -> None:
    into.count += other.count
    into.terminal += other.terminal
    for key, child in other.children.items():
        target = into.children.setdefault(key, _Node())
        _merge(target, child)


@dataclass(slots=True)
class RouteTable:
    """Matches paths against known templates; the fast path is one dict lookup.

    Templates with ``{var}`` positions are tried after the exact typed lookup, fewest ``{var}``
    first. Unknown paths return None so the engine can alert (or learn them), except once the
    route bound overflowed into ``/{other}``: then they are judged by that shared model.
    """

    templates: frozenset[str] = frozenset()
    _by_length: dict[int, list[tuple[str, ...]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for template in self.templates:
            if "{var}" in template:
                tokens = tuple(template.split("/")[1:])
                self._by_length.setdefault(len(tokens), []).append(tokens)
        for group in self._by_length.values():
            group.sort(key=lambda t: sum(tok == "{var}" for tok in t))

    def match(self, typed: str) -> str | None:
        """The route template of a typed template, or None when no template matches."""
        if typed in self.templates:
            return typed
        tokens = typed.split("/")[1:]
        for candidate in self._by_length.get(len(tokens), ()):
            if all(c in ("{var}", t) for c, t in zip(candidate, tokens, strict=True)):
                return "/" + "/".join(candidate)
        return OTHER_ROUTE if OTHER_ROUTE in self.templates else None


def param_positions(template: str) -> list[int]:
    """Indexes of the parameter segments in a template (``/users/{int}`` -> ``[1]``)."""
    return [i for i, tok in enumerate(template.split("/")[1:]) if tok in PARAMS]
