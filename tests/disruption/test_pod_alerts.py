"""Reading the gates' alert lines: pod identity, severity, time, and what is skipped."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
import pytest

from vigil.disruption.pod_alerts import AlertLineError, Severity, parse_line, read_alerts

T = "2026-03-02T10:00:00Z"


def line(**fields: object) -> str:
    return orjson.dumps({"event": "alert", "timestamp": T, **fields}).decode()


@pytest.mark.parametrize(
    ("fields", "pod", "severity"),
    [
        (
            {"pod": "shop/web-1", "alerts": [{"severity": "low"}, {"severity": "high"}]},
            "shop/web-1",
            Severity.HIGH,
        ),
        (
            {"pod": "web-1", "namespace": "shop", "severity": "medium"},
            "shop/web-1",
            Severity.MEDIUM,
        ),
        ({"pod": "web-1", "severity": "critical"}, "default/web-1", Severity.CRITICAL),
        (
            {
                "kubernetes": {"pod_name": "web-1", "namespace_name": "shop"},
                "alerts": [{"severity": "critical", "code": "V101"}],
            },
            "shop/web-1",
            Severity.CRITICAL,
        ),
    ],
)
def test_alert_lines(fields: dict[str, object], pod: str, severity: Severity) -> None:
    found = parse_line(1, line(**fields))
    assert not isinstance(found, bool)
    assert found is not None
    assert (found.pod, found.severity, found.time) == (
        pod,
        severity,
        datetime(2026, 3, 2, 10, tzinfo=UTC),
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (line(severity="high"), "line 3: pod: missing"),
        (line(pod="a/b", severity="extreme"), 'line 3: severity: unknown severity "extreme"'),
        (
            line(pod="a/b", alerts=[{"severity": "bad"}]),
            'line 3: alerts[0]: unknown severity "bad"',
        ),
        (line(pod="a/b", alerts=[3]), "line 3: alerts[0]: expected an object"),
        (
            orjson.dumps(
                {"event": "alert", "pod": "a/b", "severity": "low", "timestamp": "yesterday"}
            ).decode(),
            'line 3: timestamp: invalid timestamp "yesterday"',
        ),
        ("x" * (1024 * 1024 + 1), "line 3: longer than 1048576 characters"),
    ],
)
def test_bad_alert_lines_name_the_line(text: str, message: str) -> None:
    with pytest.raises(AlertLineError) as info:
        parse_line(3, text)
    assert str(info.value).startswith(message)


def test_a_stream_skips_what_is_not_an_alert() -> None:
    feed = read_alerts(
        [
            "starting gate",
            "",
            orjson.dumps({"event": "listening", "port": 8000}).decode(),
            line(pod="shop/web-1", severity="low"),
        ]
    )
    assert (len(feed.alerts), feed.not_json, feed.other_events) == (1, 1, 1)
