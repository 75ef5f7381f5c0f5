"""``vigil evict`` on the multi-team export and the seed scenario."""

from __future__ import annotations

from pathlib import Path

from tests.cli.fixture import EXPORT, run, run_json

SEED = Path(__file__).resolve().parents[1] / "scheduling" / "fixtures" / "seed"


def test_a_web_pod_uses_the_recorded_budget() -> None:
    data = run_json("evict", "shop/web-5d8f7b9c44-kq2nt", EXPORT)
    assert data == {
        "pod": "shop/web-5d8f7b9c44-kq2nt",
        "allowed": True,
        "code": 200,
        "reason": "",
        "message": "web allows 1 disruption(s); this eviction uses one",
        "causes": [],
        "pdb": "shop/web",
    }


def test_the_ready_api_pod_is_refused_with_upstreams_cause() -> None:
    data = run_json("evict", "payments/api-7f9c6d8b5-d4h8s", EXPORT, code=1)
    assert (data["code"], data["reason"], data["pdb"]) == (429, "TooManyRequests", "payments/api")
    assert data["message"] == "Cannot evict pod as it would violate the pod's disruption budget."
    assert data["causes"] == [
        {
            "reason": "DisruptionBudget",
            "message": "The disruption budget api needs 1 healthy pods and has 1 currently",
        }
    ]
    code, out, _ = run("evict", "payments/api-7f9c6d8b5-d4h8s", EXPORT)
    assert code == 1
    assert out.startswith("payments/api-7f9c6d8b5-d4h8s: eviction refused: 429 TooManyRequests")


def test_the_crash_looping_api_pod_goes_without_the_budget() -> None:
    data = run_json("evict", "payments/api-7f9c6d8b5-x2m6n", EXPORT)
    assert data["allowed"]
    assert data["message"].startswith("the pod is not Ready and api is met")


def test_pods_without_pdb_and_errors() -> None:
    assert run_json("evict", "kube-system/kube-apiserver-cp-1", EXPORT)["message"] == (
        "no PodDisruptionBudget guards the pod"
    )
    code, _, err = run("evict", "shop/nope", EXPORT)
    assert (code, err.strip()) == (2, "Error: no pod shop/nope in the input")
    assert run("evict", "a/b/c", EXPORT)[0] == 2


def test_the_seed_pdb_with_always_allow(tmp_path: Path) -> None:
    files = [str(SEED / n) for n in ("node.yaml", "priority-classes.yaml", "pdb-always-allow.yaml")]
    running = SEED / "running-with-classes.yaml"
    data = run_json("evict", "default/dev", *files, str(running), code=1)
    assert data["causes"][0]["message"] == (
        "The disruption budget nginx needs 0 healthy pods and has 2 currently"
    )
    unready = tmp_path / "unready.yaml"
    unready.write_text(
        running.read_text().replace(
            '{type: Ready, status: "True"}', '{type: Ready, status: "False"}', 1
        )
    )
    data = run_json("evict", "default/dev", *files, str(unready))
    assert data["allowed"]
    assert "unhealthyPodEvictionPolicy AlwaysAllow" in data["message"]
    assert run_json("evict", "default/dev", *files[:2], str(unready))["message"] == (
        "no PodDisruptionBudget guards the pod"
    )


PODS_WITHOUT_CONTROLLERS = """
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Pod
  metadata:
    name: web-1
    namespace: shop
    labels: {app: web}
    ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: web-rs, uid: r1, controller: true}]
  spec: {nodeName: n1, containers: [{name: a, image: nginx}]}
  status: {phase: Running, conditions: [{type: Ready, status: "True"}]}
- apiVersion: policy/v1
  kind: PodDisruptionBudget
  metadata: {name: web, namespace: shop}
  spec: {maxUnavailable: 1, selector: {matchLabels: {app: web}}}
"""


def test_a_budget_that_cannot_be_computed_says_why(tmp_path: Path) -> None:
    """An export of pods and PDBs without their ReplicaSets: the disruption controller's sync
    fails (found no controllers), upstream's failSafe allows no disruption, and the text says
    why instead of only 'needs 0 healthy pods and has 0 currently'."""
    path = tmp_path / "pods.yaml"
    path.write_text(PODS_WITHOUT_CONTROLLERS)
    code, out, _ = run("evict", "shop/web-1", str(path))
    assert code == 1
    text = " ".join(line.strip() for line in out.splitlines())
    assert (
        "the disruption controller cannot compute its status (SyncFailed: found no controllers "
        'for pod "web-1"), so no disruption is allowed; add the pods\' controllers to the input'
    ) in text
    assert max(len(line) for line in out.splitlines()) <= 120
