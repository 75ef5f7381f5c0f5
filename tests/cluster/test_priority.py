"""Priority admission: class resolution, global default, system classes, conflicts."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.scheduling.builders import make_pod
from vigil.cluster import ObjectMeta, Pod, PriorityClass
from vigil.cluster.priority import PriorityAdmissionError, PriorityResolver


def _pod(class_name: str = "", priority: int | None = None, policy: str | None = None) -> Pod:
    pod = make_pod("p").obj()
    return replace(
        pod,
        spec=replace(
            pod.spec, priority_class_name=class_name, priority=priority, preemption_policy=policy
        ),
    )


def _pc(
    name: str, value: int, *, default: bool = False, policy: str = "PreemptLowerPriority"
) -> PriorityClass:
    return PriorityClass(ObjectMeta(name), value, default, policy)


@pytest.mark.parametrize(
    ("classes", "pod", "expected"),
    [
        ([], _pod(), ("", 0, "PreemptLowerPriority")),
        ([_pc("high", 1000)], _pod("high"), ("high", 1000, "PreemptLowerPriority")),
        ([_pc("batch", 10, policy="Never")], _pod("batch"), ("batch", 10, "Never")),
        ([_pc("base", 5, default=True)], _pod(), ("base", 5, "PreemptLowerPriority")),
        (
            [_pc("a", 5, default=True), _pc("b", 3, default=True)],
            _pod(),
            ("b", 3, "PreemptLowerPriority"),
        ),
        (
            [],
            _pod("system-cluster-critical"),
            ("system-cluster-critical", 2_000_000_000, "PreemptLowerPriority"),
        ),
        (
            [],
            _pod("system-node-critical"),
            ("system-node-critical", 2_000_001_000, "PreemptLowerPriority"),
        ),
        ([_pc("high", 1000)], _pod("high", 1000), ("high", 1000, "PreemptLowerPriority")),
    ],
)
def test_admit(classes: list[PriorityClass], pod: Pod, expected: tuple[str, int, str]) -> None:
    admitted = PriorityResolver(classes).admit(pod)
    assert (
        admitted.spec.priority_class_name,
        admitted.spec.priority,
        admitted.spec.preemption_policy,
    ) == expected


@pytest.mark.parametrize(
    ("pod", "message"),
    [
        (_pod("gold"), "no PriorityClass with name gold was found"),
        (
            _pod("high", 5),
            "the integer value of priority (5) must not be provided in pod spec; priority admission "
            "controller computed 1000 from the given PriorityClass name",
        ),
        (
            _pod("high", None, "Never"),
            "the string value of PreemptionPolicy (Never) must not be provided in pod spec; priority "
            "admission controller computed PreemptLowerPriority from the given PriorityClass name",
        ),
    ],
)
def test_admission_errors(pod: Pod, message: str) -> None:
    with pytest.raises(PriorityAdmissionError) as info:
        PriorityResolver([_pc("high", 1000)]).admit(pod)
    assert str(info.value) == message


def test_system_classes_cannot_be_replaced_by_an_object_of_the_input() -> None:
    resolver = PriorityResolver([_pc("system-node-critical", 7)])
    assert resolver.lookup("system-node-critical").priority == 2_000_001_000


def test_resolve_names_where_the_values_come_from() -> None:
    resolver = PriorityResolver([_pc("high", 1000)])
    assert resolver.resolve("high").reason == "PriorityClass high"
    assert resolver.resolve("").reason == "no PriorityClass and no global default"
    assert resolver.resolve("", 0, "PreemptLowerPriority").priority == 0
