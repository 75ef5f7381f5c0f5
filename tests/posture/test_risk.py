"""Risk profiles: each factor, its weight and reason, and the resulting tier."""

from __future__ import annotations

from typing import Any

import pytest

from tests.posture.builders import container, context, non_root, service, spec
from vigil.posture.alerts import parse_alerts
from vigil.posture.policy import PosturePolicy
from vigil.posture.risk import RiskFactor, assess, risk_items


@pytest.mark.parametrize(
    ("fields", "factor", "weight", "reason"),
    [
        (
            {"containers": [container(securityContext={"privileged": True})]},
            RiskFactor.PRIVILEGED,
            40,
            "privileged containers app",
        ),
        ({"hostNetwork": True}, RiskFactor.HOST_NETWORK, 25, "shares the node's network namespace"),
        ({"hostPID": True}, RiskFactor.HOST_PID, 25, "shares the node's PID namespace"),
        ({"hostIPC": True}, RiskFactor.HOST_IPC, 15, "shares the node's IPC namespace"),
        (
            {"volumes": [{"name": "v", "hostPath": {"path": "/etc"}}]},
            RiskFactor.HOST_PATH,
            30,
            "mounts host paths /etc",
        ),
        (
            {"containers": [container(securityContext={"capabilities": {"add": ["SYS_ADMIN"]}})]},
            RiskFactor.CAPABILITIES,
            15,
            "adds capabilities SYS_ADMIN",
        ),
        (
            {"volumes": [{"name": "v", "secret": {"secretName": "db"}}]},
            RiskFactor.SECRETS,
            5,
            "reads secrets db",
        ),
    ],
)
def test_each_factor(fields: dict[str, Any], factor: RiskFactor, weight: int, reason: str) -> None:
    items = risk_items("ns", {}, non_root(**fields), context())
    item = next(i for i in items if i.factor is factor)
    assert (item.weight, item.reason) == (weight, reason)


def test_plain_non_root_pod_has_only_namespace_trust() -> None:
    profile = assess("ns", {}, non_root(), context())
    assert [i.factor for i in profile.items] == [RiskFactor.NAMESPACE_TRUST]
    assert profile.score == 5
    assert profile.tier == "standard"
    assert not profile.can_escape()


def test_root_exposure_trust_and_alerts() -> None:
    alerts = parse_alerts(
        '{"pod": "web/p", "alerts": [{"severity": "critical"}, {"severity": "critical"}]}'
    )
    ctx = context(
        services=(service("lb", "web", "LoadBalancer", app="a"),),
        namespaces={"web": {"vigil.dev/trust": "untrusted"}},
        alerts=alerts,
    )
    profile = assess("web", {"app": "a"}, spec(), ctx, pod_key="web/p")
    by_factor = {i.factor: i for i in profile.items}
    assert by_factor[RiskFactor.RUN_AS_ROOT].reason == "may run as root: app"
    assert by_factor[RiskFactor.EXPOSED].reason == "exposed through Service lb (LoadBalancer)"
    assert by_factor[RiskFactor.NAMESPACE_TRUST].weight == 20
    assert by_factor[RiskFactor.ALERTS].weight == 40
    assert by_factor[RiskFactor.ALERTS].reason == "gate alerts: 2 critical"
    assert profile.score == 10 + 15 + 20 + 40
    assert profile.tier == "high-risk"
    assert profile.tier_reason == "score 85 >= 50"
    assert "may run as root: app (10)" in profile.explain()


def test_unknown_trust_level_falls_back_to_default() -> None:
    ctx = context(namespaces={"x": {"vigil.dev/trust": "weird"}})
    assert ctx.trust_of("x") == "standard"
    assert ctx.trust_of("missing") == "standard"


def test_zero_weights_are_left_out() -> None:
    policy = PosturePolicy.model_validate(
        {"risk": {"weights": {"runAsRoot": 0, "namespaceTrust": {"standard": 0}}}}
    )
    assert risk_items("ns", {}, spec(), context(policy)) == []


def test_privileged_escapes_to_the_node() -> None:
    profile = assess(
        "ns", {}, non_root(containers=[container(securityContext={"privileged": True})]), context()
    )
    assert profile.can_escape()
    assert profile.tier == "elevated"
