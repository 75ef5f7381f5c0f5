"""Phases run in the order of an exchange; contexts start with nothing claimed."""

from __future__ import annotations

from vigil.http.model import Request
from vigil.inspection.observation import Observation
from vigil.inspection.phases import REQUEST_PHASES, RESPONSE_PHASES, Context, Phase


def test_phases_in_exchange_order() -> None:
    assert list(Phase) == [*REQUEST_PHASES, *RESPONSE_PHASES]
    assert [p.is_request for p in Phase] == [True, True, False, False]


def test_a_new_context_has_no_claims_and_no_response() -> None:
    context = Context("GET /x", Request("GET", "/x"), Observation("GET", "/x", ["x"], 0, ""))
    assert context.claimed == set()
    assert context.response is None
    assert context.template is None
