"""A JSON document flattened path by path: the fast form of :func:`vigil.http.body.parse_json`.

Most microservice traffic is JSON, often arrays of objects of one shape (``items[].sku``), and
a detector that judges a value at a time pays Python's per-call cost on every leaf. Here every
value at one path is gathered in one column, level by level (all ``items[]`` objects at once,
then all their ``sku`` values at once), with C-level list operations, so a detector can judge a
whole column with a few byte and set operations and fall back to single values only where a
column looks irregular. A column's fields (:class:`~vigil.http.body.BodyField`) are made only
when something asks for them.

The columns hold exactly the fields ``parse_json`` produces (same paths, texts, flags, kinds and
sizes), grouped by path and kind instead of in document order. A document that ``parse_json``
would cut short (more fields than the bound, deeper than the bound) or read differently
(a float orjson read from an integer beyond 64 bits) gets no columns: the caller uses
``parse_json``, which reports the bound or the exact reading.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from itertools import chain, repeat
from operator import itemgetter

from vigil.http.body import MAX_DEPTH, BodyField
from vigil.http.urlcodec import normalize, text_flags

KEY_CACHE = 4096
"""Bound on cached JSON keys (their normalised path suffix); the cache is emptied when full."""

SEPARATOR = "\x00"
"""Joins a column's values in :attr:`Column.joined`: a NUL is never part of a printable value,
a structural sequence or a run pattern, so no match spans two values."""

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
    joined: str = ""
    """The texts joined by :data:`SEPARATOR` (empty for containers)."""
    ascii: bool = True
    """Every text is ASCII: normalisation leaves it as it is, so each field's text is its value
    (and its flags only those of control characters it may hold)."""
    made: list[BodyField] | None = None
    """The fields, once :attr:`fields` made them."""

    @property
    def plain(self) -> bool:
        """Every text is printable ASCII: the fields' texts are the values and their flags 0."""
        if not self.ascii:
            return False
        if self.kind != "string":
            return True
        joined = self.joined
        return (
            joined.count(SEPARATOR) == len(self.values) - 1
            and joined.replace(SEPARATOR, "").isprintable()
        )

    @property
    def fields(self) -> list[BodyField]:
        """The column's fields as ``parse_json`` gives them (texts normalised, flags set); made
        on first use, then kept."""
        made = self.made
        if made is None:
            made = self.made = _fields_of(self)
        return made


@dataclass(slots=True)
class JsonColumns:
    """A JSON document as columns, and how many fields they hold."""

    columns: list[Column]
    count: int
    start: int = 0
    """Where the columns' fields go in the observation's field list (they are contiguous)."""
    listed: bool = False
    """Whether the columns' fields were put in that list (see ``Observation.fields``)."""
    doc: object = None
    """The document the columns were taken from."""

    def fields(self) -> list[BodyField]:
        """Every field of every column (the fields of ``parse_json``, grouped by path)."""
        return list(chain.from_iterable(c.fields for c in self.columns))


def json_columns(
    doc: object, prefix: str, max_fields: int, max_depth: int = MAX_DEPTH
) -> JsonColumns | None:
    """The columns of a parsed JSON document, or None when ``parse_json`` must read it."""
    columns: list[Column] = []
    add = columns.append
    count = 0
    stack: list[tuple[str, list[object], int]] = [(prefix, [doc], 0)]
    push, pop = stack.append, stack.pop
    keys = _keys
    while stack:
        path, values, depth = pop()
        count += len(values)
        if count > max_fields:
            return None
        first = type(values[0])
        try:
            if first is str:
                joined = SEPARATOR.join(values)  # type: ignore[arg-type]
                add(Column(path, "string", values, joined, joined.isascii()))  # type: ignore[arg-type]
            elif first is dict:
                sizes = list(map(dict.__len__, values))  # type: ignore[arg-type]
                add(Column(path, "object", sizes))
                if depth >= max_depth:
                    return None
                depth += 1
                members: list[dict[str, object]] = values  # type: ignore[assignment]
                if len(members) == 1:
                    for key, child in members[0].items():
                        push((path + (keys.get(key) or _suffix(key)), [child], depth))
                else:
                    for key, child_values in _members(members, sizes):
                        push((path + (keys.get(key) or _suffix(key)), child_values, depth))
            elif first is list:
                sizes = list(map(list.__len__, values))  # type: ignore[arg-type]
                add(Column(path, "array", sizes))
                if depth >= max_depth:
                    return None
                items: list[object] = (
                    values[0] if len(values) == 1 else list(chain.from_iterable(values))  # type: ignore[assignment,arg-type]
                )
                if items:
                    push((path + "[]", items, depth + 1))
            else:
                column = _scalars(path, first, values)
                if column is None:
                    return None
                add(column)
        except TypeError:
            count -= len(values)
            for group in _by_type(values):
                push((path, group, depth))
    return JsonColumns(columns, count, doc=doc)


def _members(members: list[dict[str, object]], sizes: list[int]) -> list[tuple[str, list[object]]]:
    """Each key of a list of objects with the values it has in them, in first-seen order."""
    size = sizes[0]
    if size and sizes.count(size) == len(sizes):
        try:
            return [(key, list(map(itemgetter(key), members))) for key in members[0]]
        except KeyError:
            pass
    names = dict.fromkeys(chain.from_iterable(members))
    return [(key, [m[key] for m in members if key in m]) for key in names]


def _scalars(path: str, kind_type: type, values: list[object]) -> Column | None:
    """A column of numbers, booleans or nulls (values of one type), or None when orjson may
    have read a number differently from ``json.loads``; TypeError when the types differ."""
    if kind_type is int:
        if len(values) > 1 and set(map(type, values)) != {int}:
            raise TypeError
        texts = list(map(int.__repr__, values))
        kind = "number"
    elif kind_type is float:
        texts = list(map(float.__repr__, values))
        if any(not -_EXACT < v < _EXACT and v.is_integer() for v in values):  # type: ignore[operator,attr-defined]
            return None
        kind = "number"
    elif kind_type is bool:
        if len(values) > 1 and set(map(type, values)) != {bool}:
            raise TypeError
        texts = ["true" if v else "false" for v in values]
        kind = "bool"
    elif kind_type is type(None):
        if len(values) > 1 and values.count(None) != len(values):
            raise TypeError
        texts = ["null"] * len(values)
        kind = "null"
    else:
        return None
    return Column(path, kind, texts, SEPARATOR.join(texts))


def _by_type(values: list[object]) -> list[list[object]]:
    groups: dict[type, list[object]] = {}
    for value in values:
        groups.setdefault(type(value), []).append(value)
    return list(groups.values())


def _fields_of(column: Column) -> list[BodyField]:
    path, kind, values = column.path, column.kind, column.values
    count = len(values)
    make: Callable[..., BodyField] = BodyField
    if kind in {"object", "array"}:
        return list(
            map(
                make,
                repeat(path, count),
                repeat("", count),
                repeat(0, count),
                repeat(kind, count),
                values,
            )
        )
    if kind != "string" or column.plain:
        return list(map(make, repeat(path, count), values, repeat(0, count), repeat(kind, count)))
    texts: list[str] = values  # type: ignore[assignment]
    fields = []
    for text in texts:
        if text.isascii() and text.isprintable():
            fields.append(BodyField(path, text, 0, "string"))
        else:
            normal, flags = normalize(text)
            fields.append(BodyField(path, normal, flags | text_flags(normal), "string"))
    return fields
