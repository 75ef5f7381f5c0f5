"""``vigil policy``: read, check and print policy files as a person reviews them.

A learned policy is only trustworthy if someone can read it: ``show`` prints one table per
route (expected length, character classes, specials, shapes, enum, mode), ``check`` validates
a file for CI and editors (exit 0 or 2), and ``--format yaml`` prints the normalised YAML.
"""

from __future__ import annotations

from pathlib import Path

import click

from vigil.behavior.policy import FieldPolicy, Policy, PolicyError, RoutePolicy, load_policy

CELL = 40
"""Longest table cell; longer text is cut with an ellipsis."""

ENUM_SHOWN = 6
"""Enum values printed per field before ``+N more``."""


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


def route_lines(key: str, spec: RoutePolicy, policy: Policy) -> list[str]:
    """The summary of one route: a title line, a field table and the response criteria."""
    mode = spec.mode.value if spec.mode is not None else f"{policy.mode.value} (default)"
    block = spec.block_score or policy.block_score
    lines = [f"{key}  mode={mode}  samples={spec.samples}  block_score={block}"]
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
    return lines


@click.group(name="policy")
def command() -> None:
    """Show and check policies stored as YAML files."""


@command.command(name="show")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--route",
    "routes",
    multiple=True,
    help="Only this route, e.g. 'GET /users/{int}' (repeatable).",
)
@click.option(
    "--format", "fmt", type=click.Choice(["table", "yaml"]), default="table", show_default=True
)
def show(file: Path, routes: tuple[str, ...], fmt: str) -> None:
    """Print a readable summary of FILE, per route and field."""
    policy = _load(file)
    unknown = [r for r in routes if r not in policy.routes]
    if unknown:
        known = ", ".join(sorted(policy.routes)[:10]) or "none"
        raise PolicyFileError(f"{file}: unknown route {unknown[0]!r}; known: {known}")
    if routes:
        policy = policy.model_copy(update={"routes": {k: policy.routes[k] for k in routes}})
    if fmt == "yaml":
        click.echo(policy.to_yaml(), nl=False)
        return
    body = policy.body
    click.echo(
        f"{file}: service {policy.service}, version {policy.version}, mode {policy.mode.value}, "
        f"block_score {policy.block_score}, {len(policy.routes)} route(s)"
    )
    click.echo(
        f"body: read up to {body.limit_bytes} bytes; oversize {body.oversize}; "
        f"unknown length {body.unknown_length}; undecodable {body.undecodable}"
    )
    for key, spec in sorted(policy.routes.items()):
        click.echo("")
        for line in route_lines(key, spec, policy):
            click.echo(line)


@command.command(name="check")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
def check(file: Path) -> None:
    """Validate FILE; exit 0 when usable, 2 with one line naming the problem otherwise."""
    policy = _load(file)
    click.echo(
        f"{file}: ok (version {policy.version}, {len(policy.routes)} route(s), mode {policy.mode.value})"
    )
