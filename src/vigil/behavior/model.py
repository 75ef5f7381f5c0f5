"""The learned behaviour model as a detector: each field against what its route normally sees.

This is the positive model of the gate: a route's learned criteria (fields, their characters,
shapes, lengths, enums, encodings; statuses and sizes of its responses) and the policy's body
rules. It runs after the rule and signature detectors, so a field that an operator's targeted
constraint claimed (:attr:`~vigil.inspection.phases.Context.claimed`) is judged by that
constraint alone.
"""

from __future__ import annotations

from collections import Counter

from vigil.behavior.alerts import Alert, Severity, redact
from vigil.behavior.check import HIGH_ENCODINGS, check_value, encoding_severity
from vigil.behavior.clean import field_is_clean
from vigil.behavior.columns import column_is_clean
from vigil.behavior.compiled import CompiledRoute
from vigil.behavior.compiled_policy import CompiledPolicy
from vigil.behavior.decision import Mode
from vigil.behavior.policy import FieldCheck
from vigil.behavior.response import judge_response
from vigil.behavior.routes import OTHER_ROUTE
from vigil.behavior.unknown import check_unknown
from vigil.http.body import BodyField
from vigil.http.fields import BODY_PREFIXES
from vigil.http.jsoncolumns import JsonColumns
from vigil.http.model import BodyState
from vigil.http.urlcodec import names_of
from vigil.inspection.observation import Observation
from vigil.inspection.phases import Context, Phase

MAX_UNKNOWN_FIELD_ALERTS = 16
"""Unknown fields reported one by one before a single ``too-many-unknown-fields`` alert."""
MAX_NAMED_HEADERS = 8
"""Other unknown headers named in the first one's alert."""


FINDING_SEVERITY = {"V121": Severity.MEDIUM, "V122": Severity.HIGH}

MODEL = "model"
"""The learned model's detector name, carried by its alerts."""


class LearnedModel:
    """Judges requests and responses against the compiled policy it is given."""

    name = MODEL
    phases = frozenset({Phase.REQUEST_BODY, Phase.RESPONSE_BODY})

    def __init__(self, compiled: CompiledPolicy) -> None:
        self.compiled = compiled

    def inspect(self, phase: Phase, context: Context) -> list[Alert]:
        """The model's alerts for ``context`` in ``phase``."""
        if phase is Phase.RESPONSE_BODY:
            return self._judge_response(context)
        if phase is not Phase.REQUEST_BODY:
            return []
        obs = context.observation
        key = context.route
        route = self.compiled.routes.get(key)
        if route is None:
            policy = self.compiled.policy
            announce = policy.mode is not Mode.LEARN or bool(policy.routes)
            alerts = self._judge_unknown_route(key, obs, context.template is not None, announce)
        else:
            alerts = self._judge(route, obs, context.claimed)
            if context.template == OTHER_ROUTE:
                alerts.insert(0, _beyond_bound(route, key, obs))
        if obs.body_state is not BodyState.COMPLETE:
            alerts.extend(self._judge_body_state(key, obs))
        return alerts

    def _judge_response(self, context: Context) -> list[Alert]:
        route = self.compiled.routes.get(context.route)
        obs = context.response_observation
        if route is None or obs is None or not route.has_response:
            return []
        return judge_response(route, obs)

    def _judge_unknown_route(
        self, key: str, obs: Observation, path_known: bool, announce: bool
    ) -> list[Alert]:
        """Content checks of a route the policy does not know (yet); ``announce`` adds the
        unknown-route alert itself (not while a service with no policy yet learns)."""
        alerts = []
        if announce:
            code, expected = ("V113", "a known method") if path_known else ("V100", "a known route")
            alerts.append(Alert(code, key, "route", expected, redact(key, 64), Severity.MEDIUM))
        for value in obs.fields:
            alerts.extend(a for a in check_unknown(key, value) if a.code != "V110")
        judged = {f.path for f in obs.fields}
        for i, segment in enumerate(obs.segments):
            if f"path.{i}" not in judged:
                segment_field = BodyField(f"path.{i}", segment)
                alerts.extend(a for a in check_unknown(key, segment_field) if a.code != "V110")
        alerts.extend(_judge_path(key, obs))
        alerts.extend(_findings(key, obs))
        return alerts

    def _judge_body_state(self, key: str, obs: Observation) -> list[Alert]:
        body = self.compiled.policy.body
        if obs.body_state is BodyState.UNDECODABLE:
            code, rule = "V126", body.undecodable
            expected = f"a body in no coding, gzip or deflate ({rule})"
            seen = redact(obs.body_error or "undecodable")
        else:
            code, expected = "V120", f"at most {body.limit_bytes} bytes"
            if obs.body_state is BodyState.TRUNCATED:
                rule, seen = body.oversize, f"more than {body.limit_bytes} bytes"
            else:
                rule, seen = body.unknown_length, "a body of unannounced length"
            expected = f"{expected} ({rule})"
        severity = Severity.CRITICAL if rule == "fail-closed" else Severity.LOW
        return [Alert(code, key, "body", expected, seen, severity)]

    def _judge(self, route: CompiledRoute, obs: Observation, claimed: set[str]) -> list[Alert]:
        key = route.key
        alerts = (
            _judge_path(key, obs)
            if obs.path_flags & HIGH_ENCODINGS or "." in obs.typed_path
            else []
        )
        fields = obs.listed
        columns = obs.json
        if columns is not None and columns.listed:
            end = columns.start + columns.count
            fields = fields[: columns.start] + fields[end:]
        paths = [f.path for f in fields]
        present = set(paths)
        repeats = Counter(paths) if len(present) < len(paths) else None
        unknown = _Unknown(key, alerts)
        checks = route.checks
        for value in fields:
            path = value.path
            if claimed and path in claimed:
                continue
            check = checks.get(path)
            if check is None:
                unknown.judge(value)
                continue
            repeat = repeats[path] if repeats is not None else 1
            if (
                (value.text, value.flags) in check.clean
                and value.kind == "value"
                and value.size is None
                and repeat <= check.max_repeat
            ):
                continue
            if not field_is_clean(value, check, repeat):
                alerts.extend(check_value(key, value, check, repeat))
        if obs.layout_paths is not None:
            present |= obs.layout_paths
        elif columns is not None:
            present |= _judge_columns(key, columns, checks, claimed, unknown)
        unknown.summarise()
        missing = route.required - present
        if missing:
            if obs.findings or obs.body_state is not BodyState.COMPLETE:
                missing = frozenset(n for n in missing if not n.startswith(BODY_PREFIXES))
            for name in sorted(missing):
                alerts.append(Alert("V111", key, name, "present", "absent", Severity.LOW))
        if route.content_types and obs.content_type and obs.content_type not in route.content_types:
            alerts.append(
                Alert(
                    "V123",
                    key,
                    "header.content-type",
                    "|".join(sorted(route.content_types)),
                    redact(obs.content_type),
                    Severity.MEDIUM,
                )
            )
        if obs.findings:
            alerts.extend(_findings(key, obs))
        return _dedupe(alerts) if len(alerts) > 1 else alerts


class _Unknown:
    """Fields a route never showed: judged one by one up to a bound, then summarised.

    Unknown headers are one piece of evidence however many there are: a new browser version, a
    corporate proxy or a CDN adds several at once. The first one's V110 names the others; their
    content is judged one by one as any unknown field's.
    """

    __slots__ = ("alerts", "count", "first_header", "headers", "key")

    def __init__(self, key: str, alerts: list[Alert]) -> None:
        self.key, self.alerts, self.count = key, alerts, 0
        self.first_header = -1
        self.headers: list[str] = []

    def judge(self, value: BodyField) -> None:
        """Add the alerts of one unknown field (path segments are judged, never counted)."""
        found = check_unknown(self.key, value)
        if value.path.startswith("path."):
            self.alerts.extend(a for a in found if a.code != "V110")
            return
        if found and found[0].code == "V110":
            self.count += 1
            if self.count > MAX_UNKNOWN_FIELD_ALERTS:
                found = [a for a in found if a.code == "V109"]
            elif value.path.startswith("header."):
                if self.first_header < 0:
                    self.first_header = len(self.alerts)
                else:
                    self.headers.append(value.path[7:])
                    found = found[1:]
        self.alerts.extend(found)

    def summarise(self) -> None:
        """The first unknown header's alert names the others; one high alert when more unknown
        fields came than were reported one by one."""
        if self.headers:
            first = self.alerts[self.first_header]
            names = ", ".join([first.field, *self.headers[:MAX_NAMED_HEADERS]])
            more = len(self.headers) - MAX_NAMED_HEADERS
            seen = redact(names + (f" and {more} more" if more > 0 else ""), 160)
            self.alerts[self.first_header] = Alert(
                first.code, first.route, first.field, "known headers", seen, first.severity
            )
        if self.count > MAX_UNKNOWN_FIELD_ALERTS:
            self.alerts.append(
                Alert(
                    "V114",
                    self.key,
                    "fields",
                    f"at most {MAX_UNKNOWN_FIELD_ALERTS} unknown fields",
                    str(self.count),
                    Severity.HIGH,
                )
            )


def _judge_columns(
    key: str,
    columns: JsonColumns,
    checks: dict[str, FieldCheck],
    claimed: set[str],
    unknown: _Unknown,
) -> set[str]:
    """Judge a JSON body column by column; returns the paths present.

    A column whose values all pass at once (:func:`~vigil.behavior.columns.column_is_clean`) costs
    a few byte and set operations; any other column is judged value by value, exactly as other
    fields.
    """
    listing = columns.columns
    paths = {c.path for c in listing}
    counts: dict[str, int] | None = None
    if len(paths) < len(listing):
        counts = {}
        for column in listing:
            counts[column.path] = counts.get(column.path, 0) + len(column.values)
    alerts = unknown.alerts
    for column in listing:
        path = column.path
        if claimed and path in claimed:
            continue
        check = checks.get(path)
        if check is None:
            for value in column.fields:
                unknown.judge(value)
            continue
        repeat = counts[path] if counts is not None else len(column.values)
        if column_is_clean(column, check, repeat):
            continue
        for value in column.fields:
            alerts.extend(check_value(key, value, check, repeat))
    return paths


def _beyond_bound(route: CompiledRoute, key: str, obs: Observation) -> Alert:
    """The unknown-route alert of a path judged by ``/{other}`` (past the route bound).

    Low when the path's template was seen while learning (the service has more routes than the
    bound), medium when it never was (``/admin/delete_all``).
    """
    typed = obs.typed_path
    seen = route.overflow is not None and typed in route.overflow
    expected = "a route seen while learning" if seen else "a known route"
    severity = Severity.LOW if seen else Severity.MEDIUM
    return Alert("V100", key, "route", expected, redact(f"{obs.method} {typed}", 64), severity)


DOT_SEGMENTS = frozenset({".", ".."})


def _judge_path(key: str, obs: Observation) -> list[Alert]:
    alerts = []
    dots = [s for s in obs.segments if s in DOT_SEGMENTS or "../" in s or "..\\" in s]
    if dots:
        seen = redact("/" + "/".join(obs.segments), 64)
        alerts.append(Alert("V102", key, "path", "no dot segments", seen, Severity.HIGH))
    if not obs.path_flags or not obs.path_flags & HIGH_ENCODINGS:
        return alerts
    flags = obs.path_flags & HIGH_ENCODINGS
    alerts.append(
        Alert(
            "V107",
            key,
            "path",
            "encodings none",
            ",".join(names_of(flags)),
            encoding_severity(flags),
        )
    )
    return alerts


def _findings(key: str, obs: Observation) -> list[Alert]:
    return [
        Alert(
            f.code,
            key,
            f.field,
            f.expected,
            f.seen,
            FINDING_SEVERITY.get(f.code, Severity.MEDIUM),
        )
        for f in obs.findings
    ]


def _dedupe(alerts: list[Alert]) -> list[Alert]:
    seen: set[tuple[str, str]] = set()
    out: list[Alert] = []
    for alert in alerts:
        marker = (alert.code, alert.field)
        if marker in seen and alert.code in {"V112", "V110"}:
            continue
        seen.add(marker)
        out.append(alert)
    return out
