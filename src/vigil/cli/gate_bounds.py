"""The availability bounds of ``vigil gate`` as command-line options.

Kept apart from :mod:`vigil.cli.gate_cmd` so the command stays readable: :func:`bound_options`
adds every option to the command, and the command passes what it received, over the
``bounds`` section of its configuration file, to :class:`~vigil.gate.proxy_config.ProxyConfig`
(the option names are its field names and the section's keys).
Defaults are ProxyConfig's; docs/gate.md explains each bound and what happens beyond it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from vigil.gate.proxy_config import ProxyConfig

F = TypeVar("F", bound=Callable[..., Any])

_DEFAULTS = ProxyConfig(upstream="http://127.0.0.1")

_SECONDS = click.FloatRange(min=0.001)
_COUNT = click.IntRange(min=1)
_CAP = click.IntRange(min=0)

_OPTIONS: list[tuple[str, click.ParamType[Any], str]] = [
    (
        "max_connections",
        _COUNT,
        "Open client connections; beyond it the oldest idle one is closed, or the new one.",
    ),
    (
        "max_client_connections",
        _CAP,
        "Open connections of one client (peer address, IPv6 by /64); beyond it that client's "
        "oldest idle one is closed, or the new one. 0: no cap.",
    ),
    ("max_in_flight", _COUNT, "Requests handled at once; beyond it 503."),
    (
        "max_client_in_flight",
        _CAP,
        "Requests handled at once for one client; beyond it 429. 0: no cap.",
    ),
    (
        "max_receiving",
        _CAP,
        "Requests handled at once whose body is still arriving; beyond it 503 for requests "
        "with a body. Default: half of --max-in-flight; 0: no cap.",
    ),
    (
        "refusal_hold",
        click.FloatRange(min=0),
        "Seconds a connection is not read after a 429 or 503 answer (its Retry-After). 0: off.",
    ),
    (
        "first_byte_timeout",
        _SECONDS,
        "Seconds from accepting a connection to the first byte of its first request.",
    ),
    (
        "send_timeout",
        _SECONDS,
        "Seconds a client may take no byte of its answer while the gate's send buffer is full.",
    ),
    (
        "min_body_rate",
        click.FloatRange(min=0),
        "Bytes/s a request body must keep up once its grace is used up, else 408. 0: off.",
    ),
    (
        "body_rate_grace",
        click.FloatRange(min=0),
        "Seconds a request body may lag behind --min-body-rate.",
    ),
    ("upstream_connections", _COUNT, "Pooled keep-alive connections to the upstream."),
    (
        "route_concurrency",
        _CAP,
        "Upstream exchanges of one route at once; beyond it and its queue, 503. "
        "Default: a quarter of --upstream-connections; 0: no cap.",
    ),
    (
        "route_queue",
        _CAP,
        "Requests of one route waiting (each at most the connect timeout) for a share. "
        "Default: --route-concurrency.",
    ),
]

BOUND_NAMES = tuple(name for name, _, _ in _OPTIONS)
"""The options' names: fields of ProxyConfig and keys of the config file's ``bounds`` section."""


def bound_options(command: F) -> F:
    """Add the availability options (``--max-connections`` ... ``--route-queue``) to ``command``."""
    for name, kind, text in reversed(_OPTIONS):
        default = getattr(_DEFAULTS, name)
        command = click.option(
            "--" + name.replace("_", "-"),
            name,
            type=kind,
            default=default,
            show_default=default is not None,
            help=text,
        )(command)
    return command
