"""``vigil gate``: run the reverse-proxy gate in front of one upstream.

The command only validates its options and hands a :class:`GateSettings` to
:func:`vigil.gate.serve.run`. Options come from ``--config FILE`` (YAML, see docs/gate.md) and
from the command line, which overrides the file. Every problem a user can fix (a bad URL, a bad
listen address, an unreadable or invalid policy or configuration, a port already in use) is one
line naming the option or file, with exit code 2, before anything is served.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from click.core import ParameterSource

from vigil.behavior.decision import Mode
from vigil.behavior.identity import IdentityError, IdentitySource, Source
from vigil.behavior.learn import LearnSettings
from vigil.behavior.policy import PolicyError, load_policy
from vigil.cli.gate_bounds import BOUND_NAMES, bound_options
from vigil.configfile import split_host_port
from vigil.gate.config import (
    LOG_LEVELS,
    GateConfig,
    GateConfigError,
    load_gate_config,
    override,
)
from vigil.gate.core import LearnEvery
from vigil.gate.proxy_config import ProxyConfig, UpstreamError, parse_upstream
from vigil.gate.reload import RELOAD_SECONDS, SignatureSettings, compile_rules, utc_now
from vigil.gate.serve import GateSettings, run
from vigil.signatures.rules.source import RulesError


class ConfigError(click.ClickException):
    """A configuration problem the user can fix; exits with code 2 like a usage error."""

    exit_code = 2


def parse_listen(value: str, option: str) -> tuple[str, int]:
    """``HOST:PORT`` (``[::1]:PORT`` for IPv6) into a host and a port."""
    try:
        return split_host_port(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint=option) from None


def _check_listen(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None:
        parse_listen(value, f"--{(param.name or '').replace('_', '-')}")
    return value


def _check_upstream(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None:
        try:
            parse_upstream(value)
        except UpstreamError as exc:
            raise click.BadParameter(str(exc), param_hint="--upstream") from None
    return value


_OPTION_NAMES = {
    "upstream": "upstream",
    "listen": "listen",
    "metrics_listen": "metrics_listen",
    "policy_path": "policy",
    "mode": "mode",
    "learn_every": "learn_every",
    "learn_seconds": "learn_seconds",
    "workers": "workers",
    "log_level": "log_level",
    "watch_policy": "watch_policy",
    "rules_path": "rules",
    "signatures": "signatures",
    "reload_seconds": "reload_seconds",
}
_OPTION_NAMES.update(min_clients="min_clients", min_windows="min_windows")
_OPTION_NAMES["window_seconds"] = "window_seconds"
_SECTIONS = {
    "learner_url": ("learner", "url"),
    "service": ("learner", "service"),
    "learner_token_file": ("learner", "token_file"),
    "identity": ("client", "source"),
    "trusted_proxies": ("client", "trusted_proxies"),
    "identity_header": ("client", "header"),
}
_SECTIONS.update({name: ("bounds", name) for name in BOUND_NAMES})


def given_options(ctx: click.Context, values: dict[str, Any]) -> dict[str, Any]:
    """The options set on the command line (or their environment variable), as config keys."""
    given: dict[str, Any] = {}
    for name, value in values.items():
        source = ctx.get_parameter_source(name)
        if source not in {ParameterSource.COMMANDLINE, ParameterSource.ENVIRONMENT}:
            continue
        if name in _OPTION_NAMES:
            given[_OPTION_NAMES[name]] = value
        elif name in _SECTIONS:
            section, key = _SECTIONS[name]
            given.setdefault(section, {})[key] = list(value) if isinstance(value, tuple) else value
    return given


def settings_of(config: GateConfig, source: str) -> GateSettings:
    """The worker settings of a validated configuration; ConfigError names what is wrong."""
    if config.upstream is None:
        raise ConfigError(f"{source}: the upstream is required (--upstream URL or 'upstream:')")
    host, port = split_host_port(config.listen)
    metrics_host, metrics_port = (
        split_host_port(config.metrics_listen) if config.metrics_listen else (None, 0)
    )
    if config.workers > 1 and port == 0:
        raise click.BadParameter("several workers need a fixed port, not 0", param_hint="--listen")
    policy_path = config.policy
    if policy_path is not None and policy_path.exists():
        try:
            load_policy(policy_path)
        except PolicyError as exc:
            raise ConfigError(str(exc)) from None
    if policy_path is not None and not policy_path.parent.is_dir():
        raise ConfigError(f"{policy_path}: directory {policy_path.parent} does not exist")
    if config.rules is not None:
        try:
            compile_rules(config.rules, utc_now())
        except RulesError as exc:
            raise ConfigError(str(exc)) from None
    learner = config.learner
    if learner is not None and learner.token_file is not None:
        try:
            token = learner.token_file.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
            raise ConfigError(
                f"{learner.token_file}: cannot read the learner token: {reason}"
            ) from None
        if not token:
            raise ConfigError(f"{learner.token_file}: the learner token file is empty")
    key_file = config.client.key_file
    if key_file is not None:
        try:
            key = key_file.read_bytes().strip()
        except OSError as exc:
            raise ConfigError(f"{key_file}: cannot read the client key: {exc.strerror}") from None
        if len(key) < 16:
            raise ConfigError(f"{key_file}: the client key needs at least 16 bytes")
    return GateSettings(
        proxy=ProxyConfig(
            upstream=config.upstream,
            host=host,
            port=port,
            metrics_host=metrics_host,
            metrics_port=metrics_port,
            **config.bounds.model_dump(),
        ),
        policy_path=str(policy_path) if policy_path is not None else None,
        mode=config.mode,
        learn_every=LearnEvery(
            requests=config.learn_every or None, seconds=config.learn_seconds or None
        ),
        log_level=config.log_level,
        watch_policy=config.watch_policy,
        learner=learner,
        signatures=SignatureSettings(
            builtin=config.signatures,
            rules_path=str(config.rules) if config.rules is not None else None,
        ),
        reload_seconds=config.reload_seconds,
        learn=config.learn_settings(),
        identity=config.client.identity(),
        client_key_file=str(key_file) if key_file is not None else None,
        promotion=config.promotion.settings(),
    )


@click.command(name="gate")
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="YAML file with any of these options (docs/gate.md); options given here override it.",
)
@click.option(
    "--upstream",
    callback=_check_upstream,
    help="Base URL of the protected service, e.g. http://127.0.0.1:8080 (required).",
)
@click.option(
    "--listen",
    default="127.0.0.1:8000",
    show_default=True,
    callback=_check_listen,
    help="HOST:PORT the gate listens on.",
)
@click.option(
    "--metrics-listen",
    default=None,
    callback=_check_listen,
    help="HOST:PORT of the Prometheus metrics listener (off when unset).",
)
@click.option(
    "--policy",
    "policy_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Policy YAML: loaded when it exists, reloaded when it changes; local learning saves "
    "there, never over an operator's edit.",
)
@click.option(
    "--mode",
    type=click.Choice([m.value for m in Mode]),
    default=None,
    help="Default mode of routes (overrides the policy's; routes with their own mode keep it).",
)
@click.option(
    "--learn-every",
    type=click.IntRange(min=0),
    default=1000,
    show_default=True,
    help="Learn locally after N learned requests (0: never by count).",
)
@click.option(
    "--learn-seconds",
    type=click.FloatRange(min=0),
    default=60.0,
    show_default=True,
    help="Learn locally at least this often when something was observed (0: never by time).",
)
@click.option(
    "--workers",
    type=click.IntRange(1, 256),
    default=1,
    show_default=True,
    help="Worker processes sharing the port (SO_REUSEPORT).",
)
@click.option("--log-level", type=click.Choice(LOG_LEVELS), default="info", show_default=True)
@click.option(
    "--rules",
    "rules_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Rule file (virtual patches and signatures, docs/signatures.md); reloaded when it changes.",
)
@click.option(
    "--signatures/--no-signatures",
    default=True,
    show_default=True,
    help="Run the built-in attack detectors on requests and leak detectors on responses.",
)
@click.option(
    "--reload-seconds",
    type=click.FloatRange(min=0.1),
    default=RELOAD_SECONDS,
    show_default=True,
    help="How often the policy and rule files are checked for changes.",
)
@click.option(
    "--identity",
    type=click.Choice([s.value for s in Source]),
    default="peer",
    show_default=True,
    help="Where a client's identity is read: the peer address, X-Forwarded-For behind "
    "--trusted-proxy, or --identity-header set by the authentication layer.",
)
@click.option(
    "--trusted-proxy",
    "trusted_proxies",
    multiple=True,
    help="CIDR of a proxy whose X-Forwarded-For entries are believed (repeatable).",
)
@click.option("--identity-header", default="", help="Header naming the authenticated client.")
@click.option(
    "--min-clients",
    type=click.IntRange(min=1),
    default=LearnSettings().min_clients,
    show_default=True,
    help="Distinct clients that must show a route, field or character before it is learned.",
)
@click.option(
    "--min-windows",
    type=click.IntRange(min=1),
    default=LearnSettings().min_windows,
    show_default=True,
    help="Distinct time windows (of --window-seconds) in which they must show it.",
)
@click.option(
    "--window-seconds",
    type=click.FloatRange(min=0.001),
    default=LearnSettings().window_seconds,
    show_default=True,
    help="Length of a learning time window.",
)
@click.option(
    "--watch-policy/--no-watch-policy",
    default=True,
    show_default=True,
    help="Reload the policy file when it changes and on SIGHUP (the last good one stays on "
    "an invalid file).",
)
@click.option(
    "--learner",
    "learner_url",
    default=None,
    help="URL of `vigil learner serve`: send observations there and use the policy it learns "
    "instead of learning locally.",
)
@click.option("--service", default=None, help="This service's name at the learner.")
@click.option(
    "--learner-token-file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="File holding the service's bearer token for the learner.",
)
@bound_options
def command(
    *,
    config_path: Path | None,
    **values: Any,
) -> None:
    """Run the gate as a reverse proxy in front of UPSTREAM.

    Requests are inspected, forwarded and their responses inspected; in enforce mode irregular
    ones get 403 problem+json. Alerts are JSON lines on stdout. With --learner the gate sends
    what it observes to the learner and follows the policy the learner publishes; otherwise it
    learns locally into --policy. The policy and --rules files are reloaded when they change;
    SIGHUP reloads them at once. SIGTERM or Ctrl-C stops the gate gracefully.

    The --max-*, --first-byte-timeout, --*-body-rate* and --route-* options bound what one
    client or one slow route can hold (docs/gate.md, "Availability"). A client is a peer
    address: behind an ingress or a load balancer that is the balancer, so raise or turn off
    (0) the per-client caps there.
    """
    ctx = click.get_current_context()
    try:
        base = load_gate_config(config_path) if config_path is not None else GateConfig()
        given = given_options(ctx, values)
        client = given.get("client")
        if client:
            merged = {**base.client.model_dump(), **client}
            try:
                IdentitySource.parse(merged["source"], merged["trusted_proxies"], merged["header"])
            except IdentityError as exc:
                hint = "--trusted-proxy" if "trusted proxy '" in str(exc) else "--identity"
                raise click.BadParameter(str(exc), param_hint=hint) from None
        link = given.get("learner", {})
        if link and base.learner is None:
            if "url" not in link:
                raise click.BadParameter("needs --learner URL", param_hint="--service")
            if "service" not in link:
                raise click.BadParameter("needs --service NAME", param_hint="--learner")
        config = override(base, given, "command line")
    except GateConfigError as exc:
        raise ConfigError(str(exc)) from None
    source = str(config_path) if config_path is not None else "vigil gate"
    raise SystemExit(run(settings_of(config, source), config.workers))
