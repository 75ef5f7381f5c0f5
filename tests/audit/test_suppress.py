"""Suppressions: file rules with patterns and expiry, annotations, the forbidding setting."""

from __future__ import annotations

from datetime import date

import pytest

from tests.audit.harness import audit
from vigil.audit.suppress import parse_inline
from vigil.posture import PosturePolicy
from vigil.posture.policy import Suppression

BATCH = """
apiVersion: apps/v1
kind: Deployment
metadata:
  name: batch
  namespace: data
  annotations: {ANNOTATIONS}
spec:
  selector: {{matchLabels: {{app: batch}}}}
  template:
    metadata: {{labels: {{app: batch}}, annotations: {TEMPLATE}}}
    spec:
      tolerations: [{{operator: Exists}}]
      containers: [{{name: b, image: b}}]
"""


def _batch(annotations: str = "{}", template: str = "{}") -> str:
    return (
        BATCH.replace("{ANNOTATIONS}", annotations)
        .replace("{TEMPLATE}", template)
        .replace("{{", "{")
        .replace("}}", "}")
    )


def test_file_suppression_with_patterns() -> None:
    rule = Suppression(check="VA00?", namespace="da*", kind="Deployment", reason="batch nodes")
    report = audit(_batch(), suppressions=(rule,))
    (finding,) = report.findings
    assert finding.suppressed_by == "file: batch nodes"
    assert report.active == []


def test_expired_file_suppression_keeps_the_finding_with_a_note() -> None:
    rule = Suppression(check="VA003", reason="temporary", expires=date(2026, 1, 1))
    report = audit(_batch(), suppressions=(rule,))
    (finding,) = report.active
    assert finding.note == "suppression expired on 2026-01-01"


@pytest.mark.parametrize("on", ["object", "template"])
def test_annotation_on_object_or_template(on: str) -> None:
    annotations = '{vigil.dev/suppress: "VA003", vigil.dev/suppress-reason: "needs every node"}'
    text = _batch(annotations=annotations) if on == "object" else _batch(template=annotations)
    (finding,) = audit(text).findings
    assert finding.suppressed_by == "annotation: needs every node"


@pytest.mark.parametrize(
    ("annotations", "message"),
    [
        ('{vigil.dev/suppress: "VA003"}', "vigil.dev/suppress without vigil.dev/suppress-reason"),
        (
            '{vigil.dev/suppress: "VA003", vigil.dev/suppress-reason: r, vigil.dev/suppress-expires: soon}',
            "vigil.dev/suppress-expires 'soon' is not a date",
        ),
    ],
)
def test_unusable_annotations_become_va000(annotations: str, message: str) -> None:
    report = audit(_batch(annotations=annotations))
    ids = sorted(f.check.id for f in report.active)
    assert ids == ["VA000", "VA003"]
    va000 = next(f for f in report.active if f.check.id == "VA000")
    assert message in va000.message


def test_policy_can_forbid_annotation_suppressions() -> None:
    policy = PosturePolicy.model_validate({"audit": {"allowAnnotationSuppressions": False}})
    annotations = '{vigil.dev/suppress: "*", vigil.dev/suppress-reason: "trust me"}'
    report = audit(_batch(annotations=annotations), policy)
    assert sorted(f.check.id for f in report.active) == ["VA000", "VA003"]
    assert "forbids annotation suppressions" in report.active[0].message + report.active[1].message


def test_expired_annotation() -> None:
    annotations = (
        '{vigil.dev/suppress: "VA003", vigil.dev/suppress-reason: r, '
        'vigil.dev/suppress-expires: "2026-05-31"}'
    )
    (finding,) = audit(_batch(annotations=annotations)).active
    assert finding.note == "suppression expired on 2026-05-31"


def test_parse_inline() -> None:
    assert parse_inline({}) is None
    inline = parse_inline({"vigil.dev/suppress": "VA001, VA002,", "vigil.dev/suppress-reason": "x"})
    assert inline is not None
    assert inline.checks == {"VA001", "VA002"}
    assert inline.covers("VA002")
    assert not inline.covers("VA003")
    empty = parse_inline({"vigil.dev/suppress": " , ", "vigil.dev/suppress-reason": "x"})
    assert empty is not None
    assert empty.problem == "vigil.dev/suppress lists no check"
