"""The Isolation plugin end to end: labels, exclusive pools, separation both ways, preemption,
exempt namespaces, untrusted labels, and the reasons in FitError messages."""

from __future__ import annotations

import pytest

from tests.scheduling.isolation.harness import critical_node, node, pod, run
from vigil.cluster.meta import ObjectMeta
from vigil.cluster.node import Node
from vigil.cluster.pod import Pod
from vigil.posture import PosturePolicy
from vigil.posture.risk import RiskContext
from vigil.scheduling import CycleState
from vigil.scheduling.nodeinfo import NodeInfo
from vigil.scheduling.plugins.isolation import NAME, Isolation, TierBook, with_isolation
from vigil.scheduling.plugins.isolation.plugin import new
from vigil.scheduling.podinfo import PodInfo
from vigil.scheduling.preemption import preemption_profile
from vigil.scheduling.status import Code

NO_EXCLUSIVE = {
    "isolation": [{"tier": "critical", "separateFrom": ["high-risk"]}],
}


def test_critical_pods_go_only_to_trusted_nodes() -> None:
    result = run(critical_node("crit-1"), node("gen-1"), pod("pay", "payments", critical=True))
    assert result.placements() == {"payments/pay": "crit-1"}


def test_critical_pod_without_trusted_nodes_explains_why() -> None:
    result = run(node("gen-1"), node("gen-2"), pod("pay", "payments", critical=True))
    assert result.placements() == {"payments/pay": None}
    outcome = result.result("payments/pay")
    assert outcome is not None
    assert outcome.message == (
        "0/2 nodes are available: 2 node(s) didn't have the isolation labels of tier critical. "
        "preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling."
    )


def test_a_label_a_kubelet_can_set_does_not_count() -> None:
    untrusted = node("fake", isolation="critical", **{"pool": "critical"})
    result = run(untrusted, pod("pay", "payments", critical=True))
    assert result.placements() == {"payments/pay": None}


def test_exclusive_pool_refuses_other_tiers() -> None:
    result = run(critical_node("crit-1"), pod("web", "web"))
    outcome = result.result("web/web")
    assert outcome is not None
    assert "1 node(s) were reserved for isolation tier critical" in outcome.message


def test_critical_never_beside_high_risk() -> None:
    result = run(
        node("gen-1"),
        node("gen-2"),
        pod("agent", "ops", node_name="gen-1", privileged=True),
        pod("pay", "payments", critical=True),
        policy=NO_EXCLUSIVE,
    )
    assert result.placements() == {"payments/pay": "gen-2"}


def test_high_risk_never_beside_critical_the_other_direction() -> None:
    result = run(
        node("gen-1"),
        node("gen-2"),
        pod("pay", "payments", node_name="gen-1", critical=True),
        pod("agent", "ops", privileged=True),
        policy=NO_EXCLUSIVE,
    )
    assert result.placements() == {"ops/agent": "gen-2"}


def test_separation_is_unschedulable_so_preemption_can_help() -> None:
    classes = """
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {name: top}
value: 1000000
"""
    result = run(
        node("gen-1"),
        classes,
        pod("agent", "ops", node_name="gen-1", privileged=True),
        pod("pay", "payments", critical=True, priority_class="top"),
        policy=NO_EXCLUSIVE,
    )
    attempts = result.attempts("payments/pay")
    assert attempts[0].message.startswith(
        "0/1 nodes are available: 1 node(s) had pods of tier high-risk, isolated from tier critical."
    )
    assert attempts[-1].node_name == "gen-1"
    assert result.placements()["payments/pay"] == "gen-1"


def test_exempt_namespaces_are_neither_placed_nor_counted() -> None:
    result = run(
        critical_node("crit-1"),
        pod("proxy", "kube-system", node_name="crit-1", privileged=True),
        pod("dns", "kube-system"),
        pod("pay", "payments", critical=True),
    )
    assert result.placements() == {"kube-system/dns": "crit-1", "payments/pay": "crit-1"}


def test_preferred_rules_never_bypass_isolation() -> None:
    preferred = """  affinity:
    nodeAffinity:
      preferredDuringSchedulingIgnoredDuringExecution:
      - weight: 100
        preference: {matchExpressions: [{key: kubernetes.io/hostname, operator: In, values: [gen-1]}]}"""
    result = run(
        node("gen-1"),
        node("gen-2"),
        pod("agent", "ops", node_name="gen-1", privileged=True),
        pod("pay", "payments", critical=True, extra_spec=preferred),
        policy=NO_EXCLUSIVE,
    )
    assert result.placements() == {"payments/pay": "gen-2"}


def test_score_prefers_neighbours_of_similar_risk() -> None:
    result = run(
        node("gen-1"),
        node("gen-2"),
        pod("agent", "ops", node_name="gen-1", privileged=True),
        pod("calm", "web", node_name="gen-2"),
        pod("risky", "ops", privileged=True),
        policy={"isolation": []},
    )
    outcome = result.result("ops/risky")
    assert outcome is not None
    assert outcome.node_name == "gen-1"
    assert outcome.scores["gen-1"][NAME].normalized == 100
    assert outcome.scores["gen-2"][NAME].normalized < 100


def _node(name: str, **labels: str) -> NodeInfo:
    return NodeInfo(Node(ObjectMeta(name, labels=labels)))


@pytest.mark.parametrize("use_batch", [False, True])
def test_filter_statuses_and_codes(use_batch: bool) -> None:
    from tests.posture.builders import context

    book = TierBook(context(PosturePolicy()))
    plugin = Isolation(book)
    pay = Pod(ObjectMeta("pay", "payments", labels={"vigil.dev/tier": "critical"}))
    plain = _node("gen")
    crit = _node("crit", **{"node-restriction.kubernetes.io/isolation": "critical"})
    state = CycleState()
    plugin.pre_filter(state, pay, [plain, crit])
    status = plugin.filter(state, pay, plain)
    assert status.code is Code.UNSCHEDULABLE_AND_UNRESOLVABLE
    assert plugin.filter(state, pay, crit).is_success()
    if use_batch:
        from vigil.scheduling.nodetable import NodeTable

        table = NodeTable([plain, crit])
        assert plugin.filter_batch(state, pay, table).tolist() == [False, True]


def test_exempt_pods_skip_prefilter_and_prescore() -> None:
    from tests.posture.builders import context

    plugin = Isolation(TierBook(context()))
    system = Pod(ObjectMeta("dns", "kube-system"))
    assert plugin.pre_filter(CycleState(), system, [])[1].is_skip()
    assert plugin.pre_score(CycleState(), system, []).is_skip()


def test_factory_needs_a_context() -> None:
    with pytest.raises(TypeError, match="RiskContext"):
        new({}, None)  # type: ignore[arg-type]
    assert isinstance(new({"context": RiskContext(PosturePolicy())}, None), Isolation)  # type: ignore[arg-type]


def test_with_isolation_places_the_plugin_after_node_affinity_once() -> None:
    profile = with_isolation(preemption_profile(), RiskContext(PosturePolicy()))
    again = with_isolation(profile, RiskContext(PosturePolicy()))
    assert again.filter.index(NAME) == again.filter.index("NodeAffinity") + 1
    assert again.filter.count(NAME) == 1
    assert [n for n, _ in again.score].count(NAME) == 1


def test_node_info_pods_are_read_directly() -> None:
    from tests.posture.builders import context

    plugin = Isolation(
        TierBook(
            context(
                PosturePolicy.model_validate(
                    {"isolation": [{"tier": "critical", "separateFrom": ["high-risk"]}]}
                )
            )
        )
    )
    from tests.posture.builders import container, spec

    risky = Pod(
        ObjectMeta("agent", "ops"),
        spec(hostNetwork=True, containers=[container(securityContext={"privileged": True})]),
    )
    pay = Pod(ObjectMeta("pay", "payments", labels={"vigil.dev/tier": "critical"}))
    info = _node("gen")
    state = CycleState()
    plugin.pre_filter(state, pay, [info])
    assert plugin.filter(state, pay, info).is_success()
    info.add_pod(PodInfo.of(risky))
    status = plugin.filter(state, pay, info)
    assert status.code is Code.UNSCHEDULABLE
    assert status.reasons == ("node(s) had pods of tier high-risk, isolated from tier critical",)
