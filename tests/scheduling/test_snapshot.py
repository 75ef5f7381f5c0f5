"""Snapshot: which pods count, lookups, and binding into it."""

from __future__ import annotations

from tests.scheduling.builders import make_node, make_pod, sel, snapshot
from vigil.cluster import parse_documents
from vigil.cluster.loader import build_cluster
from vigil.scheduling import Snapshot


def test_only_bound_non_terminal_pods_on_known_nodes_count() -> None:
    pods = [
        make_pod("running").node("a").obj(),
        make_pod("done").node("a").phase("Succeeded").obj(),
        make_pod("failed").node("a").phase("Failed").obj(),
        make_pod("terminating").node("a").terminating().obj(),
        make_pod("pending").obj(),
        make_pod("lost").node("ghost").obj(),
    ]
    snap = snapshot([make_node("a").obj(), make_node("b").obj()], pods)
    a = snap.get("a")
    assert a is not None
    assert [p.pod.name for p in a.pods] == ["running", "terminating"]
    assert snap.get("ghost") is None
    assert len(snap) == 2


def test_affinity_node_lists_and_binding() -> None:
    snap = snapshot([make_node("a").obj(), make_node("b").obj()])
    assert snap.have_pods_with_affinity() == []
    snap.add_pod(make_pod("x").pod_anti_affinity("kubernetes.io/hostname", sel(app="x")).obj(), "b")
    assert [n.name for n in snap.have_pods_with_affinity()] == ["b"]
    assert [n.name for n in snap.have_pods_with_required_anti_affinity()] == ["b"]
    assert snap.remove_pod(make_pod("x").obj(), "b")
    assert not snap.remove_pod(make_pod("x").obj(), "nowhere")


def test_from_cluster_keeps_namespaces_services_and_workloads() -> None:
    text = """
kind: Namespace
metadata: {name: shop, labels: {team: x}}
---
kind: Node
metadata: {name: n1}
---
kind: Service
metadata: {name: web, namespace: shop}
spec: {selector: {app: web}}
---
kind: Pod
metadata: {name: p, namespace: shop}
spec: {nodeName: n1, containers: [{name: c}]}
"""
    objects, _ = parse_documents(text, "c.yaml")
    snap = Snapshot.from_cluster(build_cluster(objects))
    assert snap.namespace_labels == {
        "default": {"kubernetes.io/metadata.name": "default"},
        "shop": {"team": "x", "kubernetes.io/metadata.name": "shop"},
    }
    assert [s.metadata.name for s in snap.services] == ["web"]
    n1 = snap.get("n1")
    assert n1 is not None
    assert [p.pod.key for p in n1.pods] == ["shop/p"]


def test_from_cluster_keeps_pdbs() -> None:
    text = """
kind: PodDisruptionBudget
metadata: {name: web}
spec: {minAvailable: 1, selector: {matchLabels: {app: web}}}
"""
    objects, _ = parse_documents(text, "p.yaml")
    snap = Snapshot.from_cluster(build_cluster(objects))
    assert [p.metadata.name for p in snap.pdbs] == ["web"]
