"""From the bytes of one manifest file to the objects in it, within documented bounds.

Manifests come from people and from ``kubectl get -o yaml|json`` exports, and sometimes from an
attacker (a manifest handed to an auditor, an export of a cluster they control). Whatever the
bytes, reading them ends in objects or in one `ManifestError` line, in bounded time and memory:

* at most `Bounds.max_bytes` per input, decoded as strict UTF-8;
* YAML alias expansion (the "billion laughs" bomb) is refused past `Bounds.max_alias_nodes`
  replayed nodes per input, with the message Kubernetes' decoder gives (``document contains
  excessive aliasing``); Kubernetes allows about 400,000 alias-driven decodes per document;
* nesting is bounded before the parser sees the text: a line whose indentation and block
  indicators (``- ``, ``? ``, ``: ``) reach `Bounds.max_block_prefix` columns is refused (the
  YAML parser recurses once per level), flow collections are bounded by the parser itself and
  JSON by orjson (1024 levels);
* at most `Bounds.max_objects` objects per input, and as many documents (empty ones count:
  a stream of bare ``---`` markers is refused before it is parsed).

Each object is released from the parsed document once it has been handed out, so a large
export is never held twice (as parsed data and as decoded objects).

YAML is read with yaml-rs (YAML 1.2 core schema: ``yes``/``no`` are strings, ``~`` and ``null``
are null), JSON with orjson. yaml-rs returns a list both for a multi-document stream and for
one document that is a list; a scan of the document markers (`document_count`) tells them
apart, so a single top-level list is one document (not an object: the caller refuses it, as
kubectl does). Merge keys (``<<: *base``) are applied as YAML 1.1 defines them, as Kubernetes'
decoder does. ``kind: List`` documents (and any ``*List`` kind) are flattened into their items.

On request (``locate``), each object carries the line its document starts on (`Document.line`,
for ``file:line`` in findings): the first line after a ``---`` marker (or the start of the input)
that is neither blank nor a comment, found by a scan of the bytes, not by the parser. Items of
a list share their document's line.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import orjson
import re2
import yaml_rs

from vigil.cluster.errors import ManifestError

MIB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Bounds:
    """Limits on one input; the defaults are documented in docs/schedule.md."""

    max_bytes: int = 1024 * MIB
    max_alias_nodes: int = 400_000
    max_block_prefix: int = 2000
    max_objects: int = 1_000_000


DEFAULT_BOUNDS = Bounds()


@dataclass(frozen=True, slots=True)
class Document:
    """One object of a file, its decoded fields and where it is: document ``number`` (from 1),
    and ``item`` within that document's ``items`` when the document is a list."""

    number: int
    item: int | None
    data: Any
    line: int = 0
    """The line the document starts on, when located (0 otherwise)."""

    @property
    def index(self) -> str:
        """``3``, or ``1.items[4]`` for an item of a list."""
        return str(self.number) if self.item is None else f"{self.number}.items[{self.item}]"


def too_large(source: str, size: int, max_bytes: int) -> ManifestError:
    """The error for an input over the size bound."""
    return ManifestError(
        source,
        "",
        "",
        f"input of {size // MIB} MiB is larger than the {max_bytes // MIB} MiB bound",
    )


def looks_like_json(data: bytes) -> bool:
    """Whether the input is JSON (its first non-blank byte opens an object or a list)."""
    stripped = data.lstrip()
    return stripped[:1] in (b"{", b"[")


_SEPARATOR = re2.compile(rb"(?m)^---(?:[ \t\r\f\v]|$)")
_DOCUMENT_END = re2.compile(rb"(?m)^\.\.\.(?:[ \t\r\f\v]|$)")
_CONTENT = re2.compile(rb"(?m)^[ \t\r\f\v]*[^ \t\r\n\f\v#]")
_BARE_CONTENT = re2.compile(rb"(?m)^[ \t\r\f\v]*[^ \t\r\n\f\v#%]")


def _too_many_markers(data: bytes, limit: int) -> bool:
    """Whether the input has more than ``limit`` ``---`` markers (counted only as far as the
    limit, and only when a cheap upper bound exceeds it)."""
    if data.count(b"---") <= limit:
        return False
    return any(count > limit for count, _ in enumerate(_SEPARATOR.finditer(data), start=1))


def document_starts(data: bytes) -> list[int]:
    """The first line (1-based) that is neither blank nor a comment of each document that has
    one, in order; a document whose only content is on its ``---`` line has none."""
    starts: list[int] = []
    line, counted, begin = 1, 0, 0
    ends = [m.start() for m in _SEPARATOR.finditer(data)]
    ends.append(len(data))
    for end in ends:
        if end > begin:
            found = _CONTENT.search(data, begin, end)
            if found is not None:
                line += data.count(b"\n", counted, found.start())
                counted = found.start()
                starts.append(line)
        newline = data.find(b"\n", end)
        begin = len(data) if newline < 0 else newline + 1
    return starts


def is_one_document(data: bytes) -> bool:
    """Whether a YAML stream holds a single document: no ``...`` end marker, and no ``---``
    marker or only one with nothing but directives, comments and blanks before it."""
    if _DOCUMENT_END.search(data) is not None:
        return False
    first = _SEPARATOR.search(data)
    if first is None:
        return True
    if _SEPARATOR.search(data, first.end()) is not None:
        return False
    return _BARE_CONTENT.search(data, 0, first.start()) is None


def _deep_prefix(limit: int) -> Any:
    return re2.compile(rf"(?m)^[ \-?:]{{{limit // 2}}}[ \-?:]{{{limit - limit // 2}}}".encode())


UTF8_CHUNK = 4 * MIB


def _check_utf8(data: bytes, source: str) -> None:
    """Refuse invalid UTF-8 (the YAML parser would replace it silently), chunk by chunk so
    that no second copy of a large input is made."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(data)
    for start in range(0, len(data), UTF8_CHUNK):
        end = min(start + UTF8_CHUNK, len(data))
        try:
            decoder.decode(view[start:end], final=end == len(data))
        except UnicodeDecodeError as exc:
            line = data.count(b"\n", 0, start + max(exc.start, 0)) + 1
            raise ManifestError(source, f"line {line}", "", "invalid UTF-8") from None


def _yaml_error(exc: Exception) -> tuple[str, str]:
    lines = [ln for ln in str(exc).splitlines() if ln.strip()]
    if not lines:
        return "", "invalid YAML"
    head, problem = lines[0], lines[-1]
    if "alias replay limit" in head:
        return "", "document contains excessive aliasing"
    where = ""
    if head.startswith("YAML parse error at "):
        where = head.removeprefix("YAML parse error at ").split(",")[0]
    if problem.lstrip().startswith(("|", "^")) or problem == head:
        problem = head
    return where, f"invalid YAML: {problem.strip()}"


def _parse_yaml(data: bytes, source: str, bounds: Bounds) -> list[Any]:
    _check_utf8(data, source)
    deep = _deep_prefix(bounds.max_block_prefix).search(data)
    if deep is not None:
        line = data.count(b"\n", 0, deep.start()) + 1
        raise ManifestError(
            source,
            f"line {line}",
            "",
            f"nesting deeper than {bounds.max_block_prefix} columns of indentation and block "
            "indicators",
        )
    if _too_many_markers(data, bounds.max_objects):
        raise ManifestError(source, "", "", f"more than {bounds.max_objects} documents")
    try:
        loaded = yaml_rs.load(
            data,
            parse_datetime=False,
            alias_limits=yaml_rs.AliasLimits(max_total_replayed_events=bounds.max_alias_nodes),
        )
    except (yaml_rs.YAMLDecodeError, RecursionError, ValueError) as exc:
        where, message = _yaml_error(exc)
        raise ManifestError(source, where, "", message) from None
    docs = loaded if isinstance(loaded, list) and not is_one_document(data) else [loaded]
    if b"<<" in data:
        for doc in docs:
            apply_merge_keys(doc)
    return docs


def _parse_json(data: bytes, source: str) -> list[Any]:
    try:
        loaded = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise ManifestError(source, f"line {exc.lineno}", "", f"invalid JSON: {exc.msg}") from None
    return [loaded]


def _parse(data: bytes, source: str, bounds: Bounds) -> list[Any]:
    """JSON for ``*.json`` inputs; otherwise JSON when it parses as such (kubectl's ``-o json``
    output, fast), else YAML (of which JSON is a subset). Input that looks like JSON and is
    neither gets the JSON error (a truncated ``kubectl get -o json`` on standard input)."""
    if source.endswith(".json"):
        return _parse_json(data, source)
    if looks_like_json(data):
        try:
            return _parse_json(data, source)
        except ManifestError as json_error:
            try:
                return _parse_yaml(data, source, bounds)
            except ManifestError:
                raise json_error from None
    return _parse_yaml(data, source, bounds)


def apply_merge_keys(root: Any) -> None:
    """Apply YAML merge keys in place: ``<<`` maps add the keys the mapping does not set.

    ``<<: *a`` merges one mapping, ``<<: [*a, *b]`` several (earlier ones win). Iterative, so a
    deeply nested document cannot exhaust the stack.
    """
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            merged = node.pop("<<", None)
            if merged is not None:
                sources = merged if isinstance(merged, list) else [merged]
                for src in sources:
                    if isinstance(src, dict):
                        for key, value in src.items():
                            node.setdefault(key, value)
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)


def _is_list_kind(doc: Mapping[str, Any]) -> bool:
    kind = doc.get("kind")
    return isinstance(kind, str) and kind.endswith("List") and "items" in doc


def _lines(data: bytes, docs: list[Any]) -> list[int]:
    """The start line of each document, aligned with ``docs`` (1 for every document when the
    markers found do not match the documents the parser returned)."""
    starts = document_starts(data)
    present = [i for i, doc in enumerate(docs) if doc is not None]
    lines = [1] * len(docs)
    if len(starts) == len(present):
        for i, line in zip(present, starts, strict=True):
            lines[i] = line
    return lines


_TEMPLATE_ACTION = re2.compile(
    rb"\{\{-?\s*(?:[.$]|include|if|else|end|range|with|template|toYaml|tpl)"
)
HELM_HINT = (
    " (the file looks like an unrendered Helm template: render it first, e.g. "
    "`helm template RELEASE CHART | vigil COMMAND -`)"
)


def template_hint(data: bytes) -> str:
    """`HELM_HINT` when ``data`` holds Go template actions (``{{ .Values.x }}``, ``{{- if``),
    for the error of a file that could not be read; empty otherwise."""
    return HELM_HINT if _TEMPLATE_ACTION.search(data) is not None else ""


def parse_documents_of(
    data: bytes,
    source: str,
    bounds: Bounds = DEFAULT_BOUNDS,
    on_parsed: Callable[[int], None] | None = None,
    *,
    locate: bool = False,
) -> Iterator[Document]:
    """The objects of one input (YAML or JSON), lists flattened, empty documents dropped.

    Raises `ManifestError` for unreadable input or a broken bound; a document that is not an
    object is returned as is for the caller to name (``document 2: expected an object``).
    ``on_parsed`` is told how many objects the input holds once it is parsed. With ``locate``,
    each object carries its document's start line.
    """
    if len(data) > bounds.max_bytes:
        raise too_large(source, len(data), bounds.max_bytes)
    docs = _parse(data, source, bounds)
    lines = _lines(data, docs) if locate else [0] * len(docs)
    if on_parsed is not None:
        on_parsed(sum(_size(d) for d in docs))
    count = 0
    for i, doc in enumerate(docs, start=1):
        if doc is None:
            continue
        docs[i - 1] = None
        line = lines[i - 1]
        if isinstance(doc, Mapping) and _is_list_kind(doc):
            items = doc.get("items") or []
            if not isinstance(items, list):
                raise ManifestError(source, f"document {i}", "items", "expected a list")
            for j, item in enumerate(items):
                count += 1
                if count > bounds.max_objects:
                    raise _too_many(source, bounds)
                items[j] = None
                yield Document(i, j, item, line)
            continue
        count += 1
        if count > bounds.max_objects:
            raise _too_many(source, bounds)
        yield Document(i, None, doc, line)


def _size(doc: Any) -> int:
    if doc is None:
        return 0
    if isinstance(doc, Mapping) and _is_list_kind(doc):
        items = doc.get("items")
        return len(items) if isinstance(items, list) else 0
    return 1


def _too_many(source: str, bounds: Bounds) -> ManifestError:
    return ManifestError(source, "", "", f"more than {bounds.max_objects} objects")
