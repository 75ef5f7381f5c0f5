"""Priority admission: class resolution, global default, system classes, conflicts."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.scheduling.builders import make_pod
from vigil.cluster import ObjectMeta, Pod, PriorityClass
from vigil.cluster.priority import PriorityAdmissionError, PriorityResolver, validate_priority_class


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


@pytest.mark.parametrize(
    ("pc", "ok"),
    [
        (_pc("system-cluster-critical", 2_000_000_000), True),
        (_pc("system-cluster-critical", 5), False),
        (_pc("system-custom", 5), False),
        (_pc("user", 1_000_000_000), True),
        (_pc("user", 1_000_000_001), False),
        (_pc("negative", -5), True),
    ],
)
def test_validate_priority_class(pc: PriorityClass, ok: bool) -> None:
    assert (validate_priority_class(pc) is None) is ok
