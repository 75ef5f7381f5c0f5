"""Admission applies to pods being created; pods read back from a cluster keep what they have."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.scheduling.builders import make_pod
from vigil.cluster import ObjectMeta, Pod, PriorityAdmissionError, PriorityClass, Toleration
from vigil.cluster.admission import Admission, default_toleration_seconds

NOT_READY = Toleration("node.kubernetes.io/not-ready", "Exists", "", "NoExecute", 300)
UNREACHABLE = Toleration("node.kubernetes.io/unreachable", "Exists", "", "NoExecute", 300)
GOLD = PriorityClass(ObjectMeta("gold"), 1000)


def persisted(pod: Pod, priority: int | None = None) -> Pod:
    spec = pod.spec if priority is None else replace(pod.spec, priority=priority)
    return replace(pod, metadata=replace(pod.metadata, uid="u-1"), spec=spec)


def with_class(name: str) -> Pod:
    pod = make_pod("p").obj()
    return replace(pod, spec=replace(pod.spec, priority_class_name=name))


@pytest.mark.parametrize(
    ("tolerations", "added"),
    [
        ((), (NOT_READY, UNREACHABLE)),
        (
            (Toleration("node.kubernetes.io/not-ready", "Exists", "", "NoExecute", 60),),
            (UNREACHABLE,),
        ),
        ((Toleration("", "Exists"),), ()),
        ((Toleration("node.kubernetes.io/unreachable", "Exists", "", ""),), (NOT_READY,)),
        (
            (Toleration("node.kubernetes.io/not-ready", "Exists", "", "NoSchedule"),),
            (NOT_READY, UNREACHABLE),
        ),
    ],
    ids=["none", "not-ready tolerated", "tolerates everything", "empty effect", "other effect"],
)
def test_default_toleration_seconds(
    tolerations: tuple[Toleration, ...], added: tuple[Toleration, ...]
) -> None:
    pod = make_pod("p").obj()
    pod = replace(pod, spec=replace(pod.spec, tolerations=tolerations))
    assert default_toleration_seconds(pod).spec.tolerations == tolerations + added


def test_new_pod_is_admitted() -> None:
    admitted = Admission([GOLD]).admit(with_class("gold"))
    assert admitted.spec.priority == 1000
    assert admitted.spec.tolerations == (NOT_READY, UNREACHABLE)


def test_new_pod_with_unknown_class_is_rejected() -> None:
    with pytest.raises(PriorityAdmissionError, match="no PriorityClass with name silver"):
        Admission([GOLD]).admit(with_class("silver"))


def test_running_pod_keeps_its_priority_without_its_class() -> None:
    pod = persisted(with_class("silver"), priority=5000)
    admission = Admission([GOLD])
    assert not admission.needs_admission(pod)
    assert admission.admit(pod) is pod


def test_persisted_pod_without_priority_takes_a_known_class_else_stays() -> None:
    admission = Admission([GOLD])
    assert admission.admit(persisted(with_class("gold"))).spec.priority == 1000
    unknown = persisted(with_class("silver"))
    assert admission.admit(unknown) is unknown
