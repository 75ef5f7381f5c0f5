"""Metrics: names, bounded labels, the policy gauges and the separate listener."""

from __future__ import annotations

import math

import aiohttp
from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    enable_created_metrics,
    generate_latest,
)

from vigil.behavior.alerts import Alert, Severity
from vigil.behavior.decision import Mode, decide
from vigil.gate.metrics import (
    INSPECTION_BUCKETS,
    GateMetrics,
    ListenerSnapshot,
    start_metrics_server,
)


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


def _without_created(text: str) -> list[str]:
    return [
        line
        for line in text.splitlines()
        if "_created" not in line and not line.startswith("vigil_policy_age_seconds ")
    ]


def test_hot_series_expose_what_prometheus_client_would() -> None:
    metrics = GateMetrics(max_label_values=3)
    reference = CollectorRegistry()
    requests = Counter(
        "vigil_requests_inspected", "Requests inspected.", ["route", "verdict"], registry=reference
    )
    responses = Counter(
        "vigil_responses_inspected",
        "Responses inspected.",
        ["route", "verdict"],
        registry=reference,
    )
    Counter("vigil_alerts", "Alerts raised.", ["route", "code", "severity"], registry=reference)
    Counter(
        "vigil_blocks", "Exchanges blocked (requests and responses).", ["route"], registry=reference
    )
    timing = Histogram(
        "vigil_inspection_seconds",
        "Time spent in one inspection.",
        ["phase"],
        buckets=INSPECTION_BUCKETS,
        registry=reference,
    )
    seconds = [0.0, 1e-05, 1.5e-05, 0.00025, 0.03, -1.0, math.inf, math.nan, 2.5e-05]
    for i, took in enumerate(seconds * 3):
        route = f"GET /r{i % 5}"
        label = route if i % 5 < 3 else "other"
        mode = (Mode.LEARN, Mode.DETECT)[i % 2]
        decision = decide(route, [], mode)
        if i % 3:
            metrics.request_inspected(decision, took)
            requests.labels(label, decision.verdict.value).inc()
            timing.labels("request").observe(took)
        else:
            metrics.response_inspected(decision, took)
            responses.labels(label, decision.verdict.value).inc()
            timing.labels("response").observe(took)
    Gauge(
        "vigil_policy_age_seconds",
        "Seconds since the policy was loaded or learned.",
        registry=reference,
    )
    Gauge("vigil_policy_version", "Version of the policy in use.", registry=reference)
    Counter("vigil_upstream_errors", "Upstream failures by kind.", ["kind"], registry=reference)
    Counter(
        "vigil_inspection_errors",
        "Inspections that raised instead of deciding.",
        registry=reference,
    )
    Counter(
        "vigil_route_busy",
        "Requests refused because their route had its share of upstream exchanges.",
        ["route"],
        registry=reference,
    )
    Counter(
        "vigil_ambiguous_requests",
        "Requests refused before inspection because stacks read them differently.",
        ["reason"],
        registry=reference,
    )
    ours = "".join(
        line + "\n"
        for line in metrics.exposition().decode().splitlines()
        if not any(name in line for name in LISTENER_SERIES)
    )
    theirs = generate_latest(reference).decode()
    assert _without_created(ours) == _without_created(theirs)
    assert _created_series(ours) == _created_series(theirs)
    assert 'vigil_inspection_seconds_created{phase="response"}' in ours


LISTENER_SERIES = (
    "vigil_open_",
    "vigil_requests_in_progress",
    "vigil_requests_receiving",
    "vigil_connections",
    "vigil_refusals",
)


def test_listener_figures_are_read_at_scrape_time() -> None:
    metrics = GateMetrics()
    figures = [ListenerSnapshot()]
    metrics.watch_listener(lambda: figures[0])
    figures[0] = ListenerSnapshot(
        open_connections=7,
        clients=4,
        in_flight=3,
        receiving=1,
        refused_connections=2,
        evicted_connections=5,
        refusals={"body-rate": 6, "in-flight": 0},
    )
    text = metrics.exposition().decode()
    for line in (
        "vigil_open_connections 7.0",
        "vigil_open_clients 4.0",
        "vigil_requests_in_progress 3.0",
        "vigil_requests_receiving 1.0",
        "vigil_connections_refused_total 2.0",
        "vigil_connections_evicted_total 5.0",
        'vigil_refusals_total{reason="body-rate"} 6.0',
        'vigil_refusals_total{reason="in-flight"} 0.0',
    ):
        assert line in text


def test_route_refusals_are_counted_by_capped_route() -> None:
    metrics = GateMetrics(max_label_values=1)
    for route in ("GET /slow/*", "GET /slow/*", "GET /other/*"):
        metrics.route_refused(route)
    text = metrics.exposition().decode()
    assert 'vigil_route_busy_total{route="GET /slow/*"} 2.0' in text
    assert 'vigil_route_busy_total{route="other"} 1.0' in text


def _created_series(text: str) -> list[str]:
    return [line.rsplit(" ", 1)[0] for line in text.splitlines() if "_created" in line]


def test_hot_series_drop_created_samples_when_prometheus_client_does() -> None:
    metrics = GateMetrics()
    metrics.request_inspected(decide("GET /a", [], Mode.ENFORCE), 0.00002)
    disable_created_metrics()
    try:
        text = metrics.exposition().decode()
    finally:
        enable_created_metrics()
    assert "vigil_requests_inspected_created" not in text
    assert "vigil_inspection_seconds_created" not in text
    assert 'vigil_requests_inspected_total{route="GET /a",verdict="allow"} 1.0' in text


def test_refused_requests_are_counted_by_reason() -> None:
    metrics = GateMetrics()
    metrics.ambiguous_request("encoded-slash")
    metrics.ambiguous_request("encoded-slash")
    metrics.ambiguous_request("multipart")
    text = metrics.exposition().decode()
    assert 'vigil_ambiguous_requests_total{reason="encoded-slash"} 2.0' in text
    assert 'vigil_ambiguous_requests_total{reason="multipart"} 1.0' in text
