"""End-to-end: manifests -> loader -> queue order -> scheduling cycles -> FitError messages."""

from __future__ import annotations

from tests.scheduling.builders import make_pod
from vigil.cluster import parse_documents
from vigil.cluster.loader import build_cluster
from vigil.scheduling import pending_pods, queue_order, schedule_cluster

SEED_SCENARIO = """
apiVersion: v1
kind: Node
metadata:
  name: worker-1
  labels: {kubernetes.io/hostname: worker-1}
status:
  allocatable: {cpu: "1", memory: 1Gi, pods: "110"}
---
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {name: prod}
value: 1000
---
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {name: preprod}
value: 500
---
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {name: dev}
value: 100
---
apiVersion: v1
kind: List
items:
""" + "".join(
    f"""
- apiVersion: v1
  kind: Pod
  metadata: {{name: nginx, namespace: {env}, labels: {{app: nginx}}}}
  spec:
    priorityClassName: {env}
    containers:
    - name: nginx
      image: nginx:1.27
      resources:
        requests: {{cpu: 500m, memory: 512Mi}}
"""
    for env in ("dev", "preprod", "prod")
)


def test_seed_scenario_third_nginx_stays_pending() -> None:
    objects, skipped = parse_documents(SEED_SCENARIO, "seed.yaml")
    cluster = build_cluster(objects, skipped)
    result = schedule_cluster(cluster)
    assert [r.pod.key for r in result.results] == ["prod/nginx", "preprod/nginx", "dev/nginx"]
    assert result.placements() == {
        "prod/nginx": "worker-1",
        "preprod/nginx": "worker-1",
        "dev/nginx": None,
    }
    dev = result.result("dev/nginx")
    assert dev is not None
    assert dev.message == "0/1 nodes are available: 1 Insufficient cpu, 1 Insufficient memory."
    assert dev.diagnosis.unschedulable_plugins == {"NodeResourcesFit"}


def test_queue_order_is_priority_then_arrival() -> None:
    pods = [
        make_pod("a").priority(1).obj(),
        make_pod("b").priority(5).obj(),
        make_pod("c").priority(1).obj(),
        make_pod("d").obj(),
    ]
    assert [p.name for p in queue_order(pods)] == ["b", "a", "c", "d"]


def test_pending_pods_excludes_bound_terminal_gated_and_foreign() -> None:
    from dataclasses import replace

    gated = make_pod("gated").obj()
    gated = replace(gated, spec=replace(gated.spec, scheduling_gates=("wait",)))
    other = make_pod("other").obj()
    other = replace(other, spec=replace(other.spec, scheduler_name="my-scheduler"))
    pods = [
        make_pod("bound").node("n1").obj(),
        make_pod("done").phase("Succeeded").obj(),
        make_pod("deleting").terminating().obj(),
        gated,
        other,
        make_pod("ok").obj(),
    ]
    assert [p.name for p in pending_pods(pods, ["default-scheduler"])] == ["ok"]


def test_pods_are_spread_and_bound_pods_count() -> None:
    manifests = """
kind: Node
metadata: {name: a, labels: {kubernetes.io/hostname: a}}
status: {allocatable: {cpu: "2", memory: 4Gi, pods: "10"}}
---
kind: Node
metadata: {name: b, labels: {kubernetes.io/hostname: b}}
status: {allocatable: {cpu: "2", memory: 4Gi, pods: "10"}}
---
kind: Pod
metadata: {name: existing}
spec:
  nodeName: a
  containers: [{name: c, resources: {requests: {cpu: "1", memory: 1Gi}}}]
---
kind: Pod
metadata: {name: new}
spec:
  containers: [{name: c, resources: {requests: {cpu: 500m, memory: 512Mi}}}]
"""
    objects, _ = parse_documents(manifests, "m.yaml")
    result = schedule_cluster(build_cluster(objects))
    assert result.placements() == {"default/new": "b"}
    new = result.result("default/new")
    assert new is not None
    assert new.total_scores["b"] > new.total_scores["a"]


NODES_3 = "".join(
    f"""
---
kind: Node
metadata: {{name: {name}, labels: {{kubernetes.io/hostname: {name}, topology.kubernetes.io/zone: {zone}}}}}
status: {{allocatable: {{cpu: "8", memory: 16Gi, pods: "110"}}}}
"""
    for name, zone in (("a", "z1"), ("b", "z2"), ("c", "z3"))
)


def _deployment(replicas: int, extra_spec: str = "") -> str:
    return f"""
---
kind: Deployment
apiVersion: apps/v1
metadata: {{name: web, namespace: shop}}
spec:
  replicas: {replicas}
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec:
      containers: [{{name: c, resources: {{requests: {{cpu: 100m, memory: 128Mi}}}}}}]
{extra_spec}
"""


def test_required_anti_affinity_leaves_the_fourth_replica_pending() -> None:
    anti = """      affinity:
        podAntiAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
          - topologyKey: kubernetes.io/hostname
            labelSelector: {matchLabels: {app: web}}
"""
    objects, _ = parse_documents(NODES_3 + _deployment(4, anti), "m.yaml")
    result = schedule_cluster(build_cluster(objects))
    placed = [n for n in result.placements().values() if n is not None]
    assert sorted(placed) == ["a", "b", "c"]
    pending = [r for r in result.results if not r.scheduled]
    assert len(pending) == 1
    assert (
        pending[0].message
        == "0/3 nodes are available: 3 node(s) didn't match pod anti-affinity rules."
    )


def test_system_default_spreading_balances_a_deployment() -> None:
    objects, _ = parse_documents(NODES_3 + _deployment(6), "m.yaml")
    result = schedule_cluster(build_cluster(objects), seed=3)
    counts: dict[str, int] = {}
    for node in result.placements().values():
        assert node is not None
        counts[node] = counts.get(node, 0) + 1
    assert counts == {"a": 2, "b": 2, "c": 2}


def test_namespace_selector_on_the_automatic_name_label() -> None:
    manifests = (
        NODES_3
        + """
---
kind: Pod
metadata: {name: db, namespace: data, labels: {app: db}}
spec: {nodeName: b, containers: [{name: c}]}
---
kind: Pod
metadata: {name: api, namespace: shop}
spec:
  containers: [{name: c}]
  affinity:
    podAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
      - topologyKey: kubernetes.io/hostname
        labelSelector: {matchLabels: {app: db}}
        namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: data}}
"""
    )
    objects, _ = parse_documents(manifests, "m.yaml")
    result = schedule_cluster(build_cluster(objects))
    assert result.placements() == {"shop/api": "b"}


def test_gpus_given_only_as_limits_are_requested() -> None:
    text = """
kind: Node
metadata: {name: gpu-1}
status: {allocatable: {cpu: "8", memory: 32Gi, pods: "110", nvidia.com/gpu: "1"}}
""" + "".join(
        f"""---
kind: Pod
metadata: {{name: train-{i}, creationTimestamp: "2026-01-01T10:0{i}:00Z"}}
spec:
  containers:
  - name: c
    resources: {{limits: {{nvidia.com/gpu: 1}}}}
"""
        for i in range(2)
    )
    objects, _ = parse_documents(text, "f.yaml")
    sim = schedule_cluster(build_cluster(objects))
    assert sim.placements() == {"default/train-0": "gpu-1", "default/train-1": None}
    last = sim.result("default/train-1")
    assert last is not None
    assert last.message == "0/1 nodes are available: 1 Insufficient nvidia.com/gpu."


def test_skipped_pods_have_reasons_and_the_summary_counts_them() -> None:
    from dataclasses import replace

    from vigil.scheduling.simulate import SkipReason, skipped_pods

    gated = make_pod("gated").obj()
    gated = replace(gated, spec=replace(gated.spec, scheduling_gates=("a", "b")))
    other = make_pod("other").obj()
    other = replace(other, spec=replace(other.spec, scheduler_name="mine"))
    pods = [
        gated,
        other,
        make_pod("deleting").terminating().obj(),
        make_pod("lost").node("gone").obj(),
        make_pod("bound").node("n1").obj(),
        make_pod("done").phase("Failed").obj(),
    ]
    skipped = skipped_pods(pods, ["default-scheduler"], ["n1"])
    assert [(s.pod, s.reason) for s in skipped] == [
        ("default/gated", SkipReason.SCHEDULING_GATED),
        ("default/other", SkipReason.OTHER_SCHEDULER),
        ("default/deleting", SkipReason.TERMINATING),
        ("default/lost", SkipReason.NODE_NOT_IN_INPUT),
    ]
    assert skipped[0].message == "has scheduling gates: a, b"
    objects, _ = parse_documents(SEED_SCENARIO, "seed.yaml")
    result = schedule_cluster(build_cluster(objects))
    assert result.summary().line() == "2 bound, 1 pending, 0 preempted, 0 skipped"
