"""Which pod this gate runs in, for the alert log lines.

An exploited service answers differently, and the remediation planner acts per pod: every alert
line says which pod raised it. Kubernetes gives the name through the downward API
(``POD_NAME``); without it the container's ``HOSTNAME`` is the pod name, and outside Kubernetes
the machine's host name stands in. The namespace comes from ``POD_NAMESPACE`` (downward API) or
the service account's namespace file, when there is one; the remediation planner
(:mod:`vigil.disruption.pod_alerts`) reads ``pod`` and ``namespace`` from the alert lines. Read
here, in the gate, never in the pure core.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping
from pathlib import Path

SERVICE_ACCOUNT_NAMESPACE = Path("/var/run/secrets/kubernetes.io/serviceaccount/namespace")


def pod_name(environ: Mapping[str, str] | None = None) -> str:
    """``POD_NAME``, else ``HOSTNAME``, else the host name (bounded to 253 characters)."""
    env = os.environ if environ is None else environ
    name = env.get("POD_NAME") or env.get("HOSTNAME") or socket.gethostname()
    return name.strip()[:253]


def pod_namespace(
    environ: Mapping[str, str] | None = None, file: Path = SERVICE_ACCOUNT_NAMESPACE
) -> str:
    """``POD_NAMESPACE``, else the service account's namespace file, else an empty string."""
    env = os.environ if environ is None else environ
    namespace = env.get("POD_NAMESPACE", "").strip()
    if not namespace:
        try:
            namespace = file.read_text(encoding="utf-8")[:253].strip()
        except OSError:
            namespace = ""
    return namespace[:253]


def pod_context(
    environ: Mapping[str, str] | None = None, file: Path = SERVICE_ACCOUNT_NAMESPACE
) -> dict[str, str]:
    """The fields every gate log line carries: ``pod``, and ``namespace`` when known."""
    context = {"pod": pod_name(environ)}
    namespace = pod_namespace(environ, file)
    if namespace:
        context["namespace"] = namespace
    return context
