"""The API server's validation of an object's labels, between the mutating and the validating
admission phases (``ValidateObjectMeta``'s ``ValidateLabels``).

A label key differing from a protected one only by case (``Node-Restriction.kubernetes.io/``)
or a key with an empty name passes NodeRestriction, which compares bytes, and is then refused
here with 422: so ``vigil admission review`` answers what the API server answers, and shows
that case games do not reach a protected label.
"""

from __future__ import annotations

from typing import Any

from vigil.admission.request import ALLOW, AdmissionRequest, Decision, invalid, metadata_of
from vigil.cluster.label_validation import validate_labels
from vigil.cluster.priority_classes import aggregate

STAGE = "object validation"


def _labels(obj: dict[str, Any] | None) -> dict[str, str] | None:
    labels = metadata_of(obj).get("labels")
    if not isinstance(labels, dict):
        return None
    return {str(k): v if isinstance(v, str) else str(v) for k, v in labels.items()}


def validate_metadata(request: AdmissionRequest) -> Decision:
    """422 with upstream's words when the object's labels are invalid, else allow."""
    if request.operation not in ("CREATE", "UPDATE") or request.sub_resource:
        return ALLOW
    labels = _labels(request.object)
    if not labels:
        return ALLOW
    problems = validate_labels(labels)
    return invalid(request, aggregate(problems), STAGE) if problems else ALLOW
