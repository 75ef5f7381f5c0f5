"""Status values and codes."""

from __future__ import annotations

from vigil.scheduling import SKIP, SUCCESS, Code, Status


def test_codes_mirror_upstream_values() -> None:
    assert [c.name for c in Code] == [
        "SUCCESS",
        "ERROR",
        "UNSCHEDULABLE",
        "UNSCHEDULABLE_AND_UNRESOLVABLE",
        "WAIT",
        "SKIP",
    ]
    assert [int(c) for c in Code] == [0, 1, 2, 3, 4, 5]


def test_predicates_and_message() -> None:
    s = Status.unschedulable("Insufficient cpu", "Insufficient memory").with_plugin(
        "NodeResourcesFit"
    )
    assert s.is_rejected()
    assert not s.is_success()
    assert s.message() == "Insufficient cpu, Insufficient memory"
    assert s.plugin == "NodeResourcesFit"
    assert Status.unresolvable("x").code is Code.UNSCHEDULABLE_AND_UNRESOLVABLE
    assert Status.unresolvable("x").is_rejected()
    assert not Status.error("boom").is_rejected()
    assert SUCCESS.is_success()
    assert SKIP.is_skip()
    assert not SKIP.is_success()
