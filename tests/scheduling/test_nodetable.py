"""The snapshot's NodeTable: incremental state equals a recomputed one, and the vectorised
cycle decides exactly as the per-node framework path (statuses, scores, choices)."""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import pytest

from tests.scheduling.builders import make_node, make_pod, req, sel, snapshot, term
from vigil.cluster import Node, Pod, Service
from vigil.cluster.meta import ObjectMeta
from vigil.cluster.selectors import Selector
from vigil.scheduling import Scheduler, Snapshot, default_profile
from vigil.scheduling.nodetable import NodeTable, PodPredicate
from vigil.scheduling.podinfo import PodInfo
from vigil.scheduling.profile import Profile

ZONE = "topology.kubernetes.io/zone"
HOST = "kubernetes.io/hostname"
NAMESPACES = ("default", "team-a", "team-b")


def random_nodes(rng: random.Random, count: int) -> list[Node]:
    nodes = []
    for i in range(count):
        b = make_node(f"n{i:03d}").capacity(
            cpu=rng.choice(("2", "4", "8")),
            memory=rng.choice(("4Gi", "8Gi", "16Gi")),
            pods=rng.choice((3, 5, 110)),
        )
        if rng.random() < 0.9:
            b = b.zone(f"z{rng.randrange(4)}")
        if rng.random() < 0.3:
            b = b.label("disk", "ssd")
        if rng.random() < 0.2:
            b = b.label("gen", str(rng.randrange(1, 6)))
        if rng.random() < 0.1:
            b = b.capacity(example_com__gpu=2)
        roll = rng.random()
        if roll < 0.1:
            b = b.taint("dedicated", "infra")
        elif roll < 0.2:
            b = b.taint("spot", "true", "PreferNoSchedule")
        elif roll < 0.25:
            b = b.taint("dying", "", "NoExecute")
        if rng.random() < 0.05:
            b = b.unschedulable()
        nodes.append(b.obj())
    return nodes


def random_pod(rng: random.Random, name: str) -> Pod:
    b = make_pod(name, rng.choice(NAMESPACES))
    group = f"g{rng.randrange(3)}"
    b = b.labels(app=group)
    if rng.random() < 0.9:
        b = b.req(cpu=rng.choice(("100m", "500m", "1", "3")), memory=rng.choice(("128Mi", "1Gi")))
    kind = rng.randrange(14)
    if kind == 0:
        b = b.node_selector(disk="ssd")
    elif kind == 1:
        b = b.required_node_terms(term(req(ZONE, "In", "z0", "z1")), term(req("gen", "Gt", "3")))
    elif kind == 2:
        b = b.preferred_node_term(10, term(req("disk", "Exists"))).preferred_node_term(
            5, term(req(ZONE, "NotIn", "z2"))
        )
    elif kind == 3:
        b = b.pod_anti_affinity(HOST, sel(app=group))
    elif kind == 4:
        b = b.pod_affinity(ZONE, sel(app=group))
    elif kind == 5:
        b = b.pod_affinity(ZONE, sel(app=group), weight=30).pod_anti_affinity(
            HOST, sel(app=group), weight=60, namespace_selector=sel()
        )
    elif kind == 6:
        b = b.spread(1, ZONE, sel(app=group), min_domains=rng.choice((None, 5)))
    elif kind == 7:
        b = b.spread(
            1, ZONE, sel(app=group), node_affinity_policy="Honor", node_taints_policy="Honor"
        ).node_selector(disk="ssd")
    elif kind == 8:
        b = b.spread(2, ZONE, sel(app=group), hard=False).spread(
            1, HOST, sel(app=group), hard=False
        )
    elif kind == 9:
        b = b.toleration("dedicated", "infra", "NoSchedule").toleration(operator="Exists")
    elif kind == 10:
        b = b.host_port(rng.choice((8080, 9090)))
    elif kind == 11:
        b = b.container(example_com__gpu=1)
    elif kind == 12:
        b = b.required_node_terms(
            term(fields=[req("metadata.name", "In", f"n{rng.randrange(20):03d}")]),
            term(fields=[req("metadata.name", "In", f"n{rng.randrange(20):03d}")]),
        )
    elif kind == 13:
        b = b.pod_anti_affinity(ZONE, sel(app=group), namespaces=NAMESPACES)
    if rng.random() < 0.05:
        b = b.terminating()
    return b.obj()


def services() -> list[Service]:
    return [Service(ObjectMeta(name="svc", namespace=ns), {"app": "g0"}) for ns in NAMESPACES]


def cluster(seed: int, n_nodes: int, n_bound: int) -> tuple[list[Node], list[Pod]]:
    rng = random.Random(seed)
    nodes = random_nodes(rng, n_nodes)
    bound = [
        make_pod(f"b{i}", rng.choice(NAMESPACES))
        .labels(app=f"g{rng.randrange(3)}")
        .req(cpu="100m")
        .node(nodes[rng.randrange(n_nodes)].name)
        .obj()
        for i in range(n_bound)
    ]
    return nodes, bound


class _NoTableSnapshot(Snapshot):
    """A snapshot without a NodeTable: every plugin runs per node."""

    def node_table(self) -> NodeTable | None:
        return None


def outcome(result: Any) -> dict[str, Any]:
    return {
        "node": result.node_name,
        "feasible": result.feasible_nodes,
        "evaluated": result.evaluated_nodes,
        "statuses": list(result.diagnosis.node_to_status),
        "unschedulable": sorted(result.diagnosis.unschedulable_plugins),
        "scores": {n: dict(per) for n, per in result.scores.items()},
        "totals": result.total_scores,
        "tie": result.tie_break,
        "message": result.message,
    }


def run(seed: int, n_nodes: int, n_pods: int, *, batch: bool, profile: Profile) -> list[Any]:
    nodes, bound = cluster(seed, n_nodes, n_pods // 4)
    namespaces = {ns: {"kubernetes.io/metadata.name": ns, "team": ns} for ns in NAMESPACES}
    kind = Snapshot if batch else _NoTableSnapshot
    snap = kind(nodes, bound, namespace_labels=namespaces, services=services())
    sched = Scheduler(snap, [profile], seed=seed)
    rng = random.Random(seed + 1)
    pods = [random_pod(rng, f"p{i}") for i in range(n_pods)]
    sched.nominate(pods[-1], nodes[0].name)
    out = []
    for pod in pods[:-1]:
        out.append(outcome(sched.schedule_one(pod)))
    return out


@pytest.mark.parametrize(
    ("seed", "n_nodes", "n_pods"), [(1, 12, 80), (2, 40, 120), (3, 130, 150), (4, 250, 120)]
)
def test_vectorised_cycle_equals_per_node_cycle(seed: int, n_nodes: int, n_pods: int) -> None:
    fast = run(seed, n_nodes, n_pods, batch=True, profile=default_profile())
    slow = run(seed, n_nodes, n_pods, batch=False, profile=default_profile())
    assert len(fast) == len(slow)
    for f, s in zip(fast, slow, strict=True):
        assert f == s


def test_vectorised_cycle_equals_per_node_cycle_most_allocated() -> None:
    profile = Profile(
        pre_filter=("NodeResourcesFit",),
        filter=("NodeResourcesFit",),
        pre_score=("NodeResourcesFit", "NodeResourcesBalancedAllocation"),
        score=(("NodeResourcesFit", 2), ("NodeResourcesBalancedAllocation", 1)),
        plugin_args={
            "NodeResourcesFit": {
                "scoringStrategy": {
                    "type": "MostAllocated",
                    "resources": [
                        {"name": "cpu", "weight": 1},
                        {"name": "memory", "weight": 2},
                        {"name": "example.com/gpu", "weight": 3},
                    ],
                }
            },
            "NodeResourcesBalancedAllocation": {
                "resources": [{"name": "cpu"}, {"name": "memory"}, {"name": "example.com/gpu"}]
            },
        },
    )
    assert run(5, 60, 120, batch=True, profile=profile) == run(
        5, 60, 120, batch=False, profile=profile
    )


def assert_tables_equal(a: NodeTable, b: NodeTable, predicates: list[PodPredicate]) -> None:
    assert a.names == b.names
    for resource in ("cpu", "memory", "example.com/gpu"):
        assert np.array_equal(a.requested(resource), b.requested(resource))
    assert np.array_equal(a.non_zero_cpu, b.non_zero_cpu)
    assert np.array_equal(a.non_zero_memory, b.non_zero_memory)
    assert np.array_equal(a.pod_count, b.pod_count)
    for p in predicates:
        assert np.array_equal(a.predicate_counts(p), b.predicate_counts(p)), p.key
    for attr in (
        "existing_anti_affinity",
        "existing_required_affinity",
        "existing_preferred_affinity",
        "existing_preferred_anti_affinity",
    ):
        assert getattr(a, attr).counts == getattr(b, attr).counts, attr


def test_incremental_table_equals_recomputed_after_binds_and_removals() -> None:
    rng = random.Random(7)
    nodes, bound = cluster(7, 30, 20)
    snap = snapshot(nodes, bound)
    table = snap.node_table()
    assert table is not None
    predicates = [
        PodPredicate(frozenset({"default"}), (Selector.from_set({"app": "g0"}),), False),
        PodPredicate(None, (Selector.from_set({"app": "g1"}),), True),
        PodPredicate(frozenset(NAMESPACES), (Selector(),), True),
    ]
    for p in predicates:  # cached before the changes, then kept current
        table.predicate_counts(p)
    placed: list[tuple[Pod, str]] = [(p, p.spec.node_name) for p in bound]
    for i in range(150):
        if placed and rng.random() < 0.3:
            pod, node = placed.pop(rng.randrange(len(placed)))
            assert snap.remove_pod(pod, node)
        else:
            pod = random_pod(rng, f"x{i}")
            node = nodes[rng.randrange(len(nodes))].name
            snap.add_pod(pod, node)
            placed.append((pod, node))
    fresh = snapshot(
        nodes,
        [
            p.__class__(
                p.metadata,
                p.spec.__class__(
                    **{
                        **{f: getattr(p.spec, f) for f in p.spec.__dataclass_fields__},
                        "node_name": n,
                    }
                ),
                p.status,
            )
            for p, n in placed
        ],
    )
    fresh_table = fresh.node_table()
    assert fresh_table is not None
    assert_tables_equal(table, fresh_table, predicates)


def test_clones_do_not_touch_the_table() -> None:
    nodes, bound = cluster(3, 5, 5)
    snap = snapshot(nodes, bound)
    table = snap.node_table()
    assert table is not None
    before = table.pod_count.copy()
    clone = snap.node_infos[0].clone()
    clone.add_pod(PodInfo.of(make_pod("extra").req(cpu="1").obj()))
    assert np.array_equal(table.pod_count, before)
    snap.node_infos[0].add_pod(PodInfo.of(make_pod("real").req(cpu="1").obj()))
    assert table.pod_count[0] == before[0] + 1


def test_table_disabled_for_amounts_beyond_float_precision() -> None:
    node = make_node("big").capacity(cpu="1", memory=str(2**60)).obj()
    snap = snapshot([node])
    assert snap.node_table() is None
    result = Scheduler(snap).schedule_one(make_pod("p").req(cpu="100m").obj())
    assert result.node_name == "big"
