"""``vigil learner``: run the learner service, and make tokens for it.

``serve`` validates everything a user can get wrong before it listens (the configuration file,
the tokens file, the database, ``--insecure-dev`` on a non-loopback address, a port in use) and
reports each as one line naming the file or option, with exit code 2. ``token`` prints a fresh
random token and the line of the tokens file that holds only its digest.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

import click
from click.core import ParameterSource

from vigil.configfile import split_host_port
from vigil.learner.auth import SERVICE_NAME, AuthConfigError, Tokens, token_digest
from vigil.learner.config import (
    LearnerConfig,
    LearnerConfigError,
    load_learner_config,
    override,
)


class UsageProblem(click.ClickException):
    """A problem the user can fix; exits with code 2."""

    exit_code = 2


def _check_listen(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None:
        try:
            split_host_port(value)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--listen") from None
    return value


_TOP = {
    "listen": "listen",
    "database": "database",
    "tokens": "tokens",
    "insecure_dev": "insecure_dev",
    "sync": "sync",
    "log_level": "log_level",
}
_NESTED = {
    "learn_seconds": ("learn", "seconds"),
    "worker": ("learn", "worker"),
    "clients": ("thresholds", "clients"),
    "windows": ("thresholds", "windows"),
    "window_seconds": ("thresholds", "window_seconds"),
}


def given_options(ctx: click.Context, values: dict[str, Any]) -> dict[str, Any]:
    """The options set on the command line, as configuration keys (sections nested)."""
    given: dict[str, Any] = {}
    for name, value in values.items():
        if ctx.get_parameter_source(name) not in {
            ParameterSource.COMMANDLINE,
            ParameterSource.ENVIRONMENT,
        }:
            continue
        if name in _TOP:
            given[_TOP[name]] = value
        elif name in _NESTED:
            section, key = _NESTED[name]
            given.setdefault(section, {})[key] = value
    return given


@click.group(name="learner")
def command() -> None:
    """Run the learner service that merges many gates' observations into one policy per service."""


@command.command(name="serve")
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="YAML file with any of these options and every bound (docs/learner.md).",
)
@click.option(
    "--listen",
    default="127.0.0.1:7070",
    show_default=True,
    callback=_check_listen,
    help="HOST:PORT to listen on.",
)
@click.option(
    "--database",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("vigil-learner.db"),
    show_default=True,
    help="SQLite file (created when missing; WAL mode).",
)
@click.option(
    "--tokens",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="YAML file of bearer tokens: operators, and one or more per service (docs/learner.md).",
)
@click.option(
    "--insecure-dev",
    is_flag=True,
    default=False,
    help="No authentication at all (development only; refused unless listening on loopback).",
)
@click.option(
    "--sync",
    type=click.Choice(["full", "normal"]),
    default="full",
    show_default=True,
    help="SQLite synchronous mode: full survives power loss, normal survives a crash.",
)
@click.option(
    "--learn-seconds",
    type=click.FloatRange(min=0.01),
    default=30.0,
    show_default=True,
    help="Learn a service at least this often when new observations arrived.",
)
@click.option(
    "--worker",
    type=click.Choice(["process", "thread"]),
    default="process",
    show_default=True,
    help="Where learning runs: a worker process (default) or a thread.",
)
@click.option(
    "--clients",
    type=click.IntRange(1, 64),
    default=3,
    show_default=True,
    help="K: distinct clients that must show a pattern before it is learned.",
)
@click.option(
    "--windows",
    type=click.IntRange(1, 64),
    default=2,
    show_default=True,
    help="W: distinct time windows a pattern must be shown in.",
)
@click.option(
    "--window-seconds",
    type=click.FloatRange(min=0.001),
    default=600.0,
    show_default=True,
    help="Length of one time window.",
)
@click.option(
    "--log-level",
    type=click.Choice(["debug", "info", "warning", "error"]),
    default="info",
    show_default=True,
)
def serve(*, config_path: Path | None, **values: Any) -> None:
    """Serve the learner API: gates post observations and fetch policies, operators decide.

    Every request needs a bearer token from --tokens (a gate token serves one service, an
    operator token everything else); without --tokens, --insecure-dev is required and only
    accepted on a loopback address. SIGTERM or Ctrl-C stops it cleanly.
    """
    from vigil.learner.server import ListenError, run  # noqa: PLC0415 - keeps --help fast
    from vigil.learner.store import StoreError  # noqa: PLC0415

    ctx = click.get_current_context()
    try:
        base = load_learner_config(config_path) if config_path is not None else LearnerConfig()
        config = override(base, given_options(ctx, values), "command line")
    except LearnerConfigError as exc:
        raise UsageProblem(str(exc)) from None
    tokens = None
    if config.tokens is not None:
        try:
            tokens = Tokens.load(config.tokens)
        except AuthConfigError as exc:
            raise UsageProblem(str(exc)) from None
    elif not config.insecure_dev:
        raise UsageProblem(
            "--tokens FILE is required (or --insecure-dev, for development on loopback only)"
        )
    if tokens is not None and config.insecure_dev:
        raise UsageProblem("--tokens and --insecure-dev exclude each other")
    if not config.database.parent.is_dir():
        raise UsageProblem(f"{config.database}: directory {config.database.parent} does not exist")
    try:
        run(config, tokens)
    except (ListenError, StoreError, ValueError) as exc:
        raise UsageProblem(str(exc)) from None


@command.command(name="token")
@click.option("--service", default=None, help="The service a gate token serves.")
@click.option("--operator", "operator_name", default=None, help="The name of an operator token.")
def token(service: str | None, operator_name: str | None) -> None:
    """Print a new random token and the tokens-file entry that holds only its SHA-256.

    Give the token to the gate (a Secret mounted as --learner-token-file) or the operator, and
    put the entry in the learner's tokens file.
    """
    import re  # noqa: PLC0415

    if (service is None) == (operator_name is None):
        raise click.UsageError("give exactly one of --service NAME or --operator NAME")
    if service is not None and not re.match(SERVICE_NAME, service):
        raise click.BadParameter("1-63 characters of a-z, 0-9, '.' and '-'", param_hint="--service")
    value = secrets.token_hex(24)
    digest = token_digest(value)
    click.echo(f"token: {value}")
    if service is not None:
        click.echo(f"tokens file:\nservices:\n  {service}:\n    - sha256: {digest}")
    else:
        click.echo(f"tokens file:\noperators:\n  - name: {operator_name}\n    sha256: {digest}")
