"""Workloads are expanded only when none of their pods is in the input."""

from __future__ import annotations

import pytest

from vigil.cluster import parse_documents
from vigil.cluster.loader import build_cluster

DEPLOYMENT = """
kind: Deployment
apiVersion: apps/v1
metadata: {name: web, namespace: shop, uid: d-1}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: c}]}
"""
REPLICA_SET = """
kind: ReplicaSet
apiVersion: apps/v1
metadata:
  name: web-5d8f
  namespace: shop
  uid: rs-1
  ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: web, uid: d-1, controller: true}]
spec:
  replicas: 2
  selector: {matchLabels: {app: web, pod-template-hash: 5d8f}}
  template:
    metadata: {labels: {app: web, pod-template-hash: 5d8f}}
    spec: {containers: [{name: c}]}
"""
POD = """
kind: Pod
apiVersion: v1
metadata:
  name: web-5d8f-{suffix}
  namespace: shop
  uid: pod-{suffix}
  labels: {{app: web, pod-template-hash: 5d8f}}
  ownerReferences: [{{apiVersion: apps/v1, kind: ReplicaSet, name: web-5d8f, uid: {owner}, controller: true}}]
spec: {{nodeName: n1, containers: [{{name: c}}]}}
"""
STATEFUL_SET = """
kind: StatefulSet
apiVersion: apps/v1
metadata: {name: db, namespace: shop}
spec:
  replicas: 3
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: c}]}
"""
STS_POD = """
kind: Pod
apiVersion: v1
metadata:
  name: db-0
  namespace: shop
  labels: {app: db}
  ownerReferences: [{apiVersion: apps/v1, kind: StatefulSet, name: db, controller: true}]
spec: {containers: [{name: c}]}
"""


def _pods(*docs: str) -> list[str]:
    objects, _ = parse_documents("---\n".join(docs), "f.yaml")
    return sorted(p.key for p in build_cluster(objects).pods)


def _pod(suffix: str, owner: str = "rs-1") -> str:
    return POD.format(suffix=suffix, owner=owner)


@pytest.mark.parametrize(
    ("docs", "count"),
    [
        pytest.param([DEPLOYMENT, REPLICA_SET, _pod("a"), _pod("b")], 2, id="kubectl get all"),
        pytest.param([DEPLOYMENT], 2, id="deployment alone"),
        pytest.param([DEPLOYMENT, REPLICA_SET], 2, id="deployment and replicaset, no pods"),
        pytest.param([DEPLOYMENT, _pod("a")], 1, id="deployment and pods, replicaset missing"),
        pytest.param([REPLICA_SET, _pod("a")], 1, id="replicaset with one of its pods"),
        pytest.param([STATEFUL_SET], 3, id="statefulset alone"),
        pytest.param([STATEFUL_SET, STS_POD], 1, id="statefulset with a pod"),
    ],
)
def test_no_phantom_replicas(docs: list[str], count: int) -> None:
    assert len(_pods(*docs)) == count


def test_ownership_by_uid_wins_over_names() -> None:
    stranger = _pod("a", owner="some-other-uid")
    assert len(_pods(REPLICA_SET, stranger)) == 3


def test_expanded_pods_follow_owner_references() -> None:
    objects, _ = parse_documents(DEPLOYMENT, "f.yaml")
    cluster = build_cluster(objects)
    pod = cluster.pods[0]
    chain = cluster.owner_chain(pod.metadata)
    assert [w.kind for w in chain] == ["ReplicaSet", "Deployment"]
    assert chain[1].name == "web"
