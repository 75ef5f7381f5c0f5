"""Tiny cluster builder for isolation tests: nodes, pods and a policy as YAML, then a run."""

from __future__ import annotations

from typing import Any

from vigil.cluster import parse_documents
from vigil.cluster.loader import build_cluster
from vigil.posture import PosturePolicy, risk_context
from vigil.scheduling import SimulationResult, schedule_cluster
from vigil.scheduling.plugins.isolation import isolation_registry, with_isolation
from vigil.scheduling.preemption import preemption_profile, preemption_registry

ISOLATION = "node-restriction.kubernetes.io/isolation"


def node(name: str, **labels: str) -> str:
    """A node manifest with 4 CPUs and these labels (``__`` in keys becomes ``/``)."""
    all_labels = {
        "kubernetes.io/hostname": name,
        **{k.replace("__", "/"): v for k, v in labels.items()},
    }
    text = ", ".join(f'"{k}": "{v}"' for k, v in all_labels.items())
    return f"""
apiVersion: v1
kind: Node
metadata: {{name: {name}, labels: {{{text}}}}}
status: {{allocatable: {{cpu: "4", memory: 8Gi, pods: "110"}}}}
"""


def critical_node(name: str) -> str:
    """A node of the critical pool (trusted label)."""
    return node(name, **{ISOLATION.replace("/", "__"): "critical"})


def pod(
    name: str,
    namespace: str = "default",
    *,
    node_name: str = "",
    critical: bool = False,
    privileged: bool = False,
    priority_class: str = "",
    cpu: str = "100m",
    extra_spec: str = "",
) -> str:
    """A pod manifest; ``privileged`` pods are also hostNetwork (high-risk by default)."""
    labels = '{"vigil.dev/tier": critical}' if critical else "{}"
    lines = [
        "apiVersion: v1",
        "kind: Pod",
        f"metadata: {{name: {name}, namespace: {namespace}, labels: {labels}}}",
        "spec:",
        "  securityContext: {runAsNonRoot: true}",
    ]
    if node_name:
        lines.append(f"  nodeName: {node_name}")
    if priority_class:
        lines.append(f"  priorityClassName: {priority_class}")
    if privileged:
        lines.append("  hostNetwork: true")
    context = "{privileged: true}" if privileged else "{}"
    lines.append(
        f"  containers: [{{name: c, image: x, securityContext: {context}, "
        f"resources: {{requests: {{cpu: {cpu}}}}}}}]"
    )
    if extra_spec:
        lines.append(extra_spec)
    return "\n".join(lines) + "\n"


def run(*manifests: str, policy: dict[str, Any] | None = None) -> SimulationResult:
    """Schedule the manifests with preemption and Isolation under ``policy`` (default policy)."""
    objects, skipped = parse_documents("---\n".join(manifests), "t.yaml")
    cluster = build_cluster(objects, skipped)
    posture = PosturePolicy.model_validate(policy or {})
    profile = with_isolation(preemption_profile(), risk_context(cluster, posture))
    registry = isolation_registry(preemption_registry())
    return schedule_cluster(cluster, [profile], registry)
