"""Judging values against learned criteria, with graded severities.

Severity follows what an irregularity means for an attacker: a new quote, angle bracket or
semicolon, a comment or traversal sequence, a NUL byte or double encoding is high; a new space
or an enum value never seen is medium; a slightly longer value or a new letter case is low.
Each check yields at most one alert per field and kind, listing everything new it saw.
"""

from __future__ import annotations

from vigil.behavior.alerts import Alert, Severity, redact
from vigil.behavior.policy import FieldCheck
from vigil.behavior.values import CharClass, TextProfile, class_names, profile_text
from vigil.http.body import BodyField
from vigil.http.urlcodec import Encoding, names_of

HIGH_SPECIALS = frozenset("'\"<>;`|\\$")
MEDIUM_SPECIALS = frozenset("(){}[]*%=&#!^/")
LOW_SEQUENCES = frozenset({"0x"})

HIGH_ENCODINGS = int(
    Encoding.DOUBLE_ENCODED
    | Encoding.OVERLONG_UTF8
    | Encoding.NUL
    | Encoding.CONTROL
    | Encoding.CRLF
)
MEDIUM_ENCODINGS = int(Encoding.BAD_PERCENT)
_PUNCT = int(CharClass.PUNCT)
_SPACE = int(CharClass.SPACE)
_CONTROL = int(CharClass.CONTROL)
_SPACE_OR_SYMBOL = int(CharClass.SPACE | CharClass.SYMBOL_OTHER)

UNKNOWN_MAX_LENGTH = 4096
"""A value longer than this in a field the route never showed is a high-severity alert."""

UNKNOWN_FIELD_SEVERITY = {"header": Severity.LOW, "cookie": Severity.LOW}
"""Severity of a field never seen on a route, by prefix; other prefixes are medium."""


FREE_TEXT_SPECIALS = 4
"""A field that admits spaces and at least this many special characters is free text: a new
harmless special character there is low severity; anywhere else it is medium."""


def novelty_severity(path: str) -> Severity:
    """Severity of a harmless-looking novelty (a value outside the enum or pattern, a longer value).

    Clients choose their headers and cookies freely (a new browser is a new User-Agent), so there
    such novelty is low; in parameters and bodies the application chose the values, so it is medium.
    """
    return Severity.LOW if path.startswith(("header.", "cookie.")) else Severity.MEDIUM


def _client_chosen(path: str, severity: Severity) -> Severity:
    """One level lower in headers and cookies, whose values clients choose freely."""
    if not path.startswith(("header.", "cookie.")):
        return severity
    return {Severity.CRITICAL: Severity.HIGH, Severity.HIGH: Severity.MEDIUM}.get(
        severity, Severity.LOW
    )


def specials_severity(chars: frozenset[str] | set[str], free_text: bool = False) -> Severity:
    """Severity of characters appearing where they were never seen."""
    if chars & HIGH_SPECIALS:
        return Severity.HIGH
    if chars & MEDIUM_SPECIALS:
        return Severity.MEDIUM if len(chars) < 3 else Severity.HIGH
    if free_text:
        return Severity.LOW if len(chars) < 3 else Severity.MEDIUM
    return Severity.MEDIUM


def encoding_severity(flags: int) -> Severity:
    """Severity of decoding anomalies never seen on a field."""
    if flags & HIGH_ENCODINGS:
        return Severity.HIGH
    if flags & MEDIUM_ENCODINGS:
        return Severity.MEDIUM
    return Severity.LOW


def _chars(chars: frozenset[str] | set[str]) -> str:
    return "".join(sorted(chars)) or "none"


def _free_text(check: FieldCheck) -> bool:
    return bool(check.classes & _SPACE) and len(check.specials) >= FREE_TEXT_SPECIALS


def check_value(route: str, value: BodyField, check: FieldCheck, repeat: int) -> list[Alert]:
    """All alerts for one field value against its compiled criteria."""
    alerts: list[Alert] = []
    path = value.path
    text = value.text
    if check.kinds is not None and value.kind != "value" and value.kind not in check.kinds:
        alerts.append(
            Alert("V125", route, path, "|".join(sorted(check.kinds)), value.kind, Severity.MEDIUM)
        )
        return alerts
    if value.size is not None:
        if value.size > check.hi:
            sev = Severity.MEDIUM if value.size > 2 * check.hi + 8 else Severity.LOW
            alerts.append(Alert("V124", route, path, f"size <= {check.hi}", str(value.size), sev))
        return alerts
    memo = (text, value.flags)
    if repeat <= check.max_repeat and memo in check.clean:
        return alerts
    prof: TextProfile = profile_text(text)
    new_specials = prof.specials - check.specials
    if new_specials:
        alerts.append(
            Alert(
                "V101",
                route,
                path,
                f"specials {_chars(check.specials)!r}",
                f"{_chars(new_specials)!r} in {redact(text)}",
                _client_chosen(path, specials_severity(new_specials, _free_text(check))),
            )
        )
    new_sequences = prof.sequences - check.sequences
    if new_sequences:
        sev = Severity.LOW if new_sequences <= LOW_SEQUENCES else Severity.HIGH
        alerts.append(
            Alert(
                "V102",
                route,
                path,
                "no such sequence",
                f"{sorted(new_sequences)} in {redact(text)}",
                sev,
            )
        )
    new_classes = prof.classes & ~check.classes & ~_PUNCT
    if new_classes:
        if new_classes & _CONTROL:
            sev = Severity.HIGH
        elif new_classes & _SPACE_OR_SYMBOL:
            sev = Severity.MEDIUM
        else:
            sev = Severity.LOW
        alerts.append(
            Alert(
                "V103",
                route,
                path,
                "classes " + ",".join(class_names(check.classes)),
                ",".join(class_names(new_classes)) + f" in {redact(text)}",
                sev,
            )
        )
    flags = value.flags & ~check.encodings
    if flags:
        alerts.append(
            Alert(
                "V107",
                route,
                path,
                "encodings " + (",".join(names_of(check.encodings)) or "none"),
                ",".join(names_of(flags)),
                encoding_severity(flags),
            )
        )
    length = prof.length
    if length > check.hi:
        if length > 8 * check.hi + 64:
            sev = Severity.HIGH
        elif length > 2 * check.hi + 8:
            sev = novelty_severity(path)
        else:
            sev = Severity.LOW
        alerts.append(
            Alert("V104", route, path, f"length {check.lo}..{check.hi}", str(length), sev)
        )
    elif length < check.lo:
        alerts.append(
            Alert("V104", route, path, f"length {check.lo}..{check.hi}", str(length), Severity.LOW)
        )
    novelty = novelty_severity(path)
    if check.enum is not None:
        if text not in check.enum:
            alerts.append(
                Alert(
                    "V106",
                    route,
                    path,
                    f"one of {len(check.enum)} known values",
                    redact(text),
                    novelty,
                )
            )
    elif check.patterns is not None and prof.pattern not in check.patterns:
        shown = ", ".join(sorted(check.patterns)[:4])
        alerts.append(
            Alert(
                "V105",
                route,
                path,
                f"pattern {shown}",
                f"{redact(prof.pattern) if prof.pattern else 'long'} {redact(text)}",
                novelty,
            )
        )
    elif check.shapes is not None and prof.shape not in check.shapes:
        sev = novelty if check.typed else Severity.LOW
        alerts.append(
            Alert("V105", route, path, check.description, f"{prof.shape} {redact(text)}", sev)
        )
    if check.entropy_max is not None and prof.length >= 16 and prof.entropy > check.entropy_max:
        alerts.append(
            Alert(
                "V108",
                route,
                path,
                f"entropy <= {check.entropy_max}",
                f"{prof.entropy:.2f}",
                Severity.LOW,
            )
        )
    if repeat > check.max_repeat:
        alerts.append(
            Alert(
                "V112",
                route,
                path,
                f"at most {check.max_repeat} occurrence(s)",
                str(repeat),
                Severity.MEDIUM,
            )
        )
    elif not alerts:
        check.remember_clean(memo)
    return alerts


def check_unknown(route: str, value: BodyField) -> list[Alert]:
    """Alerts for a field the route never showed: the field itself, and dangerous content."""
    prefix = value.path.split(".", 1)[0]
    alerts = [
        Alert(
            "V110",
            route,
            value.path,
            "a known field",
            redact(value.path, 64),
            UNKNOWN_FIELD_SEVERITY.get(prefix, Severity.MEDIUM),
        )
    ]
    prof = profile_text(value.text) if value.size is None else None
    if prof is not None and prof.length > UNKNOWN_MAX_LENGTH:
        alerts.append(
            Alert(
                "V104",
                route,
                value.path,
                f"length <= {UNKNOWN_MAX_LENGTH} (unknown field)",
                str(prof.length),
                Severity.HIGH,
            )
        )
    if prof is not None:
        risky = prof.specials & (HIGH_SPECIALS | MEDIUM_SPECIALS)
        if risky and prefix not in UNKNOWN_FIELD_SEVERITY:
            alerts.append(
                Alert(
                    "V101",
                    route,
                    value.path,
                    "no special characters in an unknown field",
                    f"{_chars(risky)!r} in {redact(value.text)}",
                    specials_severity(risky),
                )
            )
        if prof.sequences - LOW_SEQUENCES:
            alerts.append(
                Alert(
                    "V102",
                    route,
                    value.path,
                    "no such sequence",
                    f"{sorted(prof.sequences)} in {redact(value.text)}",
                    Severity.HIGH,
                )
            )
    if value.flags & HIGH_ENCODINGS:
        alerts.append(
            Alert(
                "V107",
                route,
                value.path,
                "encodings none",
                ",".join(names_of(value.flags & HIGH_ENCODINGS)),
                Severity.HIGH,
            )
        )
    return alerts
