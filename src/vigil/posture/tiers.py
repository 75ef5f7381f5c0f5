"""Tier assignment: the first tier of the policy whose match or score threshold the pod meets.

Declared tiers (``match``) describe what a workload is worth (critical payments pods); score
tiers describe how risky it is. The last tier has no condition, so every pod gets one.
"""

from __future__ import annotations

from collections.abc import Mapping

from vigil.cluster.pod import PodSpec
from vigil.posture.policy import PosturePolicy, Tier


def _match_reason(
    tier: Tier, namespace: str, labels: Mapping[str, str], spec: PodSpec
) -> str | None:
    match = tier.match
    if match is None:
        return None
    if namespace in match.namespaces:
        return f"namespace {namespace}"
    if match.labels and all(labels.get(k) == v for k, v in match.labels.items()):
        return "labels " + ", ".join(f"{k}={v}" for k, v in sorted(match.labels.items()))
    if spec.priority_class_name and spec.priority_class_name in match.priority_classes:
        return f"priorityClassName {spec.priority_class_name}"
    return None


def classify(
    namespace: str,
    labels: Mapping[str, str],
    spec: PodSpec,
    score: int,
    policy: PosturePolicy,
) -> tuple[str, str]:
    """The tier name and why (``labels vigil.dev/tier=critical``, ``score 55 >= 50``)."""
    for tier in policy.tiers:
        reason = _match_reason(tier, namespace, labels, spec)
        if reason is not None:
            return tier.name, reason
        if tier.match is None and tier.min_score is not None and score >= tier.min_score:
            return tier.name, f"score {score} >= {tier.min_score}"
        if tier.match is None and tier.min_score is None:
            return tier.name, f"score {score}, no other tier"
    last = policy.tiers[-1]
    return last.name, f"score {score}, no other tier"
