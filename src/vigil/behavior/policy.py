"""Policies: the learned (and hand-edited) criteria of every route, as a person reads them.

A policy is YAML that an operator can read, diff and edit: per route and field, the allowed
length range, character classes, special characters, shapes, enum values and encodings. It is
validated by pydantic on load, so a typo is a clear error naming the field, never a silent
bypass. For the hot path each field is compiled into a :class:`FieldCheck` of frozensets and
bit masks.
"""

from __future__ import annotations

import math
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from vigil.behavior.decision import DEFAULT_BLOCK_SCORE, Mode
from vigil.behavior.grammars import kind_named
from vigil.behavior.operator import OperatorLayer
from vigil.behavior.routes import TemplateFilter
from vigil.behavior.structure import dangers_from_names, may_hold_danger_with
from vigil.behavior.values import (
    COVERS,
    PUNCT,
    TYPED_SHAPES,
    classes_from_names,
    classes_of,
    sequence_needles,
)
from vigil.behavior.vocabulary import (
    ClassNames,
    DangerNames,
    EncodingNames,
    GrammarName,
    SequenceNames,
    ShapeNames,
)
from vigil.http.urlcodec import flags_from_names

API_VERSION: Literal["vigil.dev/v1"] = "vigil.dev/v1"
DEFAULT_BODY_LIMIT = 1 << 20
"""Default bound on request and response bodies read for inspection (1 MiB)."""


CLEAN_MEMO = 1024
"""Bound on the values remembered as clean per compiled field."""


_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_DUMPER: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
"""libyaml's safe loader and dumper when PyYAML has them (ten times faster), else PyYAML's own."""


class PolicyError(ValueError):
    """A policy file that cannot be used; the message names the file, field and problem."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class FieldPolicy(_Model):
    """Criteria of one field (``query.username``, ``header.user-agent``, ``json.items[].id``)."""

    samples: int = Field(0, ge=0)
    presence: float = Field(1.0, ge=0.0, le=1.0)
    required: bool = False
    length: tuple[int, int] = (0, 0)
    classes: ClassNames = Field(default_factory=list)
    specials: str = ""
    sequences: SequenceNames = Field(default_factory=list)
    shapes: ShapeNames = Field(default_factory=list)
    kinds: list[str] = Field(default_factory=list)
    enum: list[str] | None = None
    patterns: list[str] | None = None
    encodings: EncodingNames = Field(default_factory=list)
    entropy_max: float | None = None
    max_repeat: int = Field(1, ge=1)
    grammar: GrammarName = None
    """The kind of field (``name``, ``email``, ``phone``, ``code``, ``digits``, ``number``,
    ``address``, ``text``, ``token``, ``url``): a value that follows that kind's grammar is
    admitted whatever characters the learning traffic happened to show."""
    dangers: DangerNames = Field(default_factory=list)
    """Dangerous structures this field normally carries (``markup`` in a rich-text field)."""

    @field_validator("length")
    @classmethod
    def _ordered(cls, value: tuple[int, int]) -> tuple[int, int]:
        if value[0] < 0 or value[1] < value[0]:
            raise ValueError(f"length must be [min, max] with 0 <= min <= max, got {list(value)}")
        return value


class ResponsePolicy(_Model):
    """What a route's responses normally look like."""

    samples: int = Field(0, ge=0)
    statuses: list[int] = Field(default_factory=list)
    size: tuple[int, int] = (0, 0)
    latency_ms_max: float | None = None
    fields: dict[str, FieldPolicy] = Field(default_factory=dict)


class RoutePolicy(_Model):
    """Criteria of one route (``GET /users/{int}``)."""

    mode: Mode | None = None
    block_score: int | None = Field(None, ge=1)
    samples: int = Field(0, ge=0)
    content_types: list[str] = Field(default_factory=list)
    fields: dict[str, FieldPolicy] = Field(default_factory=dict)
    response: ResponsePolicy | None = None
    changed_at: float | None = None
    """When the learned criteria last changed (seconds since the epoch): promotion waits for a
    quiet period after it."""
    mode_since: float | None = None
    """When automatic promotion last set ``mode``."""
    overflow: str | None = None
    """Only on a ``/{other}`` route: the path templates seen while learning beyond the route
    bound, as an encoded :class:`~vigil.behavior.routes.TemplateFilter` (8 KiB before packing)."""

    @field_validator("overflow")
    @classmethod
    def _filter(cls, value: str | None) -> str | None:
        if value is not None:
            TemplateFilter.decode(value)
        return value


class BodyPolicy(_Model):
    """How much of a body is read, and what happens past that bound: never a silent bypass."""

    limit_bytes: int = Field(DEFAULT_BODY_LIMIT, ge=0, le=1 << 30)
    oversize: Literal["fail-open", "fail-closed"] = "fail-closed"
    unknown_length: Literal["fail-open", "fail-closed"] = "fail-closed"
    undecodable: Literal["fail-open", "fail-closed"] = "fail-closed"
    """A request body in a ``Content-Encoding`` the gate cannot undo (only gzip and deflate)."""


class Policy(_Model):
    """A service's whole policy: defaults plus one entry per route."""

    api_version: Literal["vigil.dev/v1"] = Field(API_VERSION, alias="apiVersion")
    kind: Literal["Policy"] = "Policy"
    service: str = "default"
    version: int = Field(0, ge=0)
    mode: Mode = Mode.LEARN
    block_score: int = Field(DEFAULT_BLOCK_SCORE, ge=1)
    body: BodyPolicy = Field(default_factory=BodyPolicy)
    routes: dict[str, RoutePolicy] = Field(default_factory=dict)
    """The learned layer: rewritten by every learning run."""
    operator: OperatorLayer = Field(default_factory=OperatorLayer)
    """The operator's layer: decisions that learning copies unchanged (``vigil.behavior.operator``)."""

    @field_validator("routes")
    @classmethod
    def _route_keys(cls, value: dict[str, RoutePolicy]) -> dict[str, RoutePolicy]:
        for key in value:
            method, _, path = key.partition(" ")
            if not method.isupper() or not path.startswith("/"):
                raise ValueError(f"route key {key!r} must read 'METHOD /path/{{param}}'")
        return value

    def mode_of(self, route: str) -> Mode:
        """The effective mode of a route: the operator's, else its own, else the policy's."""
        decision = self.operator.routes.get(route)
        if decision is not None and decision.mode is not None:
            return decision.mode
        entry = self.routes.get(route)
        return entry.mode if entry is not None and entry.mode is not None else self.mode

    def to_yaml(self) -> str:
        """Human-readable YAML, keys in a stable order (an empty operator layer left out)."""
        data = self.model_dump(mode="json", by_alias=True, exclude_defaults=False)
        if not self.operator:
            del data["operator"]
        text = yaml.dump(data, Dumper=_DUMPER, sort_keys=False, allow_unicode=True, width=100)
        if "\x85" in text:
            # PyYAML writes NEL raw and reads it back as a line break: escape non-ASCII then.
            text = yaml.dump(data, Dumper=_DUMPER, sort_keys=False, allow_unicode=False, width=100)
        return text


def load_policy(path: str | Path) -> Policy:
    """Read and validate a policy file; errors name the file, the field and the problem."""
    path = Path(path)
    try:
        data: Any = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)  # noqa: S506
    except OSError as exc:
        raise PolicyError(f"{path}: cannot read: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise PolicyError(f"{path}:{where} invalid YAML: {getattr(exc, 'problem', exc)}") from exc
    if not isinstance(data, dict):
        raise PolicyError(f"{path}: expected a mapping with apiVersion {API_VERSION}")
    return parse_policy(data, str(path))


def parse_policy(data: dict[str, Any], source: str = "<policy>") -> Policy:
    """Validate policy data; the first error becomes one line naming the field."""
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(top)"
        raise PolicyError(f"{source}: {where}: {first['msg']}") from None


def save_policy(policy: Policy, path: str | Path) -> None:
    """Write a policy atomically: a unique temporary file beside ``path``, fsync, then rename.

    Unique names let several worker processes save the same file without tearing it.
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(policy.to_yaml())
            out.flush()
            os.fsync(out.fileno())
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def admitted_bytes(classes: int, specials: frozenset[str]) -> bytes:
    """The printable ASCII bytes of ``classes`` (punctuation apart) and of ``specials``."""
    return bytes(
        c
        for c in range(32, 127)
        if chr(c) in specials or (chr(c) not in PUNCT and classes_of({chr(c)}) & classes)
    )


@dataclass(frozen=True, slots=True)
class FieldCheck:
    """A field's criteria compiled for the hot path."""

    lo: int
    hi: int
    classes: int
    specials: frozenset[str]
    sequences: frozenset[str]
    shapes: frozenset[str] | None
    typed: bool
    kinds: frozenset[str] | None
    enum: frozenset[str] | None
    patterns: frozenset[str] | None
    encodings: int
    entropy_max: float | None
    max_repeat: int
    required: bool
    description: str
    admit_structure: int = 0
    """Value grammars (bits) of the field's kind: a value following one of them is admitted."""
    admit_specials: frozenset[str] = frozenset()
    """Special characters such a value may carry beyond the learned ones."""
    admit_classes: int = 0
    """Character classes such a value may carry beyond the learned ones."""
    admit_sequences: frozenset[str] = frozenset()
    """Structural sequences such a value may carry beyond the learned ones."""
    dangers: int = 0
    """Dangerous structures (bits) the field normally carries."""
    grammar: str = ""
    """What the grammar admits, for alerts (``a name``); empty without a grammar."""
    plain_bytes: bytes = b""
    """The printable ASCII characters the learned classes and specials admit, as bytes: a run
    of plain values whose bytes are all in here shows no new character (a fast path)."""
    column_bytes: bytes = b""
    """:attr:`plain_bytes` and the NUL that joins a column's values (nothing: no fast path)."""
    plain_entropy: float = math.inf
    """log2 of how many characters :attr:`plain_bytes` holds: no plain value has more entropy."""
    needles: tuple[bytes, ...] = ()
    """Every spelling, in :attr:`plain_bytes`, of a structural sequence the field never showed."""
    may_hold_danger: bool = True
    """Whether a value of :attr:`plain_bytes` may hold dangerous structure."""
    clean: dict[tuple[str, int], None] = field(default_factory=dict, compare=False, repr=False)
    """Values already judged clean for this field (bounded by CLEAN_MEMO)."""

    def remember_clean(self, memo: tuple[str, int]) -> None:
        """Remember a clean value so repeats skip the checks; the memo is emptied when full."""
        if len(self.clean) >= CLEAN_MEMO:
            self.clean.clear()
        self.clean[memo] = None

    @classmethod
    def compile(cls, spec: FieldPolicy) -> FieldCheck:
        """Compile a validated FieldPolicy."""
        admitted: set[str] = set()
        for shape in spec.shapes:
            admitted |= COVERS[shape]
        shapes = frozenset(admitted) if spec.shapes and "text" not in spec.shapes else None
        kind = kind_named(spec.grammar) if spec.grammar is not None else None
        plain = admitted_bytes(classes_from_names(spec.classes), frozenset(spec.specials))
        plain_chars = frozenset(plain.decode("ascii"))
        return cls(
            lo=spec.length[0],
            hi=spec.length[1],
            classes=classes_from_names(spec.classes),
            specials=frozenset(spec.specials),
            sequences=frozenset(spec.sequences),
            shapes=shapes,
            typed=bool(spec.shapes) and set(spec.shapes) <= TYPED_SHAPES,
            kinds=frozenset(spec.kinds) if spec.kinds else None,
            enum=frozenset(spec.enum) if spec.enum is not None else None,
            patterns=frozenset(spec.patterns) if spec.patterns is not None else None,
            encodings=flags_from_names(spec.encodings),
            entropy_max=spec.entropy_max,
            max_repeat=spec.max_repeat,
            required=spec.required,
            description="|".join(spec.shapes) or "any",
            admit_specials=kind.specials if kind else frozenset(),
            admit_classes=kind.classes if kind else 0,
            admit_sequences=kind.sequences if kind else frozenset(),
            admit_structure=int(kind.structure) if kind else 0,
            dangers=dangers_from_names(spec.dangers),
            grammar=kind.description if kind else "",
            plain_bytes=plain,
            column_bytes=plain + b"\x00",
            plain_entropy=math.log2(max(2, len(plain))),
            needles=sequence_needles(plain_chars, frozenset(spec.sequences)),
            may_hold_danger=may_hold_danger_with(plain_chars),
        )
