"""The learning path's metrics: buffer figures read at scrape time, reloads, learner health."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, generate_latest

from vigil.behavior.decision import Decision, Mode, Verdict
from vigil.gate.learning_metrics import LearningMetrics
from vigil.gate.observations import ObservationBuffer


def test_buffer_figures_follow_the_buffer() -> None:
    registry = CollectorRegistry()
    buffer = ObservationBuffer(bound=2)
    metrics = LearningMetrics(registry, buffer)
    for _ in range(3):
        buffer.offer(Decision("GET /a", Mode.LEARN, (), 0, Verdict.ALLOW), 0.0)
    metrics.reloaded("file", "invalid")
    metrics.sent.inc(5)
    metrics.learner_errors.labels("timeout").inc()
    metrics.learner_up.set(1)
    text = generate_latest(registry).decode()
    for line in (
        "vigil_observations_buffered 2.0",
        "vigil_observations_buffer_bound 2.0",
        "vigil_observations_dropped_total 1.0",
        "vigil_observations_accepted_total 2.0",
        'vigil_policy_reloads_total{result="invalid",source="file"} 1.0',
        "vigil_observations_sent_total 5.0",
        'vigil_learner_errors_total{kind="timeout"} 1.0',
        "vigil_learner_up 1.0",
    ):
        assert line in text
    buffer.take()
    assert "vigil_observations_buffered 0.0" in generate_latest(registry).decode()
