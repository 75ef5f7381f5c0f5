"""PriorityClass rules of the API server, with its exact messages.

Validation (``pkg/apis/scheduling/validation``): names are DNS subdomains (lower case, so
``System-cluster-critical`` is refused, not taken for a user class); names with the ``system-``
prefix are reserved for the two system classes with their exact values; user values are at most
1,000,000,000; the preemption policy is ``PreemptLowerPriority`` or ``Never`` (the decoder keeps
any string so that this check words the error); ``value`` and ``preemptionPolicy`` cannot change
on update. Admission (the Priority plugin):
only one class may be ``globalDefault``; when several exist anyway, the lowest value wins.
The loader (which refuses an invalid class), the auditor (which reports it) and the admission
emulation (which answers 422) all call these functions.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import re2

from vigil.cluster.meta import ObjectMeta
from vigil.cluster.policy import PREEMPT_LOWER_PRIORITY, PREEMPT_NEVER, PriorityClass

HIGHEST_USER_DEFINABLE_PRIORITY = 1_000_000_000
SYSTEM_PREFIX = "system-"
SYSTEM_CLUSTER_CRITICAL = "system-cluster-critical"
SYSTEM_NODE_CRITICAL = "system-node-critical"
SYSTEM_CLASSES = {SYSTEM_CLUSTER_CRITICAL: 2_000_000_000, SYSTEM_NODE_CRITICAL: 2_000_001_000}
"""The classes the API server creates at start-up, by name, with their values."""
SYSTEM_PRIORITY_CLASSES: tuple[PriorityClass, ...] = tuple(
    PriorityClass(ObjectMeta(name), value) for name, value in SYSTEM_CLASSES.items()
)
PREEMPTION_POLICIES = (PREEMPT_LOWER_PRIORITY, PREEMPT_NEVER)
"""In the order upstream lists them in ``ValidatePreemptionPolicy``'s message."""
DNS1123_SUBDOMAIN_MAX_LENGTH = 253
_DNS1123_LABEL = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
DNS1123_SUBDOMAIN_FMT = _DNS1123_LABEL + "(\\." + _DNS1123_LABEL + ")*"
_DNS1123_SUBDOMAIN = re2.compile(DNS1123_SUBDOMAIN_FMT)
DNS1123_SUBDOMAIN_ERROR = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used "
    f"for validation is '{DNS1123_SUBDOMAIN_FMT}')"
)


@dataclass(frozen=True, slots=True)
class FieldProblem:
    """A ``field.Error``: path, type (``Forbidden``, ``Invalid value``...) and detail."""

    path: str
    type: str
    detail: str
    value: str | None = None
    """The bad value, already formatted as upstream prints it (``"Never"``), if shown."""

    def __str__(self) -> str:
        body = self.type if self.value is None else f"{self.type}: {self.value}"
        return f"{self.path}: {body}: {self.detail}" if self.detail else f"{self.path}: {body}"


def _known_system_class(name: str, value: int, global_default: bool) -> str | None:
    expected = SYSTEM_CLASSES.get(name)
    if expected is None:
        return f"{name} is not a known system priority class"
    if value != expected:
        return f"value of {name} PriorityClass must be {expected}"
    if global_default:
        return f"globalDefault of {name} PriorityClass must be false"
    return None


def go_quote(text: str) -> str:
    """A string as Go's ``%q`` prints it (for the ASCII and escapes a name can hold)."""
    out = []
    for ch in text:
        if ch in ('"', "\\"):
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch.isprintable():
            out.append(ch)
        else:
            code = ord(ch)
            out.append(f"\\x{code:02x}" if code < 0x80 else f"\\u{code:04x}")
    return '"' + "".join(out) + '"'


def validate_name(name: str) -> list[FieldProblem]:
    """``ValidateObjectMeta``'s name check for cluster-scoped objects named as DNS subdomains
    (``NameIsDNSSubdomain``)."""
    if not name:
        return [FieldProblem("metadata.name", "Required value", "name or generateName is required")]
    problems = []
    if len(name) > DNS1123_SUBDOMAIN_MAX_LENGTH:
        problems.append(
            FieldProblem(
                "metadata.name",
                "Invalid value",
                f"must be no more than {DNS1123_SUBDOMAIN_MAX_LENGTH} characters",
                go_quote(name),
            )
        )
    if _DNS1123_SUBDOMAIN.fullmatch(name) is None:
        problems.append(
            FieldProblem("metadata.name", "Invalid value", DNS1123_SUBDOMAIN_ERROR, go_quote(name))
        )
    return problems


def validate_priority_class(pc: PriorityClass) -> list[FieldProblem]:
    """``ValidatePriorityClass``: the name (a DNS subdomain), the reserved ``system-`` prefix,
    the highest user value, the preemption policy; in upstream's order."""
    problems: list[FieldProblem] = validate_name(pc.name)
    if pc.name.startswith(SYSTEM_PREFIX):
        error = _known_system_class(pc.name, pc.value, pc.global_default)
        if error is not None:
            problems.append(
                FieldProblem(
                    "metadata.name",
                    "Forbidden",
                    "priority class names with 'system-' prefix are reserved for system use "
                    f"only. error: {error}",
                )
            )
    elif pc.value > HIGHEST_USER_DEFINABLE_PRIORITY:
        problems.append(
            FieldProblem(
                "value",
                "Forbidden",
                "maximum allowed value of a user defined priority is "
                f"{HIGHEST_USER_DEFINABLE_PRIORITY}",
            )
        )
    if pc.preemption_policy == "":
        problems.append(FieldProblem("preemptionPolicy", "Required value", ""))
    elif pc.preemption_policy not in PREEMPTION_POLICIES:
        supported = ", ".join(f'"{p}"' for p in PREEMPTION_POLICIES)
        problems.append(
            FieldProblem(
                "preemptionPolicy",
                "Unsupported value",
                f"supported values: {supported}",
                go_quote(pc.preemption_policy),
            )
        )
    return problems


def validate_priority_class_update(new: PriorityClass, old: PriorityClass) -> list[FieldProblem]:
    """``ValidatePriorityClassUpdate``: value and preemptionPolicy are immutable."""
    problems: list[FieldProblem] = []
    if new.value != old.value:
        problems.append(FieldProblem("value", "Forbidden", "may not be changed in an update."))
    if new.preemption_policy != old.preemption_policy:
        problems.append(
            FieldProblem(
                "preemptionPolicy",
                "Invalid value",
                "field is immutable",
                f'"{new.preemption_policy}"',
            )
        )
    return problems


def aggregate(problems: Iterable[FieldProblem]) -> str:
    """``ErrorList.ToAggregate().Error()``: one error as is, several as ``[a, b]``."""
    texts = [str(p) for p in problems]
    return texts[0] if len(texts) == 1 else "[" + ", ".join(texts) + "]"


def default_class(classes: Iterable[PriorityClass]) -> PriorityClass | None:
    """``getDefaultPriorityClass``: the globalDefault class, the lowest value if several."""
    defaults = [c for c in classes if c.global_default]
    return min(defaults, key=lambda c: c.value) if defaults else None
