"""``vigil policy``: read, check, compare and change policies as a person reviews them.

A learned policy is only trustworthy if someone can read it: ``show`` prints one table per
route (expected length, character classes, specials, shapes, enum, mode, learning progress, the
operator's decisions), ``check`` validates a file for CI and editors (exit 0 or 2), and
``--format yaml`` prints the normalised YAML. ``diff``, ``allow`` and ``mode``
(:mod:`vigil.cli.policy_edit`) compare policies and record operator decisions, on a file or at a
learner (:mod:`vigil.cli.policy_source`).
"""

from __future__ import annotations

from pathlib import Path

import click

from vigil.behavior.operator import RouteDecision
from vigil.behavior.policy import FieldPolicy, Policy, PolicyError, RoutePolicy, load_policy
from vigil.cli.policy_source import PolicySource, RouteRow, learner_options, with_source

CELL = 40
"""Longest table cell; longer text is cut with an ellipsis."""

ENUM_SHOWN = 6
"""Enum values printed per field before ``+N more``."""

GATHERING_SHOWN = 10
"""Routes still gathering support named at the end of ``show`` (the rest are counted)."""


class PolicyFileError(click.ClickException):
    """An unusable policy file; exits with code 2."""

    exit_code = 2


def _load(path: Path) -> Policy:
    try:
        return load_policy(path)
    except PolicyError as exc:
        raise PolicyFileError(str(exc)) from None


def _cell(text: str) -> str:
    if not text.isprintable():
        text = text.encode("unicode_escape").decode("ascii")
    return text if len(text) <= CELL else text[: CELL - 1] + "…"


def _enum(values: list[str] | None) -> str:
    if values is None:
        return "-"
    shown = ",".join(values[:ENUM_SHOWN])
    return shown + (f" +{len(values) - ENUM_SHOWN} more" if len(values) > ENUM_SHOWN else "")


def field_row(name: str, spec: FieldPolicy) -> list[str]:
    """One table row of a field."""
    lo, hi = spec.length
    return [
        name,
        str(spec.samples),
        f"{spec.presence:.2f}" + (" req" if spec.required else ""),
        f"{lo}..{hi}",
        ",".join(spec.classes) or "-",
        repr(spec.specials) if spec.specials else "-",
        ",".join(spec.shapes or spec.kinds) or "-",
        _enum(spec.enum),
    ]


HEADER = ["field", "samples", "presence", "length", "classes", "specials", "shapes", "enum"]


def table(rows: list[list[str]]) -> list[str]:
    """Rows aligned in columns, the first row being the header."""
    cells = [[_cell(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(cells[0]))]
    return [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells
    ]


def route_lines(
    key: str, spec: RoutePolicy, policy: Policy, progress: RouteRow | None = None
) -> list[str]:
    """The summary of one route: a title line, a field table and the response criteria."""
    decision = policy.operator.routes.get(key)
    if decision is not None and decision.mode is not None:
        mode = f"{decision.mode.value} (operator)"
    elif spec.mode is not None:
        mode = spec.mode.value
    else:
        mode = f"{policy.mode.value} (default)"
    block = spec.block_score or policy.block_score
    title = f"{key}  mode={mode}  samples={spec.samples}  block_score={block}"
    if progress is not None:
        title += f"  {progress_text(progress)}"
    lines = [title]
    if spec.content_types:
        lines.append(f"  content types: {', '.join(spec.content_types)}")
    rows = [HEADER] + [field_row(name, f) for name, f in sorted(spec.fields.items())]
    lines.extend("  " + line for line in table(rows)) if spec.fields else lines.append(
        "  (no fields)"
    )
    response = spec.response
    if response is not None and response.samples:
        latency = (
            f"{response.latency_ms_max:.1f} ms" if response.latency_ms_max is not None else "-"
        )
        lines.append(
            f"  response: statuses {','.join(map(str, response.statuses)) or '-'}"
            f"  size {response.size[0]}..{response.size[1]} bytes  latency <= {latency}"
            f"  fields {len(response.fields)}"
        )
    if decision is not None:
        lines.extend(f"  operator: {line}" for line in decision_lines(decision))
    return lines


def progress_text(row: RouteRow) -> str:
    """``clients 3 windows 2 ready`` or ``young: needs 12 more samples``."""
    state = "ready" if row.state == "ready" else f"{row.state}: {row.reason}"
    return f"clients {row.clients}  windows {row.windows}  {state}"


def decision_lines(decision: RouteDecision) -> list[str]:
    """The operator's decision on a route, one line per part."""
    lines: list[str] = []
    if decision.allow:
        lines.append("route allowed")
    for name in ("block_score", "content_types", "statuses", "max_response_bytes"):
        value = getattr(decision, name)
        if value:
            lines.append(f"{name} {value}")
    for prefix, fields in (("", decision.fields), ("response.", decision.response_fields)):
        for field, choice in sorted(fields.items()):
            for verb, part in (("allow", choice.allow), ("tighten", choice.tighten)):
                if part is not None:
                    shown = part.model_dump(mode="json", exclude_defaults=True)
                    lines.append(f"{verb} {prefix}{field} {shown}")
    return lines


@click.group(name="policy")
def command() -> None:
    """Show, check, compare and change policies: files, or a service at a learner."""


@command.command(name="show")
@click.argument("file", required=False, type=click.Path(path_type=Path, dir_okay=False))
@learner_options
@click.option(
    "--route",
    "routes",
    multiple=True,
    help="Only this route, e.g. 'GET /users/{int}' (repeatable).",
)
@click.option(
    "--format", "fmt", type=click.Choice(["table", "yaml"]), default="table", show_default=True
)
@click.option(
    "--version", type=click.IntRange(min=0), default=None, help="A kept version (learner)."
)
@with_source
def show(source: PolicySource, routes: tuple[str, ...], fmt: str, version: int | None) -> None:
    """Print a readable summary of a policy FILE (or a learner's), per route and field.

    Each route shows its learning progress: distinct clients and windows that showed it, and
    whether it is ready (learned from enough requests) or still young; routes still gathering
    support are counted at the end. A file's progress comes from the statistics saved beside it.
    """
    policy = source.load(version)
    unknown = [r for r in routes if r not in policy.routes]
    if unknown:
        known = ", ".join(sorted(policy.routes)[:10]) or "none"
        raise PolicyFileError(f"{source.name}: unknown route {unknown[0]!r}; known: {known}")
    if routes:
        policy = policy.model_copy(update={"routes": {k: policy.routes[k] for k in routes}})
    if fmt == "yaml":
        click.echo(policy.to_yaml(), nl=False)
        return
    progress = source.progress(policy) if version is None else None
    body = policy.body
    click.echo(
        f"{source.name}: service {policy.service}, version {policy.version}, "
        f"mode {policy.mode.value}, block_score {policy.block_score}, "
        f"{len(policy.routes)} route(s)"
    )
    click.echo(
        f"body: read up to {body.limit_bytes} bytes; oversize {body.oversize}; "
        f"unknown length {body.unknown_length}; undecodable {body.undecodable}"
    )
    rows = progress.routes if progress is not None else {}
    for key, spec in sorted(policy.routes.items()):
        click.echo("")
        for line in route_lines(key, spec, policy, rows.get(key)):
            click.echo(line)
    for key, decision in sorted(policy.operator.routes.items()):
        if key not in policy.routes:
            click.echo("")
            click.echo(f"{key}  (not learned)  mode={policy.mode_of(key).value}")
            for line in decision_lines(decision):
                click.echo(f"  operator: {line}")
    if progress is not None and progress.gathering and not routes:
        names = ", ".join(progress.gathering[:GATHERING_SHOWN])
        more = len(progress.gathering) - GATHERING_SHOWN
        click.echo("")
        click.echo(
            f"learning: {len(progress.gathering)} route(s) still gathering support: "
            f"{names}{f' (+{more} more)' if more > 0 else ''}"
        )


@command.command(name="check")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
def check(file: Path) -> None:
    """Validate FILE; exit 0 when usable, 2 with one line naming the problem otherwise."""
    policy = _load(file)
    click.echo(
        f"{file}: ok (version {policy.version}, {len(policy.routes)} route(s), mode {policy.mode.value})"
    )


from vigil.cli.policy_edit import allow, diff, mode  # noqa: E402 - registered on the group above

command.add_command(diff)
command.add_command(allow)
command.add_command(mode)
