"""Check details beyond the fixtures: messages, exemptions, the no-node mode, components."""

from __future__ import annotations

import pytest

from tests.audit.harness import FIXTURES, audit, checks_of
from vigil.posture import PosturePolicy

CRITICAL = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: ledger, namespace: payments}
spec:
  selector: {matchLabels: {app: ledger}}
  template:
    metadata: {labels: {app: ledger, vigil.dev/tier: critical}}
    spec:
      priorityClassName: system-cluster-critical
      nodeSelector: {SELECTOR}
      containers: [{name: ledger, image: ledger:1.4}]
"""

RISKY = """
apiVersion: v1
kind: Service
metadata: {name: front, namespace: web}
spec: {type: LoadBalancer, selector: {app: front}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: front, namespace: web}
spec:
  selector: {matchLabels: {app: front}}
  template:
    metadata: {labels: {app: front}}
    spec:
      nodeSelector: {SELECTOR}
      containers: [{name: front, image: front:3}]
"""


def _crit(selector: str = "{}") -> str:
    return CRITICAL.replace("{SELECTOR}", selector)


def _risky(selector: str = "{}") -> str:
    return RISKY.replace("{SELECTOR}", selector)


def test_without_nodes_exposed_workloads_meet_critical_ones() -> None:
    report = audit(_crit() + "---\n" + _risky())
    (va001,) = [f for f in report.active if f.check.id == "VA001"]
    assert va001.message == (
        "can share a node with Deployment web/front (exposed) (no nodes in the input: judged "
        "from the pod specs alone)"
    )


def test_without_nodes_disjoint_selectors_keep_them_apart() -> None:
    sel = "{node-restriction.kubernetes.io/isolation: %s}"
    report = audit(_crit(sel % "critical") + "---\n" + _risky(sel % "general"))
    assert "VA001" not in checks_of(report)


def test_required_anti_affinity_keeps_them_apart() -> None:
    crit = _crit().replace(
        "      containers:",
        "      affinity:\n        podAntiAffinity:\n          requiredDuringSchedulingIgnoredDuringExecution:\n"
        "          - topologyKey: kubernetes.io/hostname\n            namespaces: [web]\n"
        "            labelSelector: {matchLabels: {app: front}}\n      containers:",
    )
    assert "VA001" not in checks_of(audit(crit + "---\n" + _risky()))


def test_exempt_namespaces_are_not_risky_neighbours() -> None:
    agent = (
        (FIXTURES / "VA001" / "fail.yaml")
        .read_text(encoding="utf-8")
        .replace("namespace: ops", "namespace: kube-system")
    )
    assert "VA001" not in checks_of(audit(agent))


def test_dedicated_workload_on_kubelet_label_is_flagged() -> None:
    text = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: gpu, namespace: ml}
spec:
  selector: {matchLabels: {app: gpu}}
  template:
    metadata: {labels: {app: gpu}}
    spec:
      nodeSelector: {accelerator: a100}
      tolerations: [{key: dedicated, operator: Exists}]
      containers: [{name: t, image: t}]
"""
    policy = PosturePolicy.model_validate(
        {"reservedNodes": {"taintKeys": ["dedicated"], "allowedNamespaces": ["ml"]}}
    )
    (finding,) = [f for f in audit(text, policy).active if f.check.id == "VA002"]
    assert finding.message.startswith(
        "a workload on reserved nodes selects nodes by label accelerator"
    )


def test_pod_affinity_to_critical_pods_is_a_magnet() -> None:
    magnet = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: sidekick, namespace: payments}
spec:
  selector: {matchLabels: {app: sidekick}}
  template:
    metadata: {labels: {app: sidekick}}
    spec:
      affinity:
        podAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
          - weight: 10
            podAffinityTerm:
              topologyKey: kubernetes.io/hostname
              labelSelector: {matchLabels: {app: ledger}}
      containers: [{name: s, image: s}]
"""
    (finding,) = [f for f in audit(_crit() + "---\n" + magnet).active if f.check.id == "VA006"]
    assert finding.message == (
        "is drawn next to critical pods: preferred pod affinity to critical pods of Deployment "
        "payments/ledger"
    )


def test_reserved_node_selection_outside_allowed_namespaces() -> None:
    text = _risky("{node-role.kubernetes.io/control-plane: ''}")
    (finding,) = [f for f in audit(text).active if f.check.id == "VA006"]
    assert (
        "is drawn to reserved nodes by nodeSelector node-role.kubernetes.io/control-plane="
        in finding.message
    )


def test_node_name_on_a_reserved_node_says_so() -> None:
    text = (
        (FIXTURES / "VA004" / "fail.yaml").read_text(encoding="utf-8")
        + """
---
apiVersion: v1
kind: Node
metadata: {name: control-plane-1, labels: {node-role.kubernetes.io/control-plane: ""}}
spec:
  taints: [{key: node-role.kubernetes.io/control-plane, effect: NoSchedule}]
"""
    )
    (finding,) = [f for f in audit(text).active if f.check.id == "VA004"]
    assert finding.message.endswith(
        "; node control-plane-1 is reserved (node-role.kubernetes.io/control-plane)"
    )
    assert finding.path == "spec.template.spec.nodeName"


def test_critical_with_unknown_class_is_not_guessed() -> None:
    text = _crit().replace("system-cluster-critical", "somewhere-else")
    assert "VA007" not in checks_of(audit(text))


def test_critical_with_low_class() -> None:
    text = (
        _crit().replace("system-cluster-critical", "low")
        + """
---
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {name: low}
value: 100
"""
    )
    (finding,) = [f for f in audit(text).active if f.check.id == "VA007"]
    assert finding.message.startswith(
        "a critical workload runs with PriorityClass low (100), below 1000000"
    )


def test_namespace_without_class_uses_the_global_default() -> None:
    policy = PosturePolicy.model_validate({"priority": {"namespaces": {"dev": ["dev-pc"]}}})
    text = """
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {name: dev-pc}
value: 1000
globalDefault: true
---
apiVersion: v1
kind: Pod
metadata: {name: p, namespace: dev}
spec: {containers: [{name: c, image: c}]}
"""
    assert "VA008" not in checks_of(audit(text, policy))
    plain = text.replace("globalDefault: true", "globalDefault: false")
    (finding,) = [f for f in audit(plain, policy).active if f.check.id == "VA008"]
    assert (
        finding.message
        == "namespace dev expects PriorityClass dev-pc; this pod uses no PriorityClass"
    )


def test_pdb_percentages() -> None:
    pdb = """
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: p, namespace: a}
spec: {VALUE, selector: {matchLabels: {app: x}}}
"""
    for value, flagged in (
        ("minAvailable: 100%", True),
        ("maxUnavailable: 0%", True),
        ("minAvailable: 50%", False),
    ):
        assert ("VA009" in checks_of(audit(pdb.replace("VALUE", value)))) is flagged, value


WEB_AND_PDB = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: a}
spec:
  replicas: 3
  selector: {matchLabels: {app: x}}
  template:
    metadata: {labels: {app: x}}
    spec: {containers: [{name: c, image: nginx}]}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: p, namespace: a}
spec: {VALUE, selector: {matchLabels: {app: x}}}
"""


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            "minAvailable: 99%",
            "minAvailable 99% of 3 replica(s) rounds up to 3: no pod it selects (Deployment a/web) "
            "can ever be evicted, so their nodes cannot be drained",
        ),
        (
            "minAvailable: 67%",
            "minAvailable 67% of 3 replica(s) rounds up to 3: no pod it selects (Deployment a/web) "
            "can ever be evicted, so their nodes cannot be drained",
        ),
        ("minAvailable: 66%", None),
        ("maxUnavailable: 1%", None),
        ("minAvailable: 2", None),
    ],
)
def test_pdb_percentages_round_up_as_the_disruption_controller_does(
    value: str, message: str | None
) -> None:
    """desiredHealthy = ceil(pct * expected / 100) (``GetScaledValueFromIntOrPercent`` with
    roundUp, pkg/controller/disruption/disruption.go): 67% of 3 needs all 3."""
    found = [f for f in audit(WEB_AND_PDB.replace("VALUE", value)).active if f.check.id == "VA009"]
    assert [f.message for f in found] == ([] if message is None else [message])


def test_isolation_taints_are_reserved_to_their_tier() -> None:
    policy = PosturePolicy.model_validate(
        {
            "isolation": [
                {
                    "tier": "critical",
                    "nodeLabels": {"node-restriction.kubernetes.io/isolation": "critical"},
                    "taintKeys": ["dedicated"],
                }
            ]
        }
    )
    toleration = "      tolerations: [{key: dedicated, operator: Exists}]\n      containers:"
    own = _crit().replace("      containers:", toleration)
    assert "VA003" not in checks_of(audit(own, policy))
    other = _risky().replace("      containers:", toleration)
    (finding,) = [f for f in audit(other, policy).active if f.check.id == "VA003"]
    assert finding.message == (
        "tolerates dedicated, the taint that keeps other tiers off the nodes of isolation tier "
        "critical, so it can run there"
    )
