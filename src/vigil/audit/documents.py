"""Splitting manifest text into documents with their line numbers, safely.

YAML (one or many documents, ``kind: List`` included) or JSON (``kubectl get -o json``). Each
object comes with the line its document starts on, so findings can point at ``file:line``.
Untrusted input is bounded: the text size, and the number of nodes a document expands to, so a
small file of nested aliases (a "billion laughs") is refused instead of expanded in memory.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

import orjson
import yaml

MAX_SOURCE_BYTES = 256 << 20
"""One input (file or standard input) larger than 256 MiB is refused."""
MAX_EXPANDED_NODES = 2_000_000
"""A document whose values, aliases expanded, exceed this many nodes is refused."""
MAX_QUOTED = 120
"""Values quoted in error messages are cut to this many characters."""

_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_SEPARATOR = re.compile(r"^---(?:\s|$)")
_ALIAS = re.compile(r"(?:^|[\s\[{,:-])\*[^\s,\]}]")


class DocumentError(ValueError):
    """Unreadable input; ``str()`` is one line naming the source and where."""


def quote(value: object) -> str:
    """A value for an error message, cut to `MAX_QUOTED` characters."""
    text = repr(value)
    return text if len(text) <= MAX_QUOTED else text[:MAX_QUOTED] + f"... ({len(text)} chars)"


def _starts(text: str) -> list[int]:
    """The first content line of each document (1-based), in document order."""
    starts: list[int] = []
    current: int | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if _SEPARATOR.match(line):
            if current is not None:
                starts.append(current)
            current = None
            continue
        stripped = line.strip()
        if current is None and stripped and not stripped.startswith("#"):
            current = number
    if current is not None:
        starts.append(current)
    return starts


def _check_expansion(doc: Any, source: str, index: int) -> None:
    budget = MAX_EXPANDED_NODES
    stack = [doc]
    while stack:
        value = stack.pop()
        budget -= 1
        if budget < 0:
            raise DocumentError(
                f"{source}: document {index}: more than {MAX_EXPANDED_NODES} values once aliases "
                "are expanded (excessive aliasing)"
            )
        if isinstance(value, Mapping):
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)


def _load(text: str, source: str) -> list[Any]:
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        try:
            return [orjson.loads(text)]
        except orjson.JSONDecodeError as exc:
            if stripped.startswith("["):
                raise DocumentError(f"{source}: invalid JSON: {exc}") from None
    try:
        docs = list(yaml.load_all(text, Loader=_LOADER))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise DocumentError(
            f"{source}:{where} invalid YAML: {getattr(exc, 'problem', exc)}"
        ) from None
    if _ALIAS.search(text):
        for i, doc in enumerate(docs, start=1):
            _check_expansion(doc, source, i)
    return docs


def iter_objects(text: str, source: str) -> Iterator[tuple[int, str, Mapping[str, Any]]]:
    """``(line, where, object)`` for every object; List items are unfolded.

    ``where`` is ``document N`` or ``document N items[i]``, for messages about nameless objects.
    """
    if len(text) > MAX_SOURCE_BYTES:
        raise DocumentError(f"{source}: larger than {MAX_SOURCE_BYTES} bytes")
    docs = _load(text, source)
    starts = _starts(text)
    non_empty = [d for d in docs if d is not None]
    lines = starts if len(starts) == len(non_empty) else [1] * len(non_empty)
    for index, (doc, line) in enumerate(zip(non_empty, lines, strict=True), start=1):
        if not isinstance(doc, Mapping):
            raise DocumentError(f"{source}: document {index}: expected an object, got {quote(doc)}")
        kind = doc.get("kind")
        if isinstance(kind, str) and kind.endswith("List") and "items" in doc:
            items = doc.get("items") or []
            if not isinstance(items, list):
                raise DocumentError(f"{source}: document {index}: items: expected a list")
            for j, item in enumerate(items):
                if not isinstance(item, Mapping):
                    raise DocumentError(
                        f"{source}: document {index}: items[{j}]: expected an object"
                    )
                yield line, f"document {index} items[{j}]", item
        else:
            yield line, f"document {index}", doc
