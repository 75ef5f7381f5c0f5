"""The pod name on alert lines comes from POD_NAME, then HOSTNAME, then the host name."""

from __future__ import annotations

import io
import socket
from pathlib import Path

import pytest

from vigil.behavior.decision import Mode, decide
from vigil.disruption.pod_alerts import PodAlert, parse_line
from vigil.gate.logging import GateLog
from vigil.gate.pod import pod_context, pod_name, pod_namespace
from vigil.inspection.alerts import Alert, Severity


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"POD_NAME": "shop-7d9f", "HOSTNAME": "x"}, "shop-7d9f"),
        ({"HOSTNAME": "shop-abc12"}, "shop-abc12"),
        ({"POD_NAME": " padded "}, "padded"),
        ({"POD_NAME": "p" * 300}, "p" * 253),
    ],
)
def test_pod_name(environ: dict[str, str], expected: str) -> None:
    assert pod_name(environ) == expected


def test_the_host_name_stands_in() -> None:
    assert pod_name({}) == socket.gethostname()


def test_the_namespace_comes_from_the_environment_or_the_service_account(tmp_path: Path) -> None:
    missing = tmp_path / "none"
    assert pod_namespace({"POD_NAMESPACE": "shop"}, missing) == "shop"
    assert pod_namespace({}, missing) == ""
    file = tmp_path / "namespace"
    file.write_text("payments\n")
    assert pod_namespace({}, file) == "payments"
    assert pod_context({"POD_NAME": "api-1"}, file) == {"pod": "api-1", "namespace": "payments"}
    assert pod_context({"POD_NAME": "api-1"}, missing) == {"pod": "api-1"}


def test_the_remediation_planner_reads_the_pod_of_an_alert_line() -> None:
    stream = io.StringIO()
    log = GateLog(
        stream,
        **pod_context({"POD_NAME": "api-7d9f", "POD_NAMESPACE": "shop"}, Path("/nonexistent")),
    )
    alert = Alert(
        "V201",
        "GET /x",
        "query.q",
        "no SQL injection",
        "union select",
        Severity.HIGH,
        detector="sqli",
    )
    log.decision(decide("GET /x", [alert], Mode.ENFORCE), "req-1", "request")
    (line,) = stream.getvalue().splitlines()
    parsed = parse_line(1, line)
    assert isinstance(parsed, PodAlert)
    assert (parsed.pod, parsed.codes) == ("shop/api-7d9f", ("V201",))
