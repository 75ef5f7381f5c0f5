"""The admission chain in the API server's order, and its upstream switch."""

from __future__ import annotations

import pytest

from tests.admission.builders import context, node, pod, request
from vigil.admission import review


def test_first_denial_decides_in_api_server_order() -> None:
    obj = pod("web", "dev", priorityClassName="gold", tolerations=[{"operator": "Exists"}])
    outcome = review(request("Pod", obj, namespace="dev"), context())
    assert outcome.decision.stage == "Priority"
    assert outcome.trace[0] == "NodeRestriction: not a node's request"


def test_without_upstream_only_vigil_rules_run() -> None:
    obj = pod("web", "dev", priorityClassName="gold", tolerations=[{"operator": "Exists"}])
    outcome = review(request("Pod", obj, namespace="dev"), context(upstream=False))
    assert outcome.decision.stage == "vigil VA003"


def test_node_restriction_runs_before_everything() -> None:
    obj = node("node-b", {"node-restriction.kubernetes.io/isolation": "critical"})
    req = request("Node", obj, user="system:node:node-a", groups=("system:nodes",))
    outcome = review(req, context())
    assert outcome.decision.stage == "NodeRestriction"
    assert (
        outcome.decision.message
        == 'nodes "node-b" is forbidden: node "node-a" is not allowed to modify node "node-b"'
    )


def test_allowed_pod_trace_names_every_stage() -> None:
    outcome = review(
        request("Pod", pod("web", "dev", priorityClassName="dev-pc"), namespace="dev"), context()
    )
    assert outcome.decision.allowed
    assert [line.split(":")[0] for line in outcome.trace] == [
        "NodeRestriction",
        "Priority",
        "sidecar",
        "vigil rules on Pod dev/web",
    ]


def test_unknown_mode() -> None:
    with pytest.raises(ValueError, match="mode must be one of"):
        review(request("Pod", pod()), context(), "audit")
