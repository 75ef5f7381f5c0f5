"""A JSON document flattened path by path: the fast form of :func:`vigil.http.body.parse_json`.

Most microservice traffic is JSON, often arrays of objects of one shape (``items[].sku``), and
a detector that judges a value at a time pays Python's per-call cost on every leaf. Here every
value at one path is gathered in one column, level by level (all ``items[]`` objects at once,
then all their ``sku`` values at once), with C-level list and set operations, so a detector can
judge a whole column with a few set operations and fall back to single values only where a
column looks irregular.

The columns hold exactly the fields ``parse_json`` produces (same paths, texts, flags, kinds and
sizes), grouped by path and kind instead of in document order. A document that ``parse_json``
would cut short (more fields than the bound, deeper than the bound) or read differently
(a float orjson read from an integer beyond 64 bits) gets no columns: the caller uses
``parse_json``, which reports the bound or the exact reading.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import chain, repeat
from operator import itemgetter

from vigil.http.body import MAX_DEPTH, BodyField
from vigil.http.urlcodec import normalize, text_flags

KEY_CACHE = 4096
"""Bound on cached JSON keys (their normalised path suffix); the cache is emptied when full."""

_EXACT = float(2**53)
_keys: dict[str, str] = {}


def _suffix(key: str) -> str:
    suffix = "." + normalize(key)[0]
    if len(_keys) >= KEY_CACHE:
        _keys.clear()
    _keys[key] = suffix
    return suffix


@dataclass(slots=True)
class Column:
    """Every value of one kind at one path.

    ``values`` are the texts for ``string`` (as decoded, before normalisation), ``number``,
    ``bool`` and ``null`` columns, and the sizes for ``object`` and ``array`` columns.
    """

    path: str
    kind: str
    values: list[str] | list[int]
    fields: list[BodyField] = field(default_factory=list)
    """The column's fields as ``parse_json`` gives them (texts normalised, flags set)."""
    plain: bool = True
    """Every text is printable ASCII: the fields' texts are the values and their flags are 0."""


@dataclass(slots=True)
class JsonColumns:
    """A JSON document as columns, and how many fields they hold."""

    columns: list[Column]
    count: int
    start: int = 0
    """Where the columns' fields begin in the observation's field list (they are contiguous)."""

    def fields(self) -> list[BodyField]:
        """Every field of every column (the fields of ``parse_json``, grouped by path)."""
        return list(chain.from_iterable(c.fields for c in self.columns))


def json_columns(
    doc: object, prefix: str, max_fields: int, max_depth: int = MAX_DEPTH
) -> JsonColumns | None:
    """The columns of a parsed JSON document, or None when ``parse_json`` must read it."""
    columns: list[Column] = []
    count = 0
    stack: list[tuple[str, list[object], int]] = [(prefix, [doc], 0)]
    keys = _keys
    while stack:
        path, values, depth = stack.pop()
        count += len(values)
        if count > max_fields:
            return None
        types = set(map(type, values))
        groups = [(types.pop(), values)] if len(types) == 1 else _by_type(values)
        for kind_type, group in groups:
            if kind_type is dict or kind_type is list:
                if depth >= max_depth:
                    return None
                sizes = list(map(len, group))  # type: ignore[arg-type]
                kind = "object" if kind_type is dict else "array"
                columns.append(_containers(path, kind, sizes))
                if kind_type is dict:
                    members: list[dict[str, object]] = group  # type: ignore[assignment]
                    names = dict.fromkeys(chain.from_iterable(members))
                    same = len(sizes) == 1 or set(sizes) == {len(names)}
                    for key in names:
                        child = (
                            list(map(itemgetter(key), members))
                            if same
                            else [m[key] for m in members if key in m]
                        )
                        stack.append((path + (keys.get(key) or _suffix(key)), child, depth + 1))
                else:
                    items: list[object] = list(chain.from_iterable(group))  # type: ignore[arg-type]
                    if items:
                        stack.append((path + "[]", items, depth + 1))
            elif kind_type is str:
                columns.append(_strings(path, group))  # type: ignore[arg-type]
            elif kind_type is int or kind_type is float:
                if kind_type is float and any(
                    not -_EXACT < v < _EXACT and v.is_integer()  # type: ignore[operator,attr-defined]
                    for v in group
                ):
                    return None
                columns.append(_scalars(path, "number", list(map(repr, group))))
            elif kind_type is bool:
                columns.append(_scalars(path, "bool", ["true" if v else "false" for v in group]))
            elif kind_type is type(None):
                columns.append(_scalars(path, "null", ["null"] * len(group)))
            else:
                return None
    return JsonColumns(columns, count)


def _by_type(values: list[object]) -> list[tuple[type, list[object]]]:
    groups: dict[type, list[object]] = {}
    for value in values:
        groups.setdefault(type(value), []).append(value)
    return list(groups.items())


def _containers(path: str, kind: str, sizes: list[int]) -> Column:
    count = len(sizes)
    made = map(
        BodyField,
        repeat(path, count),
        repeat("", count),
        repeat(0, count),
        repeat(kind, count),
        sizes,
    )
    return Column(path, kind, sizes, list(made))


def _scalars(path: str, kind: str, texts: list[str]) -> Column:
    count = len(texts)
    return Column(
        path,
        kind,
        texts,
        list(map(BodyField, repeat(path, count), texts, repeat(0, count), repeat(kind, count))),
    )


def _strings(path: str, texts: list[str]) -> Column:
    joined = "".join(texts)
    if joined.isascii() and joined.isprintable():
        return _scalars(path, "string", texts)
    fields = []
    for text in texts:
        if text.isascii() and text.isprintable():
            fields.append(BodyField(path, text, 0, "string"))
        else:
            normal, flags = normalize(text)
            fields.append(BodyField(path, normal, flags | text_flags(normal), "string"))
    return Column(path, "string", texts, fields, plain=False)
