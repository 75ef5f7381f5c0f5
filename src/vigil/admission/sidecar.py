"""Gate sidecar injection as a JSONPatch (the mutating part of the webhook).

Pods created in the namespaces the policy names (every non-exempt namespace when it names
none) get a ``vigil-gate`` container: the gate listening on ``listenPort`` in front of the app
on ``upstreamPort``, non-root, read-only, without capabilities. Injection is idempotent (a pod
that already has the gate is left alone, so a second admission never duplicates it) and a
pod opts out with the annotation ``vigil.dev/inject: "false"`` unless the policy sets
``allowOptOut: false``. "Already has the gate" means a
container named ``vigil-gate`` with vigil's image, arguments and security context
(`GATE_FIELDS`): a container that only borrows the name is replaced, so a pod author cannot
skip the gate by naming a container of theirs ``vigil-gate``.
"""

from __future__ import annotations

from typing import Any

from vigil.admission.context import AdmissionContext
from vigil.admission.request import AdmissionRequest, metadata_of, spec_of

CONTAINER = "vigil-gate"
OPT_OUT = "vigil.dev/inject"
INJECTED = "vigil.dev/injected"
GATE_FIELDS = ("image", "args", "securityContext")
"""What must equal vigil's container for an existing ``vigil-gate`` to count as the gate."""


def _pointer(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


def container(ctx: AdmissionContext) -> dict[str, Any]:
    """The sidecar container."""
    s = ctx.policy.admission.sidecar
    return {
        "name": CONTAINER,
        "image": s.image,
        "args": [
            "gate",
            "--upstream",
            f"http://127.0.0.1:{s.upstream_port}",
            "--listen",
            f"0.0.0.0:{s.listen_port}",
            "--mode",
            s.mode,
        ],
        "ports": [{"name": CONTAINER, "containerPort": s.listen_port, "protocol": "TCP"}],
        "securityContext": {
            "runAsNonRoot": True,
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "capabilities": {"drop": ["ALL"]},
        },
        "resources": {"requests": {"cpu": "50m", "memory": "64Mi"}},
    }


def injection(request: AdmissionRequest, ctx: AdmissionContext) -> tuple[list[dict[str, Any]], str]:
    """The JSONPatch for the request (empty when nothing is injected) and why."""
    s = ctx.policy.admission.sidecar
    if not s.enabled:
        return [], "sidecar: injection disabled"
    if request.kind.kind != "Pod" or request.operation != "CREATE" or request.sub_resource:
        return [], "sidecar: only pods being created get the gate"
    namespace = request.namespace
    if namespace in ctx.policy.exempt_namespaces or (
        s.namespaces and namespace not in s.namespaces
    ):
        return [], f"sidecar: namespace {namespace} is not injected"
    raw_annotations = metadata_of(request.object).get("annotations")
    annotations = raw_annotations if isinstance(raw_annotations, dict) else None
    opted_out = annotations is not None and annotations.get(OPT_OUT) == "false"
    if opted_out and s.allow_opt_out:
        return [], f'sidecar: the pod opts out ({OPT_OUT}: "false")'
    raw_containers = spec_of(request.object).get("containers")
    containers: list[Any] = raw_containers if isinstance(raw_containers, list) else []
    gate = container(ctx)
    found = next(
        (i for i, c in enumerate(containers) if isinstance(c, dict) and c.get("name") == CONTAINER),
        None,
    )
    if found is not None and all(containers[found].get(k) == gate[k] for k in GATE_FIELDS):
        return [], "sidecar: already injected"
    patch: list[dict[str, Any]] = [
        {"op": "add", "path": "/spec/containers/-", "value": gate}
        if found is None
        else {"op": "replace", "path": f"/spec/containers/{found}", "value": gate}
    ]
    if annotations is None:
        patch.append({"op": "add", "path": "/metadata/annotations", "value": {INJECTED: "true"}})
    else:
        patch.append(
            {"op": "add", "path": f"/metadata/annotations/{_pointer(INJECTED)}", "value": "true"}
        )
    if found is not None:
        return patch, f"sidecar: replaced a container named {CONTAINER} that is not vigil's gate"
    return patch, f"sidecar: injected {CONTAINER} ({s.image})"
