"""Label validation between the admission phases, with the API server's words."""

from __future__ import annotations

import pytest

from tests.admission.builders import context, node, pod, request
from vigil.admission import review
from vigil.admission.object_validation import validate_metadata

KUBELET = {"user": "system:node:node-a", "groups": ("system:nodes", "system:authenticated")}
PREFIX_ERROR = (
    "prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric "
    "characters, '-' or '.', and must start and end with an alphanumeric character (e.g. "
    "'example.com', regex used for validation is "
    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)
NAME_ERROR = (
    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end "
    "with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used "
    "for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
)


@pytest.mark.parametrize(
    ("labels", "message"),
    [
        pytest.param({"node-restriction.kubernetes.io/isolation": "critical"}, None, id="valid"),
        pytest.param(
            {"Node-Restriction.kubernetes.io/isolation": "critical"},
            'Node "node-a" is invalid: metadata.labels: Invalid value: '
            f'"Node-Restriction.kubernetes.io/isolation": {PREFIX_ERROR}',
            id="case game in the prefix",
        ),
        pytest.param(
            {"": "x"},
            'Node "node-a" is invalid: [metadata.labels: Invalid value: "": name part must be '
            f'non-empty, metadata.labels: Invalid value: "": {NAME_ERROR}]',
            id="empty key",
        ),
        pytest.param(
            {"/isolation": "critical"},
            'Node "node-a" is invalid: metadata.labels: Invalid value: "/isolation": prefix part '
            "must be non-empty",
            id="empty prefix",
        ),
        pytest.param(
            {"pool": "a" * 64},
            f'Node "node-a" is invalid: metadata.labels: Invalid value: "{"a" * 64}": must be no '
            "more than 63 characters",
            id="long value",
        ),
    ],
)
def test_labels_of_a_node(labels: dict[str, str], message: str | None) -> None:
    """``ValidateLabels`` (apimachinery/pkg/api/validation/objectmeta.go, util/validation)."""
    decision = validate_metadata(request("Node", node("node-a", labels), name="node-a"))
    if message is None:
        assert decision.allowed
    else:
        assert (decision.allowed, decision.code, decision.message) == (False, 422, message)


def test_a_kubelet_case_game_passes_node_restriction_and_fails_validation() -> None:
    obj = node("node-a", {"NODE-RESTRICTION.KUBERNETES.IO/isolation": "critical"})
    out = review(request("Node", obj, name="node-a", **KUBELET), context())
    assert (out.decision.code, out.decision.stage) == (422, "object validation")
    plain = review(
        request("Node", node("node-a", {"pool": "x"}), name="node-a", **KUBELET), context()
    )
    assert plain.decision.allowed


def test_only_creates_and_updates_with_labels_are_checked() -> None:
    bad = pod("web", "dev")
    bad["metadata"]["labels"] = {"Bad/x": "y"}
    assert not validate_metadata(request("Pod", bad, namespace="dev")).allowed
    assert validate_metadata(
        request("Pod", None, operation="DELETE", old=bad, name="web", namespace="dev")
    ).allowed
    assert validate_metadata(request("Pod", pod("web", "dev"), namespace="dev")).allowed
