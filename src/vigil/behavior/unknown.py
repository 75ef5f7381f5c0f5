"""Judging a field the route never showed: the field itself, and what it carries.

An unknown query parameter or body field is medium on its own (the application did not
expect it); an unknown header is low (clients add them freely). Their content is judged
without a learned model: risky special characters, structural sequences, encoding anomalies
and dangerous structure. In headers the first three weigh one level lower, dangerous
structure never does, and a standard header that follows its grammar is what some legitimate
client sends.

A cookie the route never showed is no evidence by itself, nor are the characters in it: a
browser sends every cookie of the site to every route, and the site's consent and analytics
scripts set many (``_ga_*`` values hold ``$``, consent cookies hold URL-encoded JSON), so
counting them would block ordinary visitors on any route that learned without them. What
would make one an attack is judged as anywhere else: dangerous structure, control bytes and
double encodings, an oversized value, and the attack detectors, which read every cookie.

The same holds for the link decorations that ad, mail and social platforms append to every URL
they link to (``utm_source``, ``gclid``, ``fbclid``...: :data:`LINK_DECORATIONS`): a visitor
coming from a newsletter or an ad would otherwise be stopped on any route that learned from
other visitors. They are recognised in the query string only, by name.
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

LINK_DECORATIONS = frozenset(
    {
        "_ga", "_gl", "dclid", "epik", "fbclid", "gad_source", "gbraid", "gclid", "gclsrc",
        "igshid", "li_fat_id", "mc_cid", "mc_eid", "msclkid", "s_kwcid", "srsltid", "ttclid",
        "twclid", "wbraid", "yclid", "_hsenc", "_hsmi", "mkt_tok", "oly_anon_id", "oly_enc_id",
        "vero_id", "wickedid",
    }
)  # fmt: skip
"""Query parameters that ad, analytics, mail and social platforms append to the links they
send visitors through; so is every ``utm_*`` parameter (Google Analytics' campaign tags)."""

UNKNOWN_FIELD_SEVERITY = {"header": Severity.LOW}
"""Severity of a field never seen on a route, by prefix; other prefixes but ``cookie`` are medium."""


def check_unknown(route: str, value: BodyField) -> list[Alert]:
    """Alerts for a field the route never showed: the field itself, and its content.

    A standard header that follows its grammar is what some legitimate client sends: only
    dangerous structure in it alerts. Other unknown headers get the content checks one level
    lower (clients choose them freely), but dangerous structure stays high. An unknown cookie
    alerts only on what would make it an attack (see the module docstring).
    """
    path = value.path
    if value.size is None and not value.flags and standard_header(path, value.text):
        return admitted_header(route, value, 0, 1, 1)
    if path.startswith("cookie.") or link_decoration(path):
        return _attack_evidence(route, value)
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
        alerts.append(_oversized(route, path, prof.length))
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
        alerts.append(_encodings(route, value))
    return alerts


def link_decoration(path: str) -> bool:
    """Whether ``path`` is a query parameter that platforms append to links (see the module
    docstring): ``query.utm_source``, ``query.gclid``."""
    if not path.startswith("query."):
        return False
    name = path[6:].lower()
    return name.startswith("utm_") or name in LINK_DECORATIONS


def _attack_evidence(route: str, value: BodyField) -> list[Alert]:
    """The alerts of an unknown field that do not depend on the field being known: dangerous
    structure, an oversized value and decoding anomalies."""
    prof = profile_text(value.text)
    alerts = []
    if prof.dangers:
        alerts.append(danger_alert(route, value.path, value.text, prof.dangers))
    if prof.length > UNKNOWN_MAX_LENGTH:
        alerts.append(_oversized(route, value.path, prof.length))
    if value.flags & HIGH_ENCODINGS:
        alerts.append(_encodings(route, value))
    return alerts


def _oversized(route: str, path: str, length: int) -> Alert:
    return Alert(
        "V104",
        route,
        path,
        f"length <= {UNKNOWN_MAX_LENGTH} (unknown field)",
        str(length),
        Severity.HIGH,
    )


def _encodings(route: str, value: BodyField) -> Alert:
    return Alert(
        "V107",
        route,
        value.path,
        "encodings none",
        ",".join(names_of(value.flags & HIGH_ENCODINGS)),
        client_chosen(value.path, Severity.HIGH),
    )
