"""Alerts, as the behaviour package has always named them.

The types live in :mod:`vigil.inspection.alerts`, shared with the signature detectors; this module
keeps the behaviour package's own import path working.
"""

from vigil.inspection.alerts import CODES, SEEN_LIMIT, Alert, Severity, redact

__all__ = ["CODES", "SEEN_LIMIT", "Alert", "Severity", "redact"]
