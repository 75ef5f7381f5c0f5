"""Metrics: names, bounded labels, the policy gauges and the separate listener."""

from __future__ import annotations

import aiohttp

from vigil.behavior.alerts import Alert, Severity
from vigil.behavior.decision import Mode, decide
from vigil.gate.metrics import GateMetrics, LabelCap, start_metrics_server


def test_label_cap_bounds_distinct_values() -> None:
    cap = LabelCap(3)
    assert [cap(v) for v in ("a", "b", "c", "d", "a", "e")] == [
        "a",
        "b",
        "c",
        "other",
        "a",
        "other",
    ]
    assert cap("\udcff") == "other"
    assert LabelCap(5)("/caf\udcff") == "/caf\\udcff"


def test_counts_and_bounded_routes() -> None:
    metrics = GateMetrics(max_label_values=4)
    alert = Alert("V101", "GET /a", "query.q", "none", "'", Severity.HIGH)
    for i in range(10):
        metrics.request_inspected(decide(f"GET /r{i}", [alert], Mode.ENFORCE), 0.00002)
    text = metrics.exposition().decode()
    assert 'vigil_requests_inspected_total{route="other",verdict="block"} 6.0' in text
    assert 'vigil_blocks_total{route="GET /r0"} 1.0' in text
    assert 'vigil_alerts_total{code="V101",route="GET /r1",severity="high"} 1.0' in text
    assert 'vigil_inspection_seconds_bucket{le="2.5e-05",phase="request"} 10.0' in text
    assert text.count("vigil_requests_inspected_total{") == 5


def test_policy_gauges_follow_the_clock() -> None:
    now = [10.0]
    metrics = GateMetrics(clock=lambda: now[0])
    now[0] = 25.0
    assert "vigil_policy_age_seconds 15.0" in metrics.exposition().decode()
    metrics.policy_loaded(7)
    text = metrics.exposition().decode()
    assert "vigil_policy_age_seconds 0.0" in text
    assert "vigil_policy_version 7.0" in text


def test_separate_registries() -> None:
    one, two = GateMetrics(), GateMetrics()
    one.upstream_error("timeout")
    assert 'kind="timeout"' not in two.exposition().decode()


async def test_metrics_listener() -> None:
    metrics = GateMetrics()
    metrics.upstream_error("connect")
    runner, port = await start_metrics_server(metrics, "127.0.0.1", 0)
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as client:
            async with client.get(f"http://127.0.0.1:{port}/metrics") as resp:
                assert resp.status == 200
                assert 'vigil_upstream_errors_total{kind="connect"} 1.0' in await resp.text()
            async with client.get(f"http://127.0.0.1:{port}/healthz") as resp:
                assert await resp.text() == "ok\n"
    finally:
        await runner.cleanup()
