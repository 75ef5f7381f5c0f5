"""What an audit produces: checks with their metadata, and findings that point at an object.

A `Check` is documentation as data (id, title, severity, rationale, remediation, references):
the catalogue, the SARIF rules and the admission denials are all generated from it. A `Finding`
names the check, the object (kind, namespace, name), where it was read (file and line) and what
exactly is wrong, in one sentence.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum

from vigil.cluster.identity import object_display


class Severity(IntEnum):
    """How bad a finding is; ``--fail-on`` compares with these."""

    INFO = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    @property
    def label(self) -> str:
        """Lower-case name, as written on the command line and in reports."""
        return self.name.lower()

    @staticmethod
    def parse(text: str) -> Severity:
        """``high`` -> `Severity.HIGH`; raises ValueError naming the choices."""
        try:
            return Severity[text.upper()]
        except KeyError:
            choices = ", ".join(s.label for s in Severity)
            raise ValueError(f"unknown severity {text!r} (expected one of {choices})") from None


@dataclass(frozen=True, slots=True)
class Check:
    """A check's identity and documentation."""

    id: str
    name: str
    title: str
    severity: Severity
    rationale: str
    remediation: str
    references: tuple[str, ...] = ()
    admission: bool = False
    """The rule also runs at admission on single objects (see `vigil.admission`)."""


@dataclass(frozen=True, slots=True)
class ObjectRef:
    """Which object a finding is about and where it was read."""

    kind: str
    namespace: str
    name: str
    source: str = ""
    line: int = 0

    @property
    def display(self) -> str:
        """``Deployment shop/web`` (cluster-scoped objects without a namespace)."""
        return object_display(self.kind, self.namespace, self.name)

    @property
    def location(self) -> str:
        """``file.yaml:12`` (or empty when unknown)."""
        if not self.source:
            return ""
        return f"{self.source}:{self.line}" if self.line else self.source


@dataclass(frozen=True, slots=True)
class Violation:
    """What a check function reports: the object, the sentence, the field it is about."""

    ref: ObjectRef
    message: str
    path: str = ""
    annotations: tuple[tuple[str, str], ...] = ()
    """The object's (and pod template's) annotations, read for inline suppressions."""


@dataclass(frozen=True, slots=True)
class Finding:
    """A violation attributed to its check."""

    check: Check
    ref: ObjectRef
    message: str
    path: str = ""
    suppressed_by: str = ""
    """Why it is suppressed (``annotation: reason`` or ``file: reason``), empty when active."""
    note: str = ""
    """Extra context, e.g. a suppression that expired."""

    @property
    def severity(self) -> Severity:
        """The check's severity."""
        return self.check.severity


@dataclass(slots=True)
class AuditReport:
    """Every finding (active and suppressed) and what was read."""

    findings: list[Finding] = field(default_factory=list)
    objects: int = 0
    skipped: list[str] = field(default_factory=list)

    @property
    def active(self) -> list[Finding]:
        """Findings not suppressed."""
        return [f for f in self.findings if not f.suppressed_by]

    @property
    def suppressed(self) -> list[Finding]:
        """Findings suppressed with a reason."""
        return [f for f in self.findings if f.suppressed_by]

    def at_or_above(self, severity: Severity) -> list[Finding]:
        """Active findings of at least ``severity``."""
        return [f for f in self.active if f.severity >= severity]
