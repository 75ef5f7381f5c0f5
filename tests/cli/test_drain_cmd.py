"""``vigil drain`` on the multi-team export: kubectl's refusals, rounds, replacements, blocks."""

from __future__ import annotations

from tests.cli.fixture import EXPORT, run, run_json

FLAGS = ("--ignore-daemonsets", "--delete-emptydir-data", "--force")


def test_refused_like_kubectl() -> None:
    data = run_json("drain", "worker-a", EXPORT, code=1)
    assert data["errors"] == [
        "cannot delete Pods with local storage (use --delete-emptydir-data to override): "
        "batch/report-20260302",
        "cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): "
        "kube-system/kube-proxy-q9r4t",
    ]
    assert data["evictions"] == []
    assert data["summary"] == "drain of worker-a refused: 2 filter error(s)"


def test_plan_with_kubectl_flags() -> None:
    data = run_json("drain", "worker-a", EXPORT, *FLAGS, code=1)
    evicted = {e["pod"]: e for e in data["evictions"]}
    assert set(evicted) == {
        "batch/report-20260302",
        "kube-system/coredns-7c65d6cfc9-4wz7p",
        "shop/web-5d8f7b9c44-kq2nt",
    }
    assert evicted["batch/report-20260302"]["replacement"] is None
    assert evicted["kube-system/coredns-7c65d6cfc9-4wz7p"]["replacement"]["node"] == "cp-1"
    web = evicted["shop/web-5d8f7b9c44-kq2nt"]["replacement"]
    assert web["node"] is None
    assert web["message"].startswith("0/5 nodes are available: 1 node(s) didn't match pod topology")
    (blocked,) = data["blocked"]
    assert (blocked["pod"], blocked["code"], blocked["pdb"]) == (
        "payments/api-7f9c6d8b5-d4h8s",
        429,
        "payments/api",
    )
    assert data["warnings"] == [
        "deleting Pods that declare no controller: batch/report-20260302",
        "ignoring DaemonSet-managed Pods: kube-system/kube-proxy-q9r4t",
    ]
    assert data["skipped"] == []
    assert not data["complete"]


def test_text_and_a_node_that_drains() -> None:
    code, out, _ = run("drain", "worker-a", EXPORT, *FLAGS)
    assert code == 1
    lines = out.splitlines()
    assert lines[0] == "cordon worker-a"
    assert max(len(line) for line in lines) <= 120
    assert "blocked (kubectl retries every 5s until --timeout):" in lines
    assert lines[-1] == (
        "drain of worker-a does not complete: 3 evicted in 2 round(s), 1 replacement(s) "
        "scheduled, 1 blocked"
    )
    code, out, _ = run("drain", "gpu-1", EXPORT, "--ignore-daemonsets")
    assert code == 0, out
    assert out.splitlines()[-1].startswith("drain of gpu-1 completes: 1 evicted")


def test_mirror_pods_are_skipped_and_errors() -> None:
    data = run_json("drain", "cp-1", EXPORT, "--ignore-daemonsets")
    assert data["skipped"] == ["kube-system/kube-apiserver-cp-1: mirror pod"]
    code, _, err = run("drain", "nope", EXPORT)
    assert (code, err.strip()) == (2, "Error: no node nope in the input")


def test_always_allow_what_if() -> None:
    data = run_json("drain", "worker-b", EXPORT, *FLAGS, "--unhealthy-policy", "AlwaysAllow")
    api = next(e for e in data["evictions"] if e["pod"] == "payments/api-7f9c6d8b5-x2m6n")
    assert api["allowed"]
    assert "withoutOverride" not in api


DAEMONSETS = """
apiVersion: v1
kind: Node
metadata: {name: n1}
status: {allocatable: {cpu: "4", memory: 8Gi, pods: "110"}}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, namespace: ops, uid: ds1}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec: {containers: [{name: a}]}
---
apiVersion: v1
kind: Pod
metadata:
  name: agent-x
  namespace: ops
  uid: p1
  labels: {app: agent}
  ownerReferences: [{apiVersion: apps/v1, kind: DaemonSet, name: agent, uid: ds1, controller: true}]
spec: {nodeName: n1, priority: 0, containers: [{name: a}]}
status: {phase: Running, conditions: [{type: Ready, status: "True"}]}
---
apiVersion: v1
kind: Pod
metadata:
  name: old-agent-y
  namespace: ops
  uid: p2
  ownerReferences: [{apiVersion: apps/v1, kind: DaemonSet, name: old-agent, uid: ds0, controller: true}]
spec: {nodeName: n1, priority: 0, containers: [{name: a}]}
status: {phase: Running, conditions: [{type: Ready, status: "True"}]}
"""


def test_daemonset_ownership_comes_from_the_input(tmp_path) -> None:  # type: ignore[no-untyped-def]
    export = tmp_path / "export.yaml"
    export.write_text(DAEMONSETS)
    data = run_json("drain", "n1", str(export), "--ignore-daemonsets", code=1)
    assert data["errors"] == [
        'cannot delete daemonsets.apps "old-agent" not found: ops/old-agent-y'
    ]
    data = run_json("drain", "n1", str(export), "--ignore-daemonsets", "--force")
    assert data["warnings"] == ["ignoring DaemonSet-managed Pods: ops/agent-x"]
    assert [e["pod"] for e in data["evictions"]] == ["ops/old-agent-y"]
    assert data["evictions"][0]["replacement"] is None


TWO_PDBS = """
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Node
  metadata: {name: n1}
  status: {allocatable: {cpu: "4", memory: 8Gi, pods: "110"}}
- apiVersion: v1
  kind: Pod
  metadata:
    name: web-1
    namespace: shop
    uid: u1
    labels: {app: web}
    ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: web, uid: r1, controller: true}]
  spec: {nodeName: n1, containers: [{name: a, image: nginx}]}
  status: {phase: Running, conditions: [{type: Ready, status: "True"}]}
- apiVersion: policy/v1
  kind: PodDisruptionBudget
  metadata: {name: a, namespace: shop}
  spec: {maxUnavailable: 1, selector: {matchLabels: {app: web}}}
- apiVersion: policy/v1
  kind: PodDisruptionBudget
  metadata: {name: b, namespace: shop}
  spec: {minAvailable: 0, selector: {matchLabels: {app: web}}}
"""


def test_errors_other_than_429_stop_kubectl_instead_of_retrying(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """kubectl drain retries only TooManyRequests; any other eviction error (here the 500 of
    a pod under two PDBs) ends the drain (k8s.io/kubectl/pkg/drain, evictPods)."""
    path = tmp_path / "two.yaml"
    path.write_text(TWO_PDBS)
    code, out, _ = run("drain", "n1", str(path))
    assert code == 1
    lines = out.splitlines()
    assert "blocked (kubectl retries every 5s until --timeout):" not in lines
    assert "refused (kubectl drain stops with this error):" in lines
    assert any(
        line.startswith("  shop/web-1: 500 InternalError: This pod has more") for line in lines
    )
