"""Which pod this gate runs in, for the alert log lines.

An exploited service answers differently, and the remediation planner acts per pod: every alert
line says which pod raised it. Kubernetes gives the name through the downward API
(``POD_NAME``); without it the container's ``HOSTNAME`` is the pod name, and outside Kubernetes
the machine's host name stands in. Read here, in the gate, never in the pure core.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping


def pod_name(environ: Mapping[str, str] | None = None) -> str:
    """``POD_NAME``, else ``HOSTNAME``, else the host name (bounded to 253 characters)."""
    env = os.environ if environ is None else environ
    name = env.get("POD_NAME") or env.get("HOSTNAME") or socket.gethostname()
    return name.strip()[:253]
