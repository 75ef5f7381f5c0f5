"""Admission (pure): what the API server and vigil's webhook answer to an AdmissionReview.

* `request`: AdmissionReview v1 requests and responses, upstream error formats;
* `node_restriction`, `priority`: the API server's NodeRestriction and Priority plugins and
  PriorityClass validation, with their messages;
* `rules`: vigil's rules, which are the audit checks of the same id run on one object;
* `sidecar`: the gate sidecar as a JSONPatch;
* `chain`: the whole chain in the API server's order.
"""

from vigil.admission.chain import review
from vigil.admission.context import AdmissionContext
from vigil.admission.request import AdmissionRequest, Outcome, ReviewError, parse_review, response

__all__ = [
    "AdmissionContext",
    "AdmissionRequest",
    "Outcome",
    "ReviewError",
    "parse_review",
    "response",
    "review",
]
