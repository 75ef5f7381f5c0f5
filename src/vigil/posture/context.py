"""Building the `RiskContext` of a loaded cluster."""

from __future__ import annotations

from vigil.cluster.cluster import Cluster
from vigil.posture.alerts import AlertCounts
from vigil.posture.exposure import ExposureIndex
from vigil.posture.policy import PosturePolicy
from vigil.posture.risk import RiskContext


def risk_context(
    cluster: Cluster, policy: PosturePolicy, alerts: AlertCounts | None = None
) -> RiskContext:
    """Exposure from the cluster's Services and Ingresses, namespace labels, and alerts."""
    return RiskContext(
        policy=policy,
        exposure=ExposureIndex(cluster.services, cluster.ingresses),
        namespace_labels=cluster.namespace_labels(),
        alerts=alerts,
    )
