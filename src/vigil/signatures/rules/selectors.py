"""Where a rule looks: routes, methods and field selectors, matched against one exchange.

Fields are the profiled fields of the request (``query.q``, ``form.username``,
``json.items[].id``, ``header.user-agent``, ``cookie.session``, ``multipart.avatar.filename``,
``body``), the decoded path (``path``) and its segments (``path.1``), and the raw request parts
(``raw.path``, ``raw.query`` as received, ``raw.body`` after content decoding). Response rules
read ``response.status``, ``response.header.<name>`` and ``response.body``. A selector is a field
name, a glob (``query.*``, ``json.user.*``) or ``any`` (every request field and the path).

A route is ``METHOD /path`` where the path is compared with both the route the request
resolved to (``/users/{int}``) and the decoded request path (``/users/42``); ``*`` matches any
run of characters and ``*`` as the method any method. Globs compile to RE2 programs.
"""

from __future__ import annotations

from dataclasses import dataclass

import re2

from vigil.http.body import BodyField
from vigil.inspection.phases import Context
from vigil.signatures.rules.conditions import Program, compile_regex
from vigil.signatures.scan import path_fields

MAX_RAW = 1 << 20
"""Characters of a raw body (or response body) handed to rules."""

RAW = frozenset({"raw.path", "raw.query", "raw.body"})
"""Selectors of the request as received rather than profiled."""


def glob(pattern: str) -> Program:
    """A program that fully matches ``pattern`` with ``*`` as any run of characters."""
    body = ".*".join(re2.escape(part) for part in pattern.split("*"))
    return compile_regex(f"(?s)\\A(?:{body})\\z")


def _normal(selector: str) -> str:
    for prefix in ("header.", "response.header."):
        if selector.startswith(prefix):
            return prefix + selector[len(prefix) :].lower()
    return selector


@dataclass(frozen=True, slots=True)
class Selector:
    """One compiled field selector."""

    text: str
    program: Program | None
    """Set for globs; exact names compare as text."""

    @classmethod
    def compile(cls, selector: str) -> Selector:
        """Compile a validated selector (header names are case-insensitive)."""
        text = _normal(selector)
        return cls(text, glob(text) if "*" in text else None)

    @property
    def is_any(self) -> bool:
        """True for ``any``."""
        return self.text == "any"

    def selects(self, path: str) -> bool:
        """Whether this selector picks the field named ``path``."""
        if self.text == "any":
            return not path.startswith(("raw.", "response."))
        if self.program is not None:
            return self.program.search(path) is not None
        return path == self.text


@dataclass(frozen=True, slots=True)
class RouteMatcher:
    """A rule's route and methods."""

    method: str | None
    path: Program | None
    methods: frozenset[str] | None

    @classmethod
    def compile(cls, route: str | None, methods: list[str] | None) -> RouteMatcher:
        """Compile a validated ``route`` (``METHOD /path``) and ``methods`` list."""
        method, path = route.split(" ", 1) if route is not None else (None, None)
        return cls(
            method=None if method in {None, "*"} else method,
            path=glob(path) if path is not None else None,
            methods=frozenset(methods) if methods else None,
        )

    def applies(self, method: str, route_path: str, request_path: str) -> bool:
        """Whether the rule applies to a request with this method, route and decoded path."""
        if self.method is not None and method != self.method:
            return False
        if self.methods is not None and method not in self.methods:
            return False
        if self.path is None:
            return True
        return (
            self.path.search(route_path) is not None or self.path.search(request_path) is not None
        )


def request_fields(context: Context) -> list[BodyField]:
    """Every request field a rule can select, in a stable order."""
    request = context.request
    fields = path_fields(request)
    fields.extend(f for f in context.observation.fields if f.kind not in {"object", "array"})
    fields.append(BodyField("raw.path", request.path))
    fields.append(BodyField("raw.query", request.query))
    body = context.observation.body or request.body
    if body:
        fields.append(BodyField("raw.body", body[:MAX_RAW].decode("utf-8", "replace")))
    return fields


def response_fields(context: Context) -> list[BodyField]:
    """Every response field a rule can select (empty before the response is known)."""
    response = context.response
    if response is None:
        return []
    fields = [BodyField("response.status", str(response.status))]
    fields.extend(BodyField(f"response.header.{name}", value) for name, value in response.headers)
    observed = context.response_observation
    body = observed.body if observed is not None and observed.body else response.body
    if body:
        fields.append(BodyField("response.body", body[:MAX_RAW].decode("utf-8", "replace")))
    return fields
