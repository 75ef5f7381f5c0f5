"""Route templates inferred from the paths a service receives.

``/users/42`` and ``/users/17`` are one route, ``/users/{int}``: segments that are typed values
(integers, UUIDs, long hex, dates) are replaced by their type, and a path position where many
distinct literals appear under the same parent (``/files/report.pdf``, ``/files/cv.doc``...) is
generalised to ``{var}``. The number of routes is bounded: paths beyond the bound fall into one
``{other}`` route, so random URLs cannot grow memory without limit (Knative Guard's #225). A path
judged by ``{other}`` is still an unknown route unless its template was seen while learning: a
:class:`TemplateFilter` of fixed size remembers those templates, and every segment of such a
path is judged like a field.
"""

from __future__ import annotations

import base64
import hashlib
import re
import zlib
from dataclasses import dataclass, field

from vigil.behavior.support import Support, Thresholds, combined
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

    A ``/`` inside a segment (a decoded ``%2F``, or a fullwidth solidus after normalisation) is
    written ``%2F`` in the token, so a template always has one token per segment.
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

    The path is split on ``/`` before decoding, so ``..%2F..%2Fetc`` stays one segment whose
    traversal the checks see. uvicorn and gunicorn decode ``%2F`` before routing and aiohttp
    does not; the gate refuses such paths (:mod:`vigil.http.ambiguity`), so for every request
    it forwards these segments are the ones the framework routes on.
    """
    flags = 0
    segments: list[str] = []
    for raw in raw_path.split("/")[1 : max_segments + 1]:
        text, seg_flags = decode_component(raw, plus_as_space=False)
        flags |= seg_flags
        segments.append(text)
    return segments, flags


def template_of(segments: list[str]) -> str:
    """The typed template of segments, before any ``{var}`` generalisation."""
    return "/" + "/".join(segment_type(s) for s in segments)


SEGMENT_CACHE = 4096
"""Bound on cached raw path segments (decoded text, flags, template token); emptied when full."""

_segments: dict[str, tuple[str, int, str]] = {}


def _segment(raw: str) -> tuple[str, int, str]:
    text, flags = decode_component(raw, plus_as_space=False)
    hit = (text, flags, segment_type(text))
    if len(_segments) >= SEGMENT_CACHE:
        _segments.clear()
    _segments[raw] = hit
    return hit


def profile_path(raw_path: str, max_segments: int = 32) -> tuple[list[str], int, str]:
    """:func:`split_path` and :func:`template_of` in one pass: segments, flags and template.

    Segments repeat across requests (``users`` in every ``/users/{int}``), so each raw segment
    is decoded and typed once (cached, bounded by SEGMENT_CACHE).
    """
    flags = 0
    segments: list[str] = []
    tokens: list[str] = []
    cache = _segments
    for raw in raw_path.split("/")[1 : max_segments + 1]:
        text, seg_flags, token = cache.get(raw) or _segment(raw)
        flags |= seg_flags
        segments.append(text)
        tokens.append(token)
    return segments, flags, "/" + "/".join(tokens)


@dataclass(slots=True)
class _Node:
    count: int = 0
    children: dict[str, _Node] = field(default_factory=dict)
    terminal: int = 0
    support: Support | None = None
    """Who showed the paths through this node (None when not tracked)."""


@dataclass(slots=True)
class RouteLearner:
    """Collects typed templates and generalises crowded positions into ``{var}``.

    ``max_literals``: distinct literal children above which a position becomes ``{var}``.
    ``max_routes``: bound on learned routes; further templates map to ``{other}``.

    When templates are added with their support, a position becomes ``{var}`` only when the
    paths below it were shown by K clients in W windows (one scanner's thousand paths stay
    literals, and never fold the service's real routes into one ``{var}``), and templates that
    enough clients showed are ranked before any other.
    """

    max_literals: int = 64
    max_routes: int = 512
    limits: Thresholds | None = None
    """Support thresholds, set when templates are added with their support."""
    _root: _Node = field(default_factory=_Node)
    _seen: int = 0

    def add(
        self,
        template: str,
        weight: int = 1,
        support: Support | None = None,
        limits: Thresholds | None = None,
    ) -> None:
        """Record one observed typed template, with who showed it when ``support`` is given."""
        node = self._root
        node.count += weight
        if support is not None and limits is not None:
            self.limits = limits
        for token in template.split("/")[1:]:
            child = node.children.get(token)
            if child is None:
                if len(node.children) > 4 * self.max_literals:
                    child = node.children.setdefault("{var}", _Node())
                else:
                    child = node.children[token] = _Node()
            child.count += weight
            if support is not None and limits is not None:
                child.support = combined(child.support, support, limits)
            node = child
        node.terminal += weight

    def templates(self) -> list[str]:
        """The generalised templates, supported then most frequent first, at most ``max_routes``."""
        self._collapse(self._root)
        found: list[tuple[bool, int, str]] = []
        self._walk(self._root, [], found)
        found.sort(key=lambda item: (not item[0], -item[1], item[2]))
        return [template for _, _, template in found[: self.max_routes]]

    def _collapse(self, node: _Node) -> None:
        literals = self._crowd(node)
        if literals:
            merged = node.children.pop("{var}", None) or _Node()
            for key in literals:
                _merge(merged, node.children.pop(key), self.limits)
            node.children["{var}"] = merged
        for child in node.children.values():
            self._collapse(child)

    def _crowd(self, node: _Node) -> list[str]:
        """The literal children of ``node`` to fold into ``{var}`` (empty when none).

        Without support, every literal once there are more than ``max_literals``. With support,
        literals that K clients in W windows showed keep their own template; the others fold
        only when there are more than ``max_literals`` of them and together they were shown by K
        clients in W windows (many users' file names, not one scanner's guesses).
        """
        literals = [k for k in node.children if k not in PARAMS]
        if len(literals) <= self.max_literals:
            return []
        limits = self.limits
        if limits is None:
            return literals
        crowd = [k for k in literals if not _met(node.children[k].support)]
        if len(crowd) <= self.max_literals:
            return []
        union: Support | None = None
        for key in crowd:
            union = combined(union, node.children[key].support, limits)
        return crowd if union is not None and union.met else []

    def _walk(self, node: _Node, prefix: list[str], out: list[tuple[bool, int, str]]) -> None:
        if node.terminal:
            supported = node.support is None or node.support.met
            out.append((supported, node.terminal, "/" + "/".join(prefix)))
        for token, child in node.children.items():
            self._walk(child, [*prefix, token], out)


def _met(support: Support | None) -> bool:
    return support is not None and support.met


def _merge(into: _Node, other: _Node, limits: Thresholds | None) -> None:
    into.count += other.count
    into.terminal += other.terminal
    if limits is not None and other.support is not None:
        into.support = combined(into.support, other.support, limits)
    for key, child in other.children.items():
        target = into.children.setdefault(key, _Node())
        _merge(target, child, limits)


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


FILTER_BITS = 1 << 16
"""Size of a :class:`TemplateFilter` (8 KiB): about 1 % false positives at 6,800 templates,
5 % at 11,000; a route learner keeps at most that many templates per learning run anyway."""

FILTER_HASHES = 4


@dataclass(slots=True)
class TemplateFilter:
    """A Bloom filter of route templates: "seen while learning, beyond the route bound".

    Fixed size whatever the number of templates, so a policy stays bounded; membership can be
    wrong only one way (an unseen template taken as seen), which lowers an alert, never hides
    the checks of the path's segments.
    """

    bits: bytearray = field(default_factory=lambda: bytearray(FILTER_BITS // 8))

    def _positions(self, template: str) -> list[int]:
        digest = hashlib.blake2b(template.encode("utf-8", "surrogatepass"), digest_size=16).digest()
        return [
            int.from_bytes(digest[i * 4 : i * 4 + 4], "little") % FILTER_BITS
            for i in range(FILTER_HASHES)
        ]

    def add(self, template: str) -> None:
        """Remember ``template``."""
        for bit in self._positions(template):
            self.bits[bit >> 3] |= 1 << (bit & 7)

    def __contains__(self, template: object) -> bool:
        if not isinstance(template, str):
            return False
        return all(self.bits[bit >> 3] >> (bit & 7) & 1 for bit in self._positions(template))

    def merge(self, other: TemplateFilter) -> None:
        """Remember every template ``other`` remembers."""
        for i, byte in enumerate(other.bits):
            self.bits[i] |= byte

    def encode(self) -> str:
        """A compact text form for policies (zlib-compressed, base64)."""
        return base64.b64encode(zlib.compress(bytes(self.bits), 9)).decode("ascii")

    @classmethod
    def decode(cls, text: str) -> TemplateFilter:
        """Inverse of :meth:`encode`; malformed text raises ValueError (inflation is bounded)."""
        size = FILTER_BITS // 8
        inflater = zlib.decompressobj()
        try:
            packed = base64.b64decode(text.encode("ascii"), validate=True)
            raw = inflater.decompress(packed, size + 1)
        except (ValueError, zlib.error, UnicodeEncodeError) as exc:
            raise ValueError(f"not an encoded template filter: {exc}") from None
        if len(raw) != size or not inflater.eof:
            raise ValueError(f"a template filter holds {size} bytes once inflated")
        return cls(bytearray(raw))
