"""AdmissionReview parsing and responses."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from tests.admission.builders import pod, request, review_doc
from vigil.admission import Outcome, ReviewError, parse_review, response
from vigil.admission.request import Decision, forbidden, invalid


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ([], "expected an AdmissionReview object"),
        (
            {"apiVersion": "v1", "kind": "AdmissionReview"},
            "expected apiVersion admission.k8s.io/v1",
        ),
        ({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview"}, "request: required"),
        (
            {
                "apiVersion": "admission.k8s.io/v1",
                "kind": "AdmissionReview",
                "request": {"uid": "x"},
            },
            "request.kind: Field required",
        ),
    ],
)
def test_bad_reviews(doc: Any, message: str) -> None:
    with pytest.raises(ReviewError, match=message):
        parse_review(doc)


def test_bad_operation() -> None:
    doc = review_doc("Pod", pod(), operation="PATCH")
    with pytest.raises(ReviewError, match=r"request\.operation: unsupported value 'PATCH'"):
        parse_review(doc)


def test_names_as_the_api_server_reports_them() -> None:
    assert request("Pod", pod("web"), namespace="dev").object_name() == "web"
    generated = pod("web")
    generated["metadata"] = {"generateName": "web-7d4-", "namespace": "dev"}
    assert request("Pod", generated, namespace="dev").object_name() == "web-7d4-"
    assert request("Pod", None, operation="DELETE", name="gone").object_name() == "gone"
    assert request("Pod", {"metadata": {}}, namespace="dev").object_name() == "Unknown"


def test_error_formats() -> None:
    req = request("Pod", pod("web"), namespace="dev")
    assert forbidden(req, "nope", "X").message == 'pods "web" is forbidden: nope'
    pc = request("PriorityClass", {"metadata": {"name": "p"}, "value": 1})
    assert pc.group_resource() == "priorityclasses.scheduling.k8s.io"
    assert (
        invalid(pc, "value: bad", "X").message
        == 'PriorityClass.scheduling.k8s.io "p" is invalid: value: bad'
    )


def test_response_document() -> None:
    allowed = Outcome(patch=[{"op": "add", "path": "/x", "value": 1}], warnings=["w"])
    doc = response("u1", allowed)
    body = doc["response"]
    assert doc["apiVersion"] == "admission.k8s.io/v1"
    assert doc["kind"] == "AdmissionReview"
    assert (body["uid"], body["allowed"], body["status"]) == (
        "u1",
        True,
        {"code": 200, "message": ""},
    )
    assert body["patchType"] == "JSONPatch"
    assert json.loads(base64.b64decode(body["patch"])) == [{"op": "add", "path": "/x", "value": 1}]
    assert body["warnings"] == ["w"]
    denied = response(
        "u2", Outcome(Decision(False, 403, "no", "Forbidden", "X"), patch=[{"op": "x"}])
    )
    assert denied["response"]["status"] == {"code": 403, "message": "no", "reason": "Forbidden"}
    assert "patch" not in denied["response"]
