"""FitError messages: histogram, byte-wise sort, absent nodes, PreFilter and PostFilter parts."""

from __future__ import annotations

from tests.scheduling.builders import make_pod
from vigil.scheduling import Diagnosis, FitError, NodeToStatus, Status, reason_histogram

CP_TAINT = "node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }"


def _error(num: int, diagnosis: Diagnosis) -> str:
    return FitError(make_pod("p").obj(), num, diagnosis).message()


def test_brief_example() -> None:
    d = Diagnosis()
    d.node_to_status.set("cp", Status.unresolvable(CP_TAINT))
    d.node_to_status.set("w1", Status.unschedulable("Insufficient cpu"))
    d.node_to_status.set("w2", Status.unschedulable("Insufficient cpu"))
    assert _error(3, d) == f"0/3 nodes are available: 1 {CP_TAINT}, 2 Insufficient cpu."


def test_histogram_sorts_byte_wise() -> None:
    statuses = NodeToStatus()
    for i in range(10):
        statuses.set(f"a{i}", Status.unschedulable("Insufficient memory"))
    statuses.set("b", Status.unschedulable("Too many pods"))
    statuses.set("c1", Status.unschedulable("Insufficient cpu"))
    statuses.set("c2", Status.unschedulable("Insufficient cpu"))
    assert reason_histogram(13, statuses) == [
        "1 Too many pods",
        "10 Insufficient memory",
        "2 Insufficient cpu",
    ]


def test_several_reasons_per_node_are_each_counted() -> None:
    d = Diagnosis()
    d.node_to_status.set("n1", Status.unschedulable("Insufficient cpu", "Insufficient memory"))
    d.node_to_status.set("n2", Status.unschedulable("Insufficient memory"))
    assert _error(2, d) == "0/2 nodes are available: 1 Insufficient cpu, 2 Insufficient memory."


def test_absent_nodes_get_the_absent_status() -> None:
    d = Diagnosis()
    d.node_to_status.set("n1", Status.unschedulable("Insufficient cpu"))
    d.node_to_status.absent_status = Status.unresolvable(
        "node(s) didn't satisfy plugin(s) [NodeAffinity]"
    )
    assert _error(4, d) == (
        "0/4 nodes are available: 1 Insufficient cpu, 3 node(s) didn't satisfy plugin(s) [NodeAffinity]."
    )


def test_default_absent_status_has_no_reason_and_empty_histogram_is_omitted() -> None:
    assert _error(3, Diagnosis()) == "0/3 nodes are available:"


def test_pre_filter_message_replaces_the_histogram() -> None:
    d = Diagnosis(pre_filter_msg="pod affinity terms conflict")
    d.node_to_status.set("n1", Status.unschedulable("ignored"))
    assert _error(2, d) == "0/2 nodes are available: pod affinity terms conflict."


def test_post_filter_message_is_appended() -> None:
    d = Diagnosis(
        post_filter_msg="preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod"
    )
    d.node_to_status.set("n1", Status.unschedulable("Insufficient cpu"))
    d.node_to_status.set("n2", Status.unschedulable("Insufficient memory"))
    assert _error(2, d) == (
        "0/2 nodes are available: 1 Insufficient cpu, 1 Insufficient memory. "
        "preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod."
    )


def test_nodes_for_status_code() -> None:
    from vigil.scheduling import Code

    statuses = NodeToStatus()
    statuses.set("a", Status.unschedulable("x"))
    statuses.set("b", Status.unresolvable("y"))
    assert statuses.nodes_for_status_code(["a", "b", "c"], Code.UNSCHEDULABLE) == ["a"]
    assert statuses.nodes_for_status_code(["a", "b", "c"], Code.UNSCHEDULABLE_AND_UNRESOLVABLE) == [
        "b",
        "c",
    ]


def test_post_filter_message_with_its_own_period_is_not_doubled() -> None:
    d = Diagnosis(post_filter_msg="preemption: not eligible due to preemptionPolicy=Never.")
    d.node_to_status.set("n1", Status.unschedulable("Insufficient cpu"))
    assert _error(1, d) == (
        "0/1 nodes are available: 1 Insufficient cpu. preemption: not eligible due to preemptionPolicy=Never."
    )
