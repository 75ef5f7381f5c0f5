"""The audit context: priorities as admission would resolve them, components, memoized profiles."""

from __future__ import annotations

from datetime import date

from vigil.audit import parse_sources
from vigil.audit.context import AuditContext, Priority
from vigil.posture import PosturePolicy

TEXT = """
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {name: base}
value: 7
globalDefault: true
---
apiVersion: v1
kind: Pod
metadata: {name: a, namespace: x}
spec: {containers: [{name: c}]}
---
apiVersion: v1
kind: Pod
metadata: {name: cluster-autoscaler-1, namespace: kube-system}
spec: {priorityClassName: system-node-critical, containers: [{name: c}]}
---
apiVersion: v1
kind: Pod
metadata: {name: b, namespace: vigil-system}
spec: {priorityClassName: elsewhere, containers: [{name: c}]}
"""


def test_priorities_components_and_memo() -> None:
    inv = parse_sources([("t.yaml", TEXT)])
    ctx = AuditContext.build(inv, PosturePolicy(), date(2026, 1, 1))
    a, autoscaler, vigil_pod = inv.holders
    assert ctx.priority(a) == Priority("base", 7)
    assert ctx.priority(autoscaler) == Priority("system-node-critical", 2_000_001_000)
    assert ctx.priority(vigil_pod) == Priority("elsewhere", None)
    assert [ctx.component(h) for h in inv.holders] == [False, True, True]
    assert ctx.profile(a) is ctx.profile(a)
    assert ctx.exempt(autoscaler)
    assert not ctx.protected(a)
