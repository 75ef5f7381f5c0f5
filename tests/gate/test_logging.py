"""Alert log lines: JSON, one per decision, levels, and safe serialisation."""

from __future__ import annotations

import io

import orjson
import pytest

from vigil.behavior.alerts import Alert, Severity
from vigil.behavior.decision import Mode, decide
from vigil.gate.logging import GateLog, make_logger


def test_alert_line_carries_the_decision() -> None:
    stream = io.StringIO()
    alert = Alert(
        "V101", "GET /users", "query.username", "specials none", "\"'\" in 'x'", Severity.HIGH
    )
    GateLog(stream).decision(decide("GET /users", [alert], Mode.ENFORCE), "rid-1", "request")
    line = orjson.loads(stream.getvalue())
    assert line["event"] == "alert"
    assert line["level"] == "warning"
    assert line["request_id"] == "rid-1"
    assert line["route"] == "GET /users"
    assert line["verdict"] == "block"
    assert line["score"] == 6
    assert line["alerts"] == [alert.as_dict()]
    assert line["timestamp"].endswith("Z")


def test_level_filters_low_alerts() -> None:
    stream = io.StringIO()
    log = GateLog(stream, "warning")
    low = Alert("V104", "GET /a", "query.q", "length 1..3", "4", Severity.LOW)
    log.decision(decide("GET /a", [low], Mode.ENFORCE), "r", "request")
    assert stream.getvalue() == ""
    log.event("gate-started", level="warning", listen="x")
    assert '"event":"gate-started"' in stream.getvalue()


def test_unencodable_values_still_give_a_line() -> None:
    stream = io.StringIO()
    GateLog(stream).event("odd", value="\udcff")
    assert orjson.loads(stream.getvalue())["value"] == "?"


def test_bad_level_is_refused() -> None:
    with pytest.raises(ValueError, match="log level"):
        make_logger(io.StringIO(), "loud")
