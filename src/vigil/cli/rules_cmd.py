"""``vigil rules``: check a rule file, and try it on a request before it goes live.

``vigil rules lint FILE`` validates the file (every problem, each with its file, line and field;
exit code 2) and reviews what is valid but probably wrong (expired rules, unanchored virtual
patches, signatures that match everything). ``vigil rules test FILE --request 'GET /users?u=x'``
builds the request, profiles it as the gate does and shows, rule by rule, whether it applies,
which fields it read and why it fires or passes; ``--detectors`` adds what the built-in attack
detectors find. Neither command sends anything anywhere.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

import click

from vigil.behavior.profile import profile_request
from vigil.http.model import Request, split_target
from vigil.http.urlcodec import decode_component
from vigil.inspection.phases import REQUEST_PHASES, Context
from vigil.signatures.detectors import AttackDetector
from vigil.signatures.rules.explain import RuleReport, explain, review
from vigil.signatures.rules.ruleset import RuleSet
from vigil.signatures.rules.source import RulesError, load_rules


class RulesUsageError(click.ClickException):
    """A problem the user can fix; exits with code 2 like a usage error."""

    exit_code = 2


def _now(at: str | None) -> dt.datetime:
    if at is None:
        return dt.datetime.now(dt.UTC)
    try:
        moment = dt.datetime.fromisoformat(at)
    except ValueError:
        raise click.BadParameter(
            f"expected an ISO date or time, got {at!r}", param_hint="--at"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _load(path: Path, now: dt.datetime) -> RuleSet:
    try:
        return RuleSet.compile(load_rules(path).rules, now)
    except RulesError as exc:
        raise RulesUsageError(str(exc)) from None


def parse_request(line: str, headers: tuple[str, ...], data: str | None) -> Request:
    """``METHOD TARGET`` plus ``Name: value`` headers and a body into a :class:`Request`."""
    parts = line.strip().split()
    if len(parts) != 2 or not parts[0].isalpha() or not parts[1].startswith(("/", "http")):
        raise click.BadParameter(
            f"expected 'METHOD /path?query', got {line!r}", param_hint="--request"
        )
    method, target = parts[0].upper(), parts[1]
    path, query = split_target(target)
    pairs: list[tuple[str, str]] = []
    for header in headers:
        name, sep, value = header.partition(":")
        if not sep or not name.strip() or " " in name.strip():
            raise click.BadParameter(
                f"expected 'Name: value', got {header!r}", param_hint="--header"
            )
        pairs.append((name.strip().lower(), value.strip()))
    body = data.encode("utf-8") if data is not None else b""
    if body and not any(name == "content-type" for name, _ in pairs):
        pairs.append(("content-type", "application/x-www-form-urlencoded"))
    return Request(method=method, path=path, query=query, headers=pairs, body=body)


@click.group(name="rules")
def command() -> None:
    """Check rule files (virtual patches and signatures) and try them on requests.

    The format is described in docs/signatures.md.
    """


@command.command(name="lint")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--at", default=None, help="Judge expiry at this ISO date or time (default: now).")
@click.option("--strict", is_flag=True, help="Exit with code 1 when there are warnings.")
@click.option("--output", type=click.Choice(["text", "json"]), default="text", show_default=True)
def lint(file: Path, at: str | None, strict: bool, output: str) -> None:
    """Validate FILE and warn about rules that are valid but probably wrong.

    Every problem is printed as FILE:LINE: FIELD: PROBLEM; any problem exits with code 2.

    Example: vigil rules lint rules.yaml
    """
    now = _now(at)
    try:
        rules = load_rules(file).rules
    except RulesError as exc:
        if output == "json":
            click.echo(
                json.dumps({"file": str(file), "problems": exc.problems, "warnings": []}, indent=2)
            )
        else:
            for problem in exc.problems:
                click.echo(problem, err=True)
        raise SystemExit(2) from None
    warnings = review(list(rules), now)
    patches = sum(r.is_patch for r in rules)
    if output == "json":
        click.echo(
            json.dumps(
                {
                    "file": str(file),
                    "rules": len(rules),
                    "virtual_patches": patches,
                    "signatures": len(rules) - patches,
                    "problems": [],
                    "warnings": [{"rule": w.rule, "message": w.message} for w in warnings],
                },
                indent=2,
            )
        )
    else:
        for warning in warnings:
            click.echo(f"{file}: rule {warning.rule}: warning: {warning.message}")
        click.echo(
            f"{file}: {len(rules)} rules ({patches} virtual patches, {len(rules) - patches} signatures), "
            f"{len(warnings)} warnings"
        )
    if strict and warnings:
        raise SystemExit(1)


def _report_json(report: RuleReport) -> dict[str, Any]:
    rule = report.rule
    return {
        "id": rule.id,
        "kind": "virtual-patch" if rule.is_patch else "signature",
        "applies": report.applies,
        "fired": report.fired,
        "action": rule.action.value,
        "severity": rule.severity.value,
        "reference": rule.reference,
        "absent": report.absent,
        "fields": [
            {"field": o.field, "value": o.value, "fired": o.fired, "reasons": o.reasons}
            for o in report.outcomes
        ],
    }


def _report_text(report: RuleReport) -> list[str]:
    rule = report.rule
    kind = "virtual patch" if rule.is_patch else "signature"
    if not report.applies:
        where = rule.route or ""
        if rule.methods:
            where = f"{where} methods {','.join(rule.methods)}".strip()
        return [f"  {rule.id}  ({kind})  not applied: request is outside {where}"]
    if report.absent:
        return [f"  {rule.id}  ({kind})  FIRES -> {rule.action.value}: required field is absent"]
    if not report.outcomes:
        return [f"  {rule.id}  ({kind})  reads no field of this request ({', '.join(rule.fields)})"]
    verdict = f"FIRES -> {rule.action.value} ({rule.severity.value})" if report.fired else "passes"
    if not rule.is_patch and not report.fired:
        read = ", ".join(o.field for o in report.outcomes[:8])
        more = f" and {len(report.outcomes) - 8} more" if len(report.outcomes) > 8 else ""
        return [f"  {rule.id}  ({kind})  passes: nothing matched in {read}{more}"]
    lines = [f"  {rule.id}  ({kind})  {verdict}"]
    shown_outcomes = report.outcomes if rule.is_patch else [o for o in report.outcomes if o.fired]
    for outcome in shown_outcomes:
        mark = "!" if outcome.fired else " "
        shown = outcome.value if len(outcome.value) <= 60 else outcome.value[:57] + "..."
        lines.append(f"    {mark} {outcome.field} = {shown!r}: {'; '.join(outcome.reasons)}")
    return lines


@command.command(name="test")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--request", "request_line", required=True, help="The request: 'METHOD /path?query'.")
@click.option(
    "--header", "-H", "headers", multiple=True, help="A header 'Name: value' (repeatable)."
)
@click.option(
    "--data", default=None, help="The request body (form-encoded unless -H 'Content-Type: ...')."
)
@click.option(
    "--route",
    default=None,
    help="The route key the gate resolved, e.g. 'GET /users/{int}' (default: METHOD and path).",
)
@click.option(
    "--detectors", is_flag=True, help="Also show what the built-in attack detectors find."
)
@click.option("--at", default=None, help="Judge expiry at this ISO date or time (default: now).")
@click.option("--output", type=click.Choice(["text", "json"]), default="text", show_default=True)
def test(
    *,
    file: Path,
    request_line: str,
    headers: tuple[str, ...],
    data: str | None,
    route: str | None,
    detectors: bool,
    at: str | None,
    output: str,
) -> None:
    """Show which rules of FILE fire on one request, and why.

    Example: vigil rules test rules.yaml --request "GET /users?username=tom'--"
    """
    now = _now(at)
    ruleset = _load(file, now)
    request = parse_request(request_line, headers, data)
    observation = profile_request(request)
    path = decode_component(request.path, plus_as_space=False)[0]
    key = route if route is not None else f"{request.method} {path}"
    context = Context(key, request, observation)
    reports = explain(ruleset, context)
    found = []
    if detectors:
        detector = AttackDetector()
        for phase in REQUEST_PHASES:
            found.extend(detector.inspect(phase, context))
    fired = [r for r in reports if r.fired]
    blocking = [r.rule.id for r in fired if r.rule.action.value == "block"]
    if output == "json":
        json.dump(
            {
                "request": request_line,
                "route": key,
                "expired": list(ruleset.expired),
                "rules": [_report_json(r) for r in reports],
                "detectors": [alert.as_dict() for alert in found],
                "blocked_by": blocking,
            },
            sys.stdout,
            indent=2,
        )
        sys.stdout.write("\n")
        return
    click.echo(
        f"request {request.method} {request.path}{'?' + request.query if request.query else ''}  (route {key})"
    )
    if ruleset.expired:
        click.echo(f"expired, not applied: {', '.join(ruleset.expired)}")
    click.echo(f"rules ({len(fired)} of {len(reports)} fire):")
    for report in reports:
        for line in _report_text(report):
            click.echo(line)
    if detectors:
        click.echo(f"built-in detectors: {len(found)} finding{'' if len(found) == 1 else 's'}")
        for alert in found:
            click.echo(f"  ! {alert.detector}: {alert.reason}")
    if blocking:
        click.echo(f"result: blocked by {', '.join(blocking)} (action block)")
    elif fired:
        click.echo("result: alerts raised; the route's block score decides (enforce mode)")
    else:
        click.echo("result: no rule fires")
