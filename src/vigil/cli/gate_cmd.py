"""``vigil gate``: run the reverse-proxy gate in front of one upstream.

The command only validates its options and hands a :class:`GateSettings` to
:func:`vigil.gate.serve.run`. Every problem a user can fix (a bad URL, a bad listen address,
an unreadable or invalid policy) is one line naming the option or file, with exit code 2,
before anything starts listening.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from vigil.behavior.decision import Mode
from vigil.behavior.identity import IdentityError, IdentitySource, Source
from vigil.behavior.learn import LearnSettings
from vigil.behavior.policy import PolicyError, load_policy
from vigil.cli.gate_bounds import bound_options
from vigil.gate.core import LearnEvery
from vigil.gate.logging import LEVELS
from vigil.gate.proxy_config import ProxyConfig, UpstreamError, parse_upstream
from vigil.gate.serve import GateSettings, run


class ConfigError(click.ClickException):
    """A configuration problem the user can fix; exits with code 2 like a usage error."""

    exit_code = 2


def parse_listen(value: str, option: str) -> tuple[str, int]:
    """``HOST:PORT`` (``[::1]:PORT`` for IPv6) into a host and a port."""
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise click.BadParameter(
            f"expected HOST:PORT with a port 0-65535, got {value!r}", param_hint=option
        )
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if not host or any(c.isspace() for c in host):
        raise click.BadParameter(f"invalid host in {value!r}", param_hint=option)
    return host, int(port)


@click.command(name="gate")
@click.option(
    "--upstream",
    required=True,
    help="Base URL of the protected service, e.g. http://127.0.0.1:8080.",
)
@click.option(
    "--listen", default="127.0.0.1:8000", show_default=True, help="HOST:PORT the gate listens on."
)
@click.option(
    "--metrics-listen",
    default=None,
    help="HOST:PORT of the Prometheus metrics listener (off when unset).",
)
@click.option(
    "--policy",
    "policy_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Policy YAML: loaded when it exists; the learned policy is saved there.",
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
    help="Learn after N learned requests (0: never by count).",
)
@click.option(
    "--learn-seconds",
    type=click.FloatRange(min=0),
    default=60.0,
    show_default=True,
    help="Learn at least this often when something was observed (0: never by time).",
)
@click.option(
    "--workers",
    type=click.IntRange(1, 256),
    default=1,
    show_default=True,
    help="Worker processes sharing the port (SO_REUSEPORT).",
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
@click.option("--log-level", type=click.Choice(LEVELS), default="info", show_default=True)
@bound_options
def command(
    *,
    upstream: str,
    listen: str,
    metrics_listen: str | None,
    policy_path: Path | None,
    mode: str | None,
    learn_every: int,
    learn_seconds: float,
    workers: int,
    identity: str,
    trusted_proxies: tuple[str, ...],
    identity_header: str,
    min_clients: int,
    min_windows: int,
    window_seconds: float,
    log_level: str,
    **bounds: Any,
) -> None:
    """Run the gate as a reverse proxy in front of UPSTREAM.

    Requests are inspected, forwarded and their responses inspected; in enforce mode irregular
    ones get 403 problem+json. Alerts are JSON lines on stdout. SIGTERM or Ctrl-C stops the gate
    gracefully and saves the learned policy.

    The --max-*, --first-byte-timeout, --*-body-rate* and --route-* options bound what one
    client or one slow route can hold (docs/gate.md, "Availability"). A client is a peer
    address: behind an ingress or a load balancer that is the balancer, so raise or turn off
    (0) the per-client caps there.
    """
    try:
        parse_upstream(upstream)
    except UpstreamError as exc:
        raise click.BadParameter(str(exc), param_hint="--upstream") from None
    host, port = parse_listen(listen, "--listen")
    metrics_host, metrics_port = (
        parse_listen(metrics_listen, "--metrics-listen") if metrics_listen else (None, 0)
    )
    if workers > 1 and port == 0:
        raise click.BadParameter("several workers need a fixed port, not 0", param_hint="--listen")
    if policy_path is not None and policy_path.exists():
        try:
            load_policy(policy_path)
        except PolicyError as exc:
            raise ConfigError(str(exc)) from None
    if policy_path is not None and not policy_path.parent.is_dir():
        raise ConfigError(f"{policy_path}: directory {policy_path.parent} does not exist")
    try:
        source = IdentitySource.parse(identity, trusted_proxies, identity_header)
    except IdentityError as exc:
        hint = "--trusted-proxy" if "trusted proxy '" in str(exc) else "--identity"
        raise click.BadParameter(str(exc), param_hint=hint) from None
    settings = GateSettings(
        proxy=ProxyConfig(
            upstream=upstream,
            host=host,
            port=port,
            metrics_host=metrics_host,
            metrics_port=metrics_port,
            **bounds,
        ),
        policy_path=str(policy_path) if policy_path is not None else None,
        mode=Mode(mode) if mode is not None else None,
        learn_every=LearnEvery(requests=learn_every or None, seconds=learn_seconds or None),
        log_level=log_level,
        learn=LearnSettings(
            min_clients=min_clients, min_windows=min_windows, window_seconds=window_seconds
        ),
        identity=source,
    )
    raise SystemExit(run(settings, workers))
