"""Which workloads of an input stand for pods that are not in it.

``kubectl get all -o yaml`` exports a Deployment, its ReplicaSets and their pods: expanding the
Deployment again would schedule phantom replicas. A workload is expanded into the pods its
controller would create (`vigil.cluster.workloads.expand_workload`) only when nothing it
controls is in the input, following ``ownerReferences`` (Deployment -> ReplicaSet -> Pod):

* a ReplicaSet or a StatefulSet with a pod whose controller it is, is not expanded;
* a Deployment with a ReplicaSet whose controller it is, or with a pod of its namespace that
  its selector selects and whose controlling ReplicaSet is named ``<deployment>-<hash>`` (the
  ReplicaSet itself missing from the input), is not expanded;
* a workload without ``replicas`` or without a template is never expanded;
* DaemonSets, Jobs, CronJobs and ReplicationControllers are stored but never expanded (their
  pods depend on nodes, schedules or completions): the loader notes each one that arrived
  without anything it controls.
"""

from __future__ import annotations

from vigil.cluster.cluster import Cluster
from vigil.cluster.pod import Pod
from vigil.cluster.selectors import Selector
from vigil.cluster.workloads import EXPANDED_KINDS, Workload


def _controlled_keys(cluster: Cluster) -> set[tuple[str, str]]:
    keys: set[tuple[str, str]] = set()
    owned: list[Pod | Workload] = [
        *cluster.pods,
        *cluster.workloads_of_kind("ReplicaSet"),
        *cluster.workloads_of_kind("Job"),
    ]
    for obj in owned:
        ref = obj.metadata.controller()
        if ref is None:
            continue
        owner = cluster.owner(obj.metadata, ref)
        if owner is not None:
            keys.add((owner.kind, owner.metadata.key))
    return keys


def _has_pods_of_missing_replica_set(cluster: Cluster, deployment: Workload) -> bool:
    selector = Selector.from_label_selector(deployment.selector)
    prefix = f"{deployment.name}-"
    for pod in cluster.pods_in_namespace(deployment.namespace):
        ref = pod.metadata.controller()
        if (
            ref is not None
            and ref.kind == "ReplicaSet"
            and ref.name.startswith(prefix)
            and selector.matches(pod.labels)
        ):
            return True
    return False


def workloads_to_expand(cluster: Cluster) -> list[Workload]:
    """The workloads whose pods the loader must create, in the store's order."""
    controlled = _controlled_keys(cluster)
    out = []
    for workload in cluster.workloads:
        if workload.kind not in EXPANDED_KINDS:
            continue
        if workload.replicas is None or workload.template is None:
            continue
        if (workload.kind, workload.metadata.key) in controlled:
            continue
        if workload.kind == "Deployment" and _has_pods_of_missing_replica_set(cluster, workload):
            continue
        out.append(workload)
    return out


def workloads_not_expanded(cluster: Cluster) -> list[Workload]:
    """Workloads of the kinds never expanded (DaemonSets, Jobs...) that control nothing in the
    input: their pods are missing from the run, which the loader says."""
    controlled = _controlled_keys(cluster)
    return [
        w
        for w in cluster.workloads
        if w.kind not in EXPANDED_KINDS and (w.kind, w.metadata.key) not in controlled
    ]
