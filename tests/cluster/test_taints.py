"""Toleration matching (``ToleratesTaint``) and the first-untolerated-taint search."""

from __future__ import annotations

import pytest

from vigil.cluster import Taint, Toleration
from vigil.cluster.taints import find_untolerated_taint, is_do_not_schedule, tolerates

TAINT = Taint("dedicated", "NoSchedule", "gpu")


@pytest.mark.parametrize(
    ("toleration", "expected"),
    [
        (Toleration("dedicated", "Equal", "gpu", "NoSchedule"), True),
        (Toleration("dedicated", "", "gpu", "NoSchedule"), True),
        (Toleration("dedicated", "Equal", "cpu", "NoSchedule"), False),
        (Toleration("dedicated", "Equal", "", "NoSchedule"), False),
        (Toleration("dedicated", "Exists", "", "NoSchedule"), True),
        (Toleration("dedicated", "Exists", "", ""), True),
        (Toleration("dedicated", "Exists", "", "NoExecute"), False),
        (Toleration("", "Exists", "", ""), True),
        (Toleration("", "Exists", "", "PreferNoSchedule"), False),
        (Toleration("other", "Exists", "", ""), False),
        (Toleration("dedicated", "Gt", "1", "NoSchedule"), False),
        (Toleration("dedicated", "Bogus", "gpu", "NoSchedule"), False),
    ],
)
def test_tolerates(toleration: Toleration, expected: bool) -> None:
    assert tolerates(toleration, TAINT) is expected


def test_empty_value_taint_needs_empty_value_or_exists() -> None:
    cp = Taint("node-role.kubernetes.io/control-plane", "NoSchedule")
    assert tolerates(Toleration("node-role.kubernetes.io/control-plane", "", "", "NoSchedule"), cp)
    assert tolerates(Toleration("node-role.kubernetes.io/control-plane", "Exists"), cp)
    assert not tolerates(Toleration("node-role.kubernetes.io/control-plane", "Equal", "x"), cp)


def test_first_untolerated_hard_taint_in_node_order() -> None:
    taints = (
        Taint("soft", "PreferNoSchedule"),
        Taint("a", "NoSchedule"),
        Taint("b", "NoExecute", "1"),
    )
    assert find_untolerated_taint(taints, ()) == taints[1]
    assert find_untolerated_taint(taints, (Toleration("a", "Exists"),)) == taints[2]
    assert find_untolerated_taint(taints, (Toleration("", "Exists"),)) is None
    assert not is_do_not_schedule(taints[0])
