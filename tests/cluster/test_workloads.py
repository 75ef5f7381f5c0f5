"""Workload expansion: deterministic names, labels and controller ownerReferences."""

from __future__ import annotations

from vigil.cluster import Cluster, parse_documents
from vigil.cluster.loader import build_cluster

DEPLOYMENT = """
kind: Deployment
apiVersion: apps/v1
metadata: {name: web, namespace: shop}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: c, resources: {requests: {cpu: 100m}}}]}
---
kind: StatefulSet
apiVersion: apps/v1
metadata: {name: db, namespace: shop}
spec:
  replicas: 2
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: c}]}
---
kind: ReplicaSet
apiVersion: apps/v1
metadata: {name: cache}
spec:
  replicas: 1
  selector: {matchLabels: {app: cache}}
  template:
    metadata: {labels: {app: cache}}
    spec: {containers: [{name: c}]}
---
kind: Deployment
apiVersion: apps/v1
metadata: {name: noreplicas}
spec:
  selector: {matchLabels: {app: x}}
  template:
    metadata: {labels: {app: x}}
    spec: {containers: [{name: c}]}
"""


def _cluster() -> Cluster:
    objects, _ = parse_documents(DEPLOYMENT, "w.yaml")
    return build_cluster(objects)


def test_deployment_expands_through_a_replicaset() -> None:
    cluster = _cluster()
    rs = [w for w in cluster.workloads if w.kind == "ReplicaSet" and w.name.startswith("web-")]
    assert len(rs) == 1
    owner = rs[0].metadata.controller()
    assert owner is not None
    assert (owner.kind, owner.name) == ("Deployment", "web")
    web = [p for p in cluster.pods if p.name.startswith("web-")]
    assert len(web) == 3
    assert len({p.name for p in web}) == 3
    for pod in web:
        assert pod.name.startswith(rs[0].name + "-")
        assert pod.namespace == "shop"
        assert pod.labels["app"] == "web"
        assert pod.labels["pod-template-hash"] == rs[0].name.removeprefix("web-")
        ref = pod.metadata.controller()
        assert ref is not None
        assert (ref.kind, ref.name, ref.uid) == ("ReplicaSet", rs[0].name, rs[0].metadata.uid)
        assert pod.spec.containers[0].resources.requests["cpu"] * 10 == 1


def test_statefulset_pods_have_ordinals() -> None:
    cluster = _cluster()
    db = [p for p in cluster.pods if p.labels.get("app") == "db"]
    assert [p.name for p in db] == ["db-0", "db-1"]
    assert db[1].labels["statefulset.kubernetes.io/pod-name"] == "db-1"
    assert db[1].labels["apps.kubernetes.io/pod-index"] == "1"
    ref = db[0].metadata.controller()
    assert ref is not None
    assert ref.kind == "StatefulSet"


def test_expansion_is_deterministic_and_replicas_default_to_one() -> None:
    """A Deployment written without ``replicas`` runs one pod: the API server's defaulting
    (``SetDefaults_Deployment``) writes ``replicas: 1`` (it created none before)."""
    first = [p.name for p in _cluster().pods]
    second = [p.name for p in _cluster().pods]
    assert first == second
    assert sum(1 for p in _cluster().pods if p.labels.get("app") == "x") == 1
    assert sum(1 for p in _cluster().pods if p.labels.get("app") == "cache") == 1
