"""The cluster store: add, update and delete with indexes; owners and PDBs resolved."""

from __future__ import annotations

from dataclasses import replace

from tests.scheduling.builders import make_node, make_pod, sel
from vigil.cluster import (
    Cluster,
    LabelSelector,
    ObjectMeta,
    OwnerReference,
    PodDisruptionBudget,
    Workload,
)


def _rs(name: str, uid: str = "", deployment: str = "") -> Workload:
    owners = (
        (OwnerReference("apps/v1", "Deployment", deployment, controller=True),)
        if deployment
        else ()
    )
    return Workload("ReplicaSet", ObjectMeta(name, "shop", uid=uid, owner_references=owners), 2)


def test_add_update_delete_keep_indexes() -> None:
    store = Cluster(nodes=[make_node("n1").obj()])
    pod = make_pod("p", "shop").node("n1").obj()
    store.add(pod)
    assert [p.key for p in store.pods_on_node("n1")] == ["shop/p"]
    assert [p.key for p in store.pods_in_namespace("shop")] == ["shop/p"]
    moved = replace(pod, spec=replace(pod.spec, node_name="n2"))
    store.add(moved)
    assert store.pods_on_node("n1") == []
    assert store.pods_on_node("n2") == [moved]
    assert len(store.pods) == 1
    assert store.delete(moved)
    assert not store.delete(moved)
    assert store.pods == []
    assert store.pods_in_namespace("shop") == []
    assert len(store) == 1


def test_owners_resolve_by_uid_then_by_name() -> None:
    deployment = Workload("Deployment", ObjectMeta("web", "shop", uid="d"), 2)
    rs = _rs("web-1", uid="r", deployment="web")
    store = Cluster(workloads=[deployment, rs])
    by_uid = make_pod("a", "shop").obj()
    by_uid = replace(
        by_uid,
        metadata=replace(
            by_uid.metadata,
            owner_references=(OwnerReference("apps/v1", "ReplicaSet", "renamed", "r", True),),
        ),
    )
    by_name = make_pod("b", "shop").owner("ReplicaSet", "web-1").obj()
    stale = replace(
        by_name,
        metadata=replace(
            by_name.metadata,
            owner_references=(OwnerReference("apps/v1", "ReplicaSet", "web-1", "old", True),),
        ),
    )
    assert store.controller_of(by_uid.metadata) is rs
    assert store.controller_of(by_name.metadata) is rs
    assert store.controller_of(stale.metadata) is None
    assert store.owner_chain(by_name.metadata) == [rs, deployment]
    assert store.by_uid("d") is deployment


def test_pdbs_for_a_pod_and_pods_of_a_pdb() -> None:
    web = make_pod("w", "shop").labels(app="web").obj()
    db = make_pod("d", "shop").labels(app="db").obj()
    other = make_pod("w", "other").labels(app="web").obj()
    by_app = PodDisruptionBudget(ObjectMeta("web", "shop"), sel(app="web"))
    everything = PodDisruptionBudget(ObjectMeta("all", "shop"), LabelSelector())
    null = PodDisruptionBudget(ObjectMeta("none", "shop"), None)
    store = Cluster(pods=[web, db, other], pdbs=[by_app, everything, null])
    assert store.pdbs_for(web) == [by_app]
    assert store.pdbs_for(other) == []
    assert store.pods_selected_by(everything) == [web, db]
    assert store.pods_selected_by(null) == []


def test_copy_is_independent() -> None:
    store = Cluster(pods=[make_pod("p").obj()])
    copy = store.copy()
    copy.delete(store.pods[0])
    assert len(store.pods) == 1
    assert copy.pods == []
