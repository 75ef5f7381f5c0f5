"""The rule file format: what an operator writes, validated before anything runs.

A rule file is YAML (``apiVersion: vigil.dev/v1``, ``kind: Rules``) with a list of rules. Each
rule says where to look and what to require or forbid::

    - id: CVE-2024-0001-login          # unique, stable: it names the rule in every alert
      reference: https://nvd.nist.gov/vuln/detail/CVE-2024-0001
      severity: critical               # low | medium | high (default) | critical
      action: block                    # alert (default) | block: block whatever the score
      expires: 2026-12-31              # optional; a date means the end of that day (UTC)
      route: POST /login               # optional: METHOD /path, globs and {int} templates allowed
      methods: [POST]                  # optional
      fields: [form.username]          # where: see SELECTORS below (default: any)
      require:                         # a virtual patch: every value must satisfy this...
        regex: '^[a-z]{1,32}$'
      # forbid:                        # ...or a signature: no value may match this
      #   detector: sqli

A condition (under ``require`` or ``forbid``) combines any of ``regex`` (RE2), ``equals`` and
``contains`` (literal sets, ``ignore_case`` optional), ``length`` and ``number`` bounds, a value
``type`` and a built-in ``detector``; all of them must hold for the condition to hold. A
``require`` rule claims its fields: the learned model no longer judges them, the rule does.
"""

from __future__ import annotations

import datetime as dt
import re
from enum import StrEnum
from typing import Literal

import re2
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from vigil.signatures.detection import Attack

API_VERSION: Literal["vigil.dev/v1"] = "vigil.dev/v1"
MAX_RULES = 10000
"""Rules in one file: beyond it the file is refused (each rule costs memory and matching)."""
MAX_PATTERN = 4096
"""Longest regular expression or literal accepted in a rule."""
MAX_LITERALS = 10000
"""Literals in one ``equals`` or ``contains`` list."""

SELECTORS = (
    "query.<key>",
    "form.<key>",
    "json.<path>",
    "multipart.<name>",
    "header.<name>",
    "cookie.<name>",
    "path",
    "path.<n>",
    "body",
    "raw.path",
    "raw.query",
    "raw.body",
    "any",
    "response.status",
    "response.header.<name>",
    "response.body",
)
"""Field selectors a rule may use; ``*`` in a selector matches any run of characters."""


_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}")
_SELECTOR = re.compile(
    r"any|path|path\.(?:\d+|\*)|body|raw\.(?:path|query|body)|response\.(?:status|body)"
    r"|response\.header\.\S{1,256}|(?:query|form|json|multipart|header|cookie)\.\S{1,512}"
)
_ROUTE = re.compile(r"(?:[A-Z]{1,20}|\*) /\S{0,1024}")
_OPTIONS = re2.Options()
_OPTIONS.log_errors = False


class ValueType(StrEnum):
    """Value types a condition may require."""

    INT = "int"
    FLOAT = "float"
    BOOL = "bool"
    UUID = "uuid"
    HEX = "hex"
    EMAIL = "email"
    DATE = "date"
    IPV4 = "ipv4"
    IPV6 = "ipv6"
    IP = "ip"
    ALPHA = "alpha"
    ALNUM = "alnum"
    WORD = "word"
    """Letters, digits, ``_`` and ``-``."""


class Action(StrEnum):
    """What a match does beyond raising its alert."""

    ALERT = "alert"
    """Raise an alert that counts towards the route's score like any other."""
    BLOCK = "block"
    """Block the exchange on its own, whatever the score (detect mode reports a would-block)."""


class RuleSeverity(StrEnum):
    """The severity written in a rule; the alert's weight follows it (1, 3, 6, 10)."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Bounds(_Model):
    """An inclusive range; either end may be left open."""

    min: float | None = None
    max: float | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Bounds:
        if self.min is None and self.max is None:
            raise ValueError("give min, max or both")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min {self.min:g} is above max {self.max:g}")
        return self


def check_regex(pattern: str) -> str:
    """``pattern`` when RE2 compiles it; otherwise ValueError with RE2's reason."""
    try:
        re2.compile(pattern, _OPTIONS)
    except re2.error as exc:
        reason = exc.args[0] if exc.args else exc
        text = reason.decode("utf-8", "replace") if isinstance(reason, bytes) else str(reason)
        raise ValueError(f"invalid RE2 pattern: {text}") from None
    return pattern


class Condition(_Model):
    """What a value must satisfy (``require``) or must not (``forbid``): all parts at once."""

    regex: str | None = Field(None, max_length=MAX_PATTERN)
    equals: list[str] | None = Field(None, max_length=MAX_LITERALS)
    contains: list[str] | None = Field(None, max_length=MAX_LITERALS)
    ignore_case: bool = False
    """Applies to ``equals`` and ``contains`` (write ``(?i)`` in a regex)."""
    length: Bounds | None = None
    number: Bounds | None = None
    type: ValueType | None = None
    detector: Attack | None = None

    @field_validator("regex")
    @classmethod
    def _regex(cls, value: str | None) -> str | None:
        return check_regex(value) if value is not None else None

    @field_validator("equals", "contains")
    @classmethod
    def _literals(cls, value: list[str] | None) -> list[str] | None:
        if value is not None:
            if not value:
                raise ValueError("give at least one literal")
            too_long = [v for v in value if len(v) > MAX_PATTERN]
            if too_long:
                raise ValueError(f"literal longer than {MAX_PATTERN} characters")
        return value

    @model_validator(mode="after")
    def _something(self) -> Condition:
        parts = (
            self.regex,
            self.equals,
            self.contains,
            self.length,
            self.number,
            self.type,
            self.detector,
        )
        if all(p is None for p in parts):
            raise ValueError(
                "a condition needs regex, equals, contains, length, number, type or detector"
            )
        return self


class Rule(_Model):
    """One virtual patch (``require``) or signature (``forbid``)."""

    id: str
    description: str = ""
    reference: str = Field("", max_length=1024)
    severity: RuleSeverity = RuleSeverity.HIGH
    action: Action = Action.ALERT
    expires: dt.date | dt.datetime | None = None
    route: str | None = None
    methods: list[str] | None = None
    fields: list[str] = Field(default_factory=lambda: ["any"], min_length=1, max_length=256)
    require: Condition | None = None
    forbid: Condition | None = None
    missing: Literal["ignore", "alert"] = "ignore"
    """For ``require`` rules: whether an absent selected field is itself a violation."""

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not _ID.fullmatch(value):
            raise ValueError(
                "an id is 1-128 letters, digits and _ . : - (starting with a letter or digit)"
            )
        return value

    @field_validator("route")
    @classmethod
    def _route(cls, value: str | None) -> str | None:
        if value is not None and not _ROUTE.fullmatch(value):
            raise ValueError(f"route {value!r} must read 'METHOD /path' (METHOD may be *)")
        return value

    @field_validator("methods")
    @classmethod
    def _methods(cls, value: list[str] | None) -> list[str] | None:
        if value is not None:
            bad = [m for m in value if not re.fullmatch(r"[A-Z]{1,20}", m)]
            if bad or not value:
                raise ValueError(f"methods are upper-case HTTP methods, got {bad or value}")
        return value

    @field_validator("fields", mode="before")
    @classmethod
    def _one_or_many(cls, value: object) -> object:
        return [value] if isinstance(value, str) else value

    @field_validator("fields")
    @classmethod
    def _selectors(cls, value: list[str]) -> list[str]:
        for selector in value:
            if not _SELECTOR.fullmatch(selector):
                raise ValueError(
                    f"unknown field selector {selector!r}; use one of {', '.join(SELECTORS)}"
                )
        return value

    @model_validator(mode="after")
    def _one_mode(self) -> Rule:
        if (self.require is None) == (self.forbid is None):
            raise ValueError(
                "a rule has exactly one of require (virtual patch) or forbid (signature)"
            )
        response = [f for f in self.fields if f.startswith("response.")]
        if response and len(response) != len(self.fields):
            raise ValueError("a rule selects request fields or response fields, not both")
        return self

    @property
    def condition(self) -> Condition:
        """The rule's condition, whichever mode it is in."""
        condition = self.require if self.require is not None else self.forbid
        if condition is None:  # pragma: no cover - excluded by validation
            raise ValueError("rule without condition")
        return condition

    @property
    def is_patch(self) -> bool:
        """True for a ``require`` rule (a virtual patch), False for a ``forbid`` signature."""
        return self.require is not None

    def expiry(self) -> dt.datetime | None:
        """When the rule stops applying (UTC); a date means the end of that day."""
        if self.expires is None:
            return None
        if isinstance(self.expires, dt.datetime):
            moment = self.expires
            return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
        return dt.datetime.combine(self.expires, dt.time.max, tzinfo=dt.UTC)


class RuleFile(_Model):
    """A whole rule file."""

    api_version: Literal["vigil.dev/v1"] = Field(API_VERSION, alias="apiVersion")
    kind: Literal["Rules"] = "Rules"
    rules: list[Rule] = Field(default_factory=list, max_length=MAX_RULES)

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="after")
    def _unique_ids(self) -> RuleFile:
        seen: dict[str, int] = {}
        for index, rule in enumerate(self.rules):
            if rule.id in seen:
                raise ValueError(
                    f"rules[{index}].id: {rule.id!r} is already the id of rules[{seen[rule.id]}]"
                )
            seen[rule.id] = index
        return self
