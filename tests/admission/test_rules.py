"""vigil's rules at admission: the audit checks of the same id, deny or warn per policy."""

from __future__ import annotations

from typing import Any

from tests.admission.builders import CLASSES, context, pod, request
from vigil.admission import review
from vigil.admission.rules import holder_of, rule_decision, run_rules

SEED_POLICY = {
    "priority": {"namespaces": {"prod": ["prod-pc"], "preprod": ["preprod-pc"], "dev": ["dev-pc"]}}
}


def _deployment(namespace: str, **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "batch", "namespace": namespace},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "batch"}},
            "template": {
                "metadata": {"labels": {"app": "batch"}},
                "spec": {"containers": [{"name": "b", "image": "b:1"}], **spec},
            },
        },
    }


def test_seed_priority_class_per_namespace() -> None:
    ctx = context(CLASSES, SEED_POLICY)
    wrong = review(
        request("Pod", pod("nginx", "dev", priorityClassName="prod-pc"), namespace="dev"), ctx
    )
    assert not wrong.decision.allowed
    assert wrong.decision.code == 403
    assert wrong.decision.message == (
        "vigil denied the request: VA008 namespace-priority-class: Pod dev/nginx namespace dev expects "
        "PriorityClass dev-pc; this pod uses PriorityClass prod-pc"
    )
    right = review(
        request("Pod", pod("nginx", "dev", priorityClassName="dev-pc"), namespace="dev"), ctx
    )
    assert right.decision.allowed


def test_wildcard_toleration_on_a_deployment_is_denied_unless_namespace_allowed() -> None:
    obj = _deployment("data", tolerations=[{"operator": "Exists"}])
    denied = review(request("Deployment", obj, namespace="data"), context())
    assert denied.decision.message.startswith(
        "vigil denied the request: VA003 toleration-reaches-reserved-nodes: Deployment data/batch tolerates every taint"
    )
    allowed_ns = context(policy={"reservedNodes": {"allowedNamespaces": ["data"]}})
    assert review(request("Deployment", obj, namespace="data"), allowed_ns).decision.allowed


def test_node_name_and_reserved_node_selectors() -> None:
    pinned = review(request("Pod", pod("p", "web", nodeName="cp-1"), namespace="web"), context())
    assert "VA004 node-name-set" in pinned.decision.message
    selector = pod("p", "web", nodeSelector={"node-role.kubernetes.io/control-plane": ""})
    drawn = review(request("Pod", selector, namespace="web"), context())
    assert "VA006 attracted-to-critical-nodes" in drawn.decision.message


def test_isolation_labels_of_another_tier_are_denied() -> None:
    obj = pod("p", "web", nodeSelector={"node-restriction.kubernetes.io/isolation": "critical"})
    outcome = review(request("Pod", obj, namespace="web"), context())
    assert (
        "tier standard is drawn to the nodes of isolation tier critical" in outcome.decision.message
    )
    critical = pod(
        "p", "pay", nodeSelector={"node-restriction.kubernetes.io/isolation": "critical"}
    )
    critical["metadata"]["labels"] = {"vigil.dev/tier": "critical"}
    critical["spec"]["priorityClassName"] = "system-cluster-critical"
    assert review(request("Pod", critical, namespace="pay"), context()).decision.allowed


def test_warn_level_rules_answer_with_warnings() -> None:
    obj = pod("p", "pay", nodeSelector={"pool": "secure"})
    obj["metadata"]["labels"] = {"vigil.dev/tier": "critical"}
    outcome = review(request("Pod", obj, namespace="pay"), context())
    assert outcome.decision.allowed
    assert [w.split(":")[0] for w in outcome.warnings] == [
        "VA002 isolation-on-kubelet-label",
        "VA007 critical-without-high-priority",
    ]


def test_policy_can_make_a_warning_deny() -> None:
    obj = pod(
        "p", "pay", nodeSelector={"pool": "secure"}, priorityClassName="system-cluster-critical"
    )
    obj["metadata"]["labels"] = {"vigil.dev/tier": "critical"}
    ctx = context(policy={"admission": {"deny": ["VA002"]}})
    outcome = review(request("Pod", obj, namespace="pay"), ctx)
    assert not outcome.decision.allowed
    assert outcome.decision.stage == "vigil VA002"


def test_other_kinds_and_operations_are_not_judged() -> None:
    assert holder_of(request("Node", {"metadata": {"name": "n"}})) is None
    found, trace = run_rules(
        request("Pod", None, operation="DELETE", name="p", namespace="x"), context()
    )
    assert (found, trace) == ([], "vigil rules: nothing to do for this operation")
    assert rule_decision(request("Pod", pod()), context(), []) == (None, [])


def test_unreadable_object_is_a_bad_request() -> None:
    bad = pod()
    bad["spec"]["containers"] = "nope"
    outcome = review(request("Pod", bad, namespace="dev", user="bob"), context(), "validate")
    assert (outcome.decision.code, outcome.decision.reason) == (400, "BadRequest")


API_SERVER_STATUS = {"phase": "Pending", "qosClass": "BestEffort"}
"""What the API server writes into ``status`` on create (``PrepareForCreate``), before any
webhook sees the pod."""


def test_a_created_pod_with_node_name_is_judged_whatever_status_and_owners_it_carries() -> None:
    as_sent = pod("p", "web", nodeName="cp-1")
    as_sent["status"] = API_SERVER_STATUS
    owned = pod("q", "web", nodeName="cp-1")
    owned["metadata"]["ownerReferences"] = [
        {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "x", "uid": "1", "controller": True}
    ]
    for obj in (as_sent, owned):
        outcome = review(request("Pod", obj, namespace="web"), context(), "validate")
        assert "VA004 node-name-set" in outcome.decision.message


def test_an_update_of_a_pod_already_on_its_node_is_not_judged_for_node_name() -> None:
    bound = pod("p", "web", nodeName="cp-1")
    bound["status"] = {"phase": "Running"}
    outcome = review(
        request("Pod", bound, namespace="web", operation="UPDATE", old=bound), context(), "validate"
    )
    assert "VA004" not in outcome.decision.message


def test_only_the_kubelet_of_the_node_creates_mirror_pods_exempt_from_node_name() -> None:
    mirror = pod("etcd-cp-1", "web", nodeName="cp-1")
    mirror["metadata"]["annotations"] = {"kubernetes.io/config.mirror": "abc"}
    by_user = review(request("Pod", mirror, namespace="web"), context(), "validate")
    assert "VA004 node-name-set" in by_user.decision.message
    by_kubelet = review(
        request("Pod", mirror, namespace="web", user="system:node:cp-1", groups=("system:nodes",)),
        context(upstream=False),
        "validate",
    )
    assert "VA004" not in by_kubelet.decision.message
