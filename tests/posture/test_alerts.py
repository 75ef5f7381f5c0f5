"""Reading gate alert lines per pod."""

from __future__ import annotations

import pytest

from vigil.posture.alerts import AlertsError, alert_pod, parse_alerts


def test_counts_per_pod_and_severity() -> None:
    text = "\n".join(
        [
            '{"event": "alert", "pod": "shop/web-1", "alerts": [{"severity": "high"}, {"severity": "low"}]}',
            '{"event": "alert", "pod": "web-2", "namespace": "shop", "alerts": [{"severity": "critical"}]}',
            '{"event": "alert", "pod": "lonely", "alerts": [{"severity": "medium"}]}',
            '{"event": "alert", "alerts": [{"severity": "high"}]}',
            '{"event": "started"}',
            '{"event": "alert", "pod": "shop/web-1", "alerts": [{"severity": "bogus"}, "x"]}',
            "",
        ]
    )
    counts = parse_alerts(text)
    assert dict(counts.of("shop/web-1")) == {"high": 1, "low": 1}
    assert dict(counts.of("shop/web-2")) == {"critical": 1}
    assert dict(counts.of("default/lonely")) == {"medium": 1}
    assert counts.unattributed == 1
    assert dict(counts.of("shop/none")) == {}


@pytest.mark.parametrize("line", ["not json", "[1, 2]", '"text"'])
def test_bad_lines_name_the_line(line: str) -> None:
    with pytest.raises(AlertsError, match=r"a\.jsonl: line 2: not a JSON object"):
        parse_alerts('{"alerts": []}\n' + line, "a.jsonl")


@pytest.mark.parametrize(
    ("line", "pod"),
    [
        ({"pod": "shop/web-1"}, "shop/web-1"),
        ({"pod": "web-1", "namespace": "shop"}, "shop/web-1"),
        ({"pod": "web-1"}, "default/web-1"),
        ({"kubernetes": {"namespace_name": "shop", "pod_name": "web-1"}}, "shop/web-1"),
        ({"kubernetes": {"pod_name": "web-1"}}, None),
        ({"pod": ""}, None),
    ],
)
def test_the_pod_of_a_line_as_the_log_pipeline_names_it(
    line: dict[str, object], pod: str | None
) -> None:
    assert alert_pod(line) == pod
