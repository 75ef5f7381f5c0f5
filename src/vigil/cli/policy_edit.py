"""``vigil policy diff|allow|mode``: compare policies and record operator decisions.

``diff`` prints the typed changes from one policy to another (:mod:`vigil.behavior.diff`).
``allow --request-id ID`` finds the alerts of one blocked request (in the gate's log, or at the
learner), turns each into the narrowest decision that lets it through
(:func:`~vigil.behavior.allow.allowance_for`), shows the result as a diff, and applies it after
confirmation (or with ``--yes``). ``mode ROUTE MODE`` records the operator's mode for one route
the same way. Decisions go into the policy's operator layer, which learning never overwrites: a
policy file is rewritten (a gate watching it reloads it), a learner records them and publishes
a new version.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from vigil.behavior.allow import AllowError, allowance_for, apply_decision, merge_route_decisions
from vigil.behavior.decision import Mode
from vigil.behavior.diff import diff_policies
from vigil.behavior.operator import RouteDecision
from vigil.behavior.policy import Policy
from vigil.cli.policy_source import (
    PolicySource,
    SourceError,
    learner_options,
    source_of,
    with_source,
)


def _load_ref(ref: str, learner: PolicySource | None) -> Policy:
    """A policy file, or ``@latest`` / ``@VERSION`` / ``@VERSION:learned`` at the learner."""
    if not ref.startswith("@"):
        return PolicySource(file=Path(ref)).load()
    if learner is None or learner.client is None:
        raise SourceError(f"{ref}: a version reference needs --learner URL and --service NAME")
    name, _, layer = ref[1:].partition(":")
    if layer not in {"", "learned"}:
        raise SourceError(f"{ref}: the layer after ':' can only be 'learned'")
    if name == "latest" and not layer:
        return learner.load()
    if not name.isdigit():
        raise SourceError(f"{ref}: expected @latest, @VERSION or @VERSION:learned")
    try:
        return learner.client.policy(learner.service, int(name), layer or "published")
    except Exception as exc:
        raise SourceError(str(exc)) from None


@click.command(name="diff")
@click.argument("before")
@click.argument("after")
@learner_options
@click.option("--counters", is_flag=True, help="Also show changed sample counts.")
@click.option("--exit-code", is_flag=True, help="Exit with 1 when the policies differ.")
def diff(
    *,
    before: str,
    after: str,
    learner_url: str | None,
    service: str | None,
    token_file: Path | None,
    counters: bool,
    exit_code: bool,
) -> None:
    """Print what changed from policy BEFORE to policy AFTER, one line per change.

    BEFORE and AFTER are policy files or, with --learner and --service, @latest, @VERSION
    (a kept published version) or @VERSION:learned (its learned layer alone). Lines start with
    + (added), - (removed) or ~ (changed); changes of the operator's layer and of the policy's
    settings are named as such.
    """
    learner = source_of(None, learner_url, service, token_file) if learner_url is not None else None
    old, new = _load_ref(before, learner), _load_ref(after, learner)
    changes = diff_policies(old, new, counters=counters)
    click.echo(f"--- {before} (version {old.version})")
    click.echo(f"+++ {after} (version {new.version})")
    if not changes:
        click.echo("no differences")
        return
    for line in changes.lines():
        click.echo(line)
    if exit_code:
        raise SystemExit(1)


def _confirm(yes: bool) -> None:
    if not yes:
        click.confirm("Apply this decision?", default=False, abort=True)


def _show_and_apply(
    source: PolicySource,
    before: Policy,
    after: Policy,
    decisions: list[tuple[str, RouteDecision]],
    yes: bool,
) -> None:
    changes = diff_policies(before, after)
    click.echo(f"--- {source.name} (version {before.version})")
    click.echo("+++ with the decision")
    for line in changes.lines():
        click.echo(line)
    if not changes:
        click.echo("no differences: the policy already allows this")
        return
    _confirm(yes)
    click.echo(source.apply(after, decisions))


def _key(alert: dict[str, Any]) -> tuple[str, str, str, str]:
    return (
        str(alert.get("code", "")),
        str(alert.get("route", "")),
        str(alert.get("field", "")),
        str(alert.get("seen", "")),
    )


@click.command(name="allow")
@click.argument("file", required=False, type=click.Path(path_type=Path, dir_okay=False))
@learner_options
@click.option("--request-id", required=True, help="The request id of the blocked request.")
@click.option(
    "--log",
    "logs",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A gate log file (JSON lines) to find the request's alerts in (repeatable); "
    "without it they are read from the learner.",
)
@click.option("--note", default="", help="Why (kept with the decision); default: the request id.")
@click.option("--yes", is_flag=True, help="Apply without asking.")
@with_source
def allow(
    source: PolicySource, request_id: str, logs: tuple[Path, ...], note: str, yes: bool
) -> None:
    """Allow what blocked one request: its alerts become operator decisions.

    Each alert of the request becomes the narrowest decision that lets it through (the one
    character, value, length, field or route it named, on that field of that route), shown as
    a diff of the policy FILE (or the learner's policy) before it is applied. Alerts that no
    decision should silence (a signature match, a body over the bound, a response leak) are
    listed and left alone.
    """
    if not request_id or len(request_id) > 128:
        raise click.BadParameter("1 to 128 characters", param_hint="--request-id")
    policy = source.load()
    alerts = source.alerts(request_id, logs)
    where = ", ".join(map(str, logs)) if logs else source.name
    if not alerts:
        raise SourceError(f"no alert of request {request_id} in {where}")
    note = note or f"allowed from request {request_id}"
    decisions: dict[str, RouteDecision] = {}
    refused: list[str] = []
    reasons: list[str] = []
    for code, route, field, seen in dict.fromkeys(_key(a) for a in alerts):
        try:
            allowance = allowance_for(code, route, field, seen, note=note)
        except AllowError as exc:
            refused.append(f"  not allowed: {code} {field or route}: {exc}")
            continue
        reasons.append(f"  {allowance.reason}")
        current = decisions.get(allowance.route)
        decisions[allowance.route] = (
            merge_route_decisions(current, allowance.decision)
            if current is not None
            else allowance.decision
        )
    click.echo(f"request {request_id}: {len(alerts)} alert(s) in {where}")
    for line in reasons + refused:
        click.echo(line)
    if not decisions:
        raise SourceError(f"no decision can allow request {request_id}: see the lines above")
    after = policy
    for route, decision in decisions.items():
        after = apply_decision(after, route, decision)
    _show_and_apply(source, policy, after, list(decisions.items()), yes)


@click.command(name="mode")
@click.argument("route")
@click.argument("new_mode", metavar="MODE", type=click.Choice([m.value for m in Mode]))
@click.argument("file", required=False, type=click.Path(path_type=Path, dir_okay=False))
@learner_options
@click.option("--yes", is_flag=True, help="Apply without asking.")
@with_source
def mode(source: PolicySource, route: str, new_mode: str, yes: bool) -> None:
    """Set the mode of one ROUTE to learn, detect or enforce.

    ROUTE is a route key such as 'GET /users/{int}'. The operator's mode wins over the policy's default and over automatic promotion, and
    learning never changes it. The change is shown as a diff of the policy FILE (or the
    learner's policy) before it is applied.
    """
    policy = source.load()
    if route not in policy.routes and route not in policy.operator.routes:
        known = ", ".join(sorted(policy.routes)[:10]) or "none"
        raise SourceError(f"{source.name}: unknown route {route!r}; known: {known}")
    decision = RouteDecision(mode=Mode(new_mode))
    after = apply_decision(policy, route, decision)
    _show_and_apply(source, policy, after, [(route, decision)], yes)
