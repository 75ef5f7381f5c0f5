"""The check registry: ids are unique and every check runs exactly one way."""

from __future__ import annotations

import pytest

from vigil.audit.model import Check, Severity
from vigil.audit.registry import REGISTRY, all_checks, cluster_check


def test_every_check_has_one_rule() -> None:
    for entry in all_checks():
        assert (entry.pod_rule is None) != (entry.cluster_rule is None), entry.check.id


def test_ids_are_sorted_and_unique() -> None:
    ids = [e.check.id for e in all_checks()]
    assert ids == sorted(set(ids))


def test_registering_an_id_twice_is_an_error() -> None:
    existing = next(iter(REGISTRY.values())).check
    duplicate = Check(existing.id, "x", "x", Severity.LOW, "x.", "x.")
    with pytest.raises(ValueError, match="registered twice"):
        cluster_check(duplicate)(lambda ctx: iter(()))


def test_severity_parse() -> None:
    assert Severity.parse("HIGH") is Severity.HIGH
    with pytest.raises(ValueError, match="unknown severity 'urgent'"):
        Severity.parse("urgent")
