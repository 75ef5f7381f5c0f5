"""``vigil admission``: review one AdmissionReview offline, or serve the webhook over TLS.

``review`` prints the AdmissionReview response the API server plus vigil's webhook would
produce (in-tree Priority, PriorityClass validation and NodeRestriction with their messages,
then vigil's rules and sidecar injection); ``--explain`` adds, on standard error, what each
stage did. ``serve`` runs the validating (``/validate``) and mutating (``/mutate``) webhook.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import ssl
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from vigil.admission import AdmissionContext, ReviewError, parse_review, response, review
from vigil.audit.inventory import Inventory
from vigil.cli.inputs import InputError, read_bytes
from vigil.cli.posture_input import load_inventory, load_policy, policy_option
from vigil.cluster.documents import parse_documents_of
from vigil.cluster.errors import ManifestError
from vigil.posture import PosturePolicy
from vigil.webhook.server import WebhookSettings, serve_forever, tls_context

MAX_REVIEW_BYTES = 16 << 20
"""An AdmissionReview file (or standard input) larger than 16 MiB is refused."""


def _context(cluster: tuple[str, ...], policy: Path | None, *, upstream: bool) -> AdmissionContext:
    posture: PosturePolicy = load_policy(policy)
    inventory = load_inventory(cluster) if cluster else Inventory()
    return AdmissionContext(posture, inventory, datetime.now(UTC).date(), upstream=upstream)


def _load_review(path: str) -> Any:
    """The one document of a review file, read like a manifest (bounded, aliases limited)."""
    data = read_bytes(path, MAX_REVIEW_BYTES)
    try:
        docs = [d.data for d in parse_documents_of(data, path)]
    except ManifestError as exc:
        where = ": ".join(p for p in (exc.obj, exc.message) if p)
        raise InputError(f"{path}: not JSON or YAML: {where}") from None
    if len(docs) > 1:
        raise InputError(f"{path}: expected one AdmissionReview document, found {len(docs)}")
    return docs[0] if docs else None


@click.group(name="admission")
def command() -> None:
    """Admission: the API server's and vigil's verdict on an AdmissionReview."""


@command.command(name="review")
@click.argument("request_file", metavar="REQUEST.yaml")
@click.option(
    "--cluster",
    multiple=True,
    metavar="FILE",
    help="Cluster state (PriorityClasses, nodes, pods, namespaces); repeatable, files or directories.",
)
@policy_option
@click.option(
    "--mode",
    type=click.Choice(["both", "validate", "mutate"]),
    default="both",
    show_default=True,
    help="The whole chain, or what the validating / mutating webhook answers.",
)
@click.option(
    "--no-upstream", is_flag=True, help="Skip the emulation of the API server's own plugins."
)
@click.option("--explain", is_flag=True, help="Print what each stage did on standard error.")
def review_command(
    request_file: str,
    cluster: tuple[str, ...],
    policy: Path | None,
    mode: str,
    *,
    no_upstream: bool,
    explain: bool,
) -> None:
    """Print the AdmissionReview response for REQUEST.yaml (an AdmissionReview v1 with a request;
    YAML or JSON; - reads standard input).

    The response carries allowed, status.code and status.message exactly as the API server would
    word them (e.g. pods "web" is forbidden: no PriorityClass with name gold was found), warnings
    for vigil's rules that only warn, and the sidecar JSONPatch (base64) when injection applies.
    """
    ctx = _context(cluster, policy, upstream=not no_upstream)
    try:
        request = parse_review(_load_review(request_file))
    except ReviewError as exc:
        raise InputError(f"{request_file}: {exc}") from None
    outcome = review(request, ctx, mode)
    click.echo(json.dumps(response(request.uid, outcome), indent=2))
    if explain:
        for line in outcome.trace:
            click.echo(f"  {line}", err=True)
        decided = outcome.decision.stage or "every stage allowed it"
        click.echo(f"  decided by: {decided}", err=True)


@command.command(name="serve")
@click.option(
    "--tls-cert",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="PEM certificate (chain) of the webhook.",
)
@click.option(
    "--tls-key",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="PEM private key.",
)
@click.option("--listen", default="0.0.0.0:8443", show_default=True, help="HOST:PORT to listen on.")
@click.option(
    "--cluster",
    multiple=True,
    metavar="FILE",
    help="Cluster state read once at start (PriorityClasses, nodes, namespaces).",
)
@policy_option
@click.option(
    "--upstream",
    is_flag=True,
    help="Also emulate the API server's plugins (off: the API server runs them itself).",
)
def serve_command(
    tls_cert: Path,
    tls_key: Path,
    listen: str,
    cluster: tuple[str, ...],
    policy: Path | None,
    *,
    upstream: bool,
) -> None:
    """Serve the validating (/validate) and mutating (/mutate) webhook over HTTPS.

    Register it with failurePolicy Fail for the rules you rely on (see docs/admission.md), a
    timeoutSeconds of a few seconds, and a namespaceSelector that leaves out kube-system and the
    webhook's own namespace.
    """
    host, port = parse_listen(listen)
    try:
        tls: ssl.SSLContext = tls_context(str(tls_cert), str(tls_key))
    except (OSError, ssl.SSLError) as exc:
        raise InputError(
            f"{tls_cert} / {tls_key}: cannot load the TLS certificate and key: {exc}"
        ) from None
    settings = WebhookSettings(_context(cluster, policy, upstream=upstream), host, port)
    try:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(serve_forever(settings, tls))
    except OSError as exc:
        raise InputError(f"--listen {listen}: cannot listen: {exc.strerror or exc}") from None


def parse_listen(listen: str) -> tuple[str, int]:
    """``HOST:PORT`` (``[::1]:PORT`` for IPv6, ``:PORT`` for every address), port 1-65535 in
    ASCII digits; raises `InputError`."""
    host, sep, port_text = listen.rpartition(":")
    if (
        not sep
        or not (port_text.isascii() and port_text.isdigit())
        or not 0 < int(port_text) < 65536
    ):
        raise InputError(f"--listen: expected HOST:PORT, got {listen!r}")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    return host or "0.0.0.0", int(port_text)
