"""Judging a field the route never showed: the field itself, and what it carries.

An unknown query parameter or body field is medium on its own (the application did not
expect it); an unknown header or cookie is low (clients add them freely). Their content is
judged without a learned model: risky special characters, structural sequences, encoding
anomalies and dangerous structure. In headers and cookies the first three weigh one level
lower, dangerous structure never does, and a standard header that follows its grammar is
what some legitimate client sends.
"""

from __future__ import annotations

from vigil.behavior.alerts import Alert, Severity, redact
from vigil.behavior.check import (
    HIGH_ENCODINGS,
    HIGH_SPECIALS,
    LOW_SEQUENCES,
    MEDIUM_SPECIALS,
    admitted_header,
    chars_of,
    client_chosen,
    danger_alert,
    specials_severity,
    standard_header,
)
from vigil.behavior.values import profile_text
from vigil.http.body import BodyField
from vigil.http.urlcodec import names_of

UNKNOWN_MAX_LENGTH = 4096
"""A value longer than this in a field the route never showed is a high-severity alert."""

UNKNOWN_FIELD_SEVERITY = {"header": Severity.LOW, "cookie": Severity.LOW}
"""Severity of a field never seen on a route, by prefix; other prefixes are medium."""


def check_unknown(route: str, value: BodyField) -> list[Alert]:
    """Alerts for a field the route never showed: the field itself, and its content.

    A standard header that follows its grammar is what some legitimate client sends: only
    dangerous structure in it alerts. Other unknown headers and cookies get the content checks
    one level lower (clients choose them freely), but dangerous structure stays high.
    """
    path = value.path
    if value.size is None and not value.flags and standard_header(path, value.text):
        return admitted_header(route, value, 0, 1, 1)
    prefix = path.split(".", 1)[0]
    alerts = [
        Alert(
            "V110",
            route,
            path,
            "a known field",
            redact(path, 64),
            UNKNOWN_FIELD_SEVERITY.get(prefix, Severity.MEDIUM),
        )
    ]
    if value.size is not None:
        return alerts
    prof = profile_text(value.text)
    if prof.dangers:
        alerts.append(danger_alert(route, path, value.text, prof.dangers))
    if prof.length > UNKNOWN_MAX_LENGTH:
        alerts.append(
            Alert(
                "V104",
                route,
                path,
                f"length <= {UNKNOWN_MAX_LENGTH} (unknown field)",
                str(prof.length),
                Severity.HIGH,
            )
        )
    risky = prof.specials & (HIGH_SPECIALS | MEDIUM_SPECIALS)
    if risky:
        alerts.append(
            Alert(
                "V101",
                route,
                path,
                "no special characters in an unknown field",
                f"{chars_of(risky)!r} in {redact(value.text)}",
                client_chosen(path, specials_severity(risky)),
            )
        )
    if prof.sequences - LOW_SEQUENCES:
        alerts.append(
            Alert(
                "V102",
                route,
                path,
                "no such sequence",
                f"{sorted(prof.sequences)} in {redact(value.text)}",
                client_chosen(path, Severity.HIGH),
            )
        )
    if value.flags & HIGH_ENCODINGS:
        alerts.append(
            Alert(
                "V107",
                route,
                path,
                "encodings none",
                ",".join(names_of(value.flags & HIGH_ENCODINGS)),
                client_chosen(path, Severity.HIGH),
            )
        )
    return alerts
