"""Judging values against learned criteria, with graded severities.

Severity follows what an irregularity means for an attacker: dangerous structure (a quote
followed by SQL, a tag, traversal, a shell command, template or JNDI syntax) is high wherever it
appears, headers included; a new quote, angle bracket or semicolon, a comment or traversal
sequence, a NUL byte or double encoding is high; a new space or an enum value never seen is
medium; a slightly longer value or a new letter case is low. A field learned as a kind (a name,
an e-mail, a postcode...) admits what that kind's grammar allows, and a standard header admits
any value that follows its grammar: novelty there is what real clients do, not evidence.
Each check yields at most one alert per field and kind, listing everything new it saw.
"""

from __future__ import annotations

from vigil.behavior.alerts import Alert, Severity, redact
from vigil.behavior.header_grammar import conforms
from vigil.behavior.policy import FieldCheck
from vigil.behavior.structure import danger_names, may_hold_danger
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


FREE_TEXT_SPECIALS = 4
"""A field that admits spaces and at least this many special characters is free text: a new
harmless special character there is low severity; anywhere else it is medium."""


def novelty_severity(path: str) -> Severity:
    """Severity of a harmless-looking novelty (a value outside the enum or pattern, a longer value).

    Clients choose their headers and cookies freely (a new browser is a new User-Agent), so there
    such novelty is low; in parameters and bodies the application chose the values, so it is medium.
    """
    return Severity.LOW if path.startswith(("header.", "cookie.")) else Severity.MEDIUM


_ONE_LEVEL_LOWER = {Severity.CRITICAL: Severity.HIGH, Severity.HIGH: Severity.MEDIUM}


def client_chosen(path: str, severity: Severity) -> Severity:
    """One level lower in headers and cookies, whose values clients choose freely."""
    if not path.startswith(("header.", "cookie.")):
        return severity
    return _ONE_LEVEL_LOWER.get(severity, Severity.LOW)


def standard_header(path: str, text: str) -> bool:
    """Whether ``path`` is a standard header and ``text`` follows its grammar."""
    return path.startswith("header.") and conforms(path[7:], text)


def danger_alert(route: str, path: str, text: str, found: int, learned: int = 0) -> Alert:
    """The high-severity alert for dangerous structure a field does not normally carry."""
    expected = "no " + "/".join(danger_names(found)) + " structure"
    if learned:
        expected += " (normal: " + ",".join(danger_names(learned)) + ")"
    return Alert(
        "V109",
        route,
        path,
        expected,
        ",".join(danger_names(found)) + f" in {redact(text)}",
        Severity.HIGH,
    )


def admitted_header(
    route: str, value: BodyField, dangers: int, repeat: int, max_repeat: int
) -> list[Alert]:
    """A standard header that follows its grammar: only dangerous structure and repeats."""
    alerts: list[Alert] = []
    text = value.text
    found = profile_text(text).dangers & ~dangers if may_hold_danger(text, set(text)) else 0
    if found:
        alerts.append(danger_alert(route, value.path, value.text, found, dangers))
    if repeat > max_repeat:
        alerts.append(_repeated(route, value.path, max_repeat, repeat))
    return alerts


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


def chars_of(chars: frozenset[str] | set[str]) -> str:
    """Characters written sorted, for alerts (``none`` for no character)."""
    return "".join(sorted(chars)) or "none"


def _free_text(check: FieldCheck) -> bool:
    return bool(check.classes & _SPACE) and len(check.specials) >= FREE_TEXT_SPECIALS


def check_value(route: str, value: BodyField, check: FieldCheck, repeat: int) -> list[Alert]:
    """All alerts for one field value against its compiled criteria."""
    path = value.path
    text = value.text
    if check.kinds is not None and value.kind != "value" and value.kind not in check.kinds:
        severity = Severity.LOW if value.kind == "null" else Severity.MEDIUM
        return [Alert("V125", route, path, "|".join(sorted(check.kinds)), value.kind, severity)]
    if value.size is not None:
        if value.size > check.hi:
            sev = Severity.MEDIUM if value.size > 2 * check.hi + 8 else Severity.LOW
            return [Alert("V124", route, path, f"size <= {check.hi}", str(value.size), sev)]
        return []
    memo = (text, value.flags)
    if repeat <= check.max_repeat and memo in check.clean:
        return []
    if not value.flags and standard_header(path, text):
        alerts = admitted_header(route, value, check.dangers, repeat, check.max_repeat)
    else:
        prof = profile_text(text)
        alerts = []
        found = prof.dangers & ~check.dangers
        if found:
            alerts.append(danger_alert(route, path, text, found, check.dangers))
        novel: list[Alert] = []
        _novelty(route, value, check, prof, novel)
        if novel and prof.grammars & check.admit_structure:
            novel = []
            _admitted_novelty(route, value, check, prof, novel)
        alerts += novel
        _encodings(route, value, check, alerts)
        _length(route, path, check, prof, alerts)
        _entropy(route, path, check, prof, alerts)
        if repeat > check.max_repeat:
            alerts.append(_repeated(route, path, check.max_repeat, repeat))
    if not alerts:
        check.remember_clean(memo)
    return alerts


def _admitted_novelty(
    route: str, value: BodyField, check: FieldCheck, prof: TextProfile, alerts: list[Alert]
) -> None:
    """A value that follows its field's kind: only sequences the kind does not admit are new."""
    path, text = value.path, value.text
    new_sequences = prof.sequences - check.sequences - check.admit_sequences
    if new_sequences:
        alerts.append(_sequence_alert(route, path, text, new_sequences))
    if check.enum is not None and text not in check.enum:
        alerts.append(
            Alert(
                "V106",
                route,
                path,
                f"one of {len(check.enum)} known values",
                redact(text),
                novelty_severity(path),
            )
        )


def _novelty(
    route: str, value: BodyField, check: FieldCheck, prof: TextProfile, alerts: list[Alert]
) -> None:
    """New special characters, sequences and character classes, and an unexpected shape."""
    path, text = value.path, value.text
    new_specials = prof.specials - check.specials
    if new_specials:
        alerts.append(
            Alert(
                "V101",
                route,
                path,
                f"specials {chars_of(check.specials)!r}",
                f"{chars_of(new_specials)!r} in {redact(text)}",
                client_chosen(path, specials_severity(new_specials, _free_text(check))),
            )
        )
    new_sequences = prof.sequences - check.sequences
    if new_sequences:
        alerts.append(_sequence_alert(route, path, text, new_sequences))
    new_classes = prof.classes & ~check.classes & ~_PUNCT
    if new_classes & _CONTROL and _line_breaks_in_text(value, check):
        new_classes &= ~_CONTROL
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
    elif check.patterns is not None:
        if prof.pattern not in check.patterns and text:
            shown = ", ".join(sorted(check.patterns)[:4])
            alerts.append(
                Alert(
                    "V105",
                    route,
                    path,
                    f"pattern {shown}",
                    f"{redact(prof.pattern) if prof.pattern else 'long'} {redact(text)}",
                    Severity.LOW
                    if not new_specials and _still_a_word(new_classes, check.classes)
                    else novelty,
                )
            )
    elif check.shapes is not None and prof.shape not in check.shapes and text:
        sev = novelty if check.typed else Severity.LOW
        alerts.append(
            Alert("V105", route, path, check.description, f"{prof.shape} {redact(text)}", sev)
        )


_WORD = int(CharClass.LOWER | CharClass.UPPER | CharClass.LETTER_OTHER)
_WORD_OR_DIGIT = _WORD | int(CharClass.DIGIT)


def _still_a_word(new_classes: int, learned: int) -> bool:
    """Whether a value of a word field only changed letter case, script or added digits (``Tom``
    or ``tom2`` where ``tom`` was learned): its pattern differs because of the new class, which
    V103 already reports, so the pattern does not count a second time at full weight."""
    return bool(new_classes) and not new_classes & ~_WORD_OR_DIGIT and bool(learned & _WORD)


def _sequence_alert(route: str, path: str, text: str, sequences: frozenset[str]) -> Alert:
    sev = Severity.LOW if sequences <= LOW_SEQUENCES else client_chosen(path, Severity.HIGH)
    return Alert(
        "V102", route, path, "no such sequence", f"{sorted(sequences)} in {redact(text)}", sev
    )


def _encodings(route: str, value: BodyField, check: FieldCheck, alerts: list[Alert]) -> None:
    flags = value.flags & ~check.encodings
    if flags:
        severity = (
            Severity.LOW
            if flags == _LINE_BREAK and _line_breaks_in_text(value, check)
            else client_chosen(value.path, encoding_severity(flags))
        )
        alerts.append(
            Alert(
                "V107",
                route,
                value.path,
                "encodings " + (",".join(names_of(check.encodings)) or "none"),
                ",".join(names_of(flags)),
                severity,
            )
        )


_LINE_BREAK = int(Encoding.CRLF)
_BAD_BYTES = int(Encoding.CRLF | Encoding.CONTROL | Encoding.NUL)


def _line_breaks_in_text(value: BodyField, check: FieldCheck) -> bool:
    """Whether ``value`` is text with line breaks as its only control characters, in a field
    that learned spaces: a second line in a note or a message (a textarea sends CR LF), a low
    novelty there. A line that starts a header after the break is the ``crlf`` detector's."""
    return value.flags & _BAD_BYTES == _LINE_BREAK and bool(check.classes & _SPACE)


def _length(
    route: str, path: str, check: FieldCheck, prof: TextProfile, alerts: list[Alert]
) -> None:
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


def _entropy(
    route: str, path: str, check: FieldCheck, prof: TextProfile, alerts: list[Alert]
) -> None:
    if (
        check.entropy_max is not None
        and prof.length >= 16
        and prof.entropy_bound > check.entropy_max
        and prof.entropy > check.entropy_max
    ):
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


def _repeated(route: str, path: str, max_repeat: int, repeat: int) -> Alert:
    return Alert(
        "V112",
        route,
        path,
        f"at most {max_repeat} occurrence(s)",
        str(repeat),
        Severity.MEDIUM,
    )
