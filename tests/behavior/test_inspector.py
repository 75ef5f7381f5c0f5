"""The inspector: detectors run per phase in order, the learned model last, one verdict."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import pytest

from vigil.behavior.alerts import Alert, Severity
from vigil.behavior.decision import Mode, Verdict
from vigil.behavior.exchange import Exchange
from vigil.behavior.inspector import Inspector, is_learnable, unlearnable_severity
from vigil.behavior.model import MODEL
from vigil.inspection.phases import Context, Phase

from .builders import RequestBuilder, response, trained_engine, users_response


@dataclass
class Recorder:
    """A detector that records when it ran and raises the alerts it was given."""

    name: str
    phases: frozenset[Phase]
    raises: list[Alert] = field(default_factory=list)
    claims: tuple[str, ...] = ()
    calls: list[tuple[str, Phase]] = field(default_factory=list)
    log: list[tuple[str, Phase]] | None = None

    def inspect(self, phase: Phase, context: Context) -> list[Alert]:
        entry = (self.name, phase)
        self.calls.append(entry)
        if self.log is not None:
            entry_log = self.log
            entry_log.append(entry)
        context.claimed.update(self.claims)
        return list(self.raises)


ALL = frozenset(Phase)


def rule_alert(severity: Severity = Severity.HIGH, *, enforced: bool = False) -> Alert:
    return Alert(
        "V200",
        "GET /users",
        "query.username",
        "a rule",
        "'x'",
        severity,
        detector="rule",
        enforced=enforced,
    )


@pytest.fixture(scope="module")
def learned() -> Inspector:
    return trained_engine(answer=users_response).inspector


def with_detectors(base: Inspector, *detectors: Recorder) -> Inspector:
    return Inspector(base.policy, detectors=detectors)


def users_get(username: str = "tom") -> RequestBuilder:
    return RequestBuilder().get("/users").query(username=username).headers()


def test_detectors_run_in_phase_order_with_the_model_last(learned: Inspector) -> None:
    log: list[tuple[str, Phase]] = []
    head = Recorder("head", frozenset({Phase.REQUEST_HEADERS}), log=log)
    every = Recorder("every", ALL, log=log)
    inspector = with_detectors(learned, head, every)
    decision = inspector.inspect_request(users_get().build())
    inspector.inspect_response(decision, response(document={"users": []}))
    assert log == [
        ("head", Phase.REQUEST_HEADERS),
        ("every", Phase.REQUEST_HEADERS),
        ("every", Phase.REQUEST_BODY),
        ("every", Phase.RESPONSE_HEADERS),
        ("every", Phase.RESPONSE_BODY),
    ]
    assert [d.name for d in inspector.detectors] == ["head", "every", MODEL]


def test_a_detector_alert_is_scored_with_the_model_alerts(learned: Inspector) -> None:
    inspector = with_detectors(learned, Recorder("rule", ALL, [rule_alert()]))
    decision = inspector.inspect_request(users_get().build())
    assert decision.verdict is Verdict.BLOCK
    assert [a.detector for a in decision.alerts] == ["rule", "rule"]


def test_a_claimed_field_is_left_to_the_detector_that_claimed_it(learned: Inspector) -> None:
    quote = users_get("tom'").build()
    assert any(a.field == "query.username" for a in learned.inspect_request(quote).alerts)
    claiming = Recorder("patch", frozenset({Phase.REQUEST_HEADERS}), claims=("query.username",))
    decision = with_detectors(learned, claiming).inspect_request(quote)
    assert not any(a.field == "query.username" and a.detector == MODEL for a in decision.alerts)


@pytest.mark.parametrize(
    ("mode", "verdict"),
    [
        pytest.param(Mode.LEARN, Verdict.BLOCK, id="learn"),
        pytest.param(Mode.DETECT, Verdict.WOULD_BLOCK, id="detect"),
        pytest.param(Mode.ENFORCE, Verdict.BLOCK, id="enforce"),
    ],
)
def test_an_enforced_rule_blocks_in_every_mode_but_detect(
    learned: Inspector, mode: Mode, verdict: Verdict
) -> None:
    policy = learned.policy.model_copy(update={"mode": mode})
    rule = Recorder(
        "rule", frozenset({Phase.REQUEST_HEADERS}), [rule_alert(Severity.LOW, enforced=True)]
    )
    inspector = Inspector(policy, detectors=[rule])
    assert inspector.inspect_request(users_get().build()).verdict is verdict


def test_the_response_phase_sees_the_request_context(learned: Inspector) -> None:
    seen: list[Context] = []

    class Peek:
        name = "peek"
        phases = frozenset({Phase.RESPONSE_BODY})

        def inspect(self, phase: Phase, context: Context) -> list[Alert]:
            seen.append(context)
            return []

    inspector = Inspector(learned.policy, detectors=[Peek()])
    decision = inspector.inspect_request(users_get("ann").build())
    answer = response(document={"users": []})
    inspector.inspect_response(decision, answer)
    (context,) = seen
    assert context.route == "GET /users"
    assert context.request.query == "username=ann"
    assert context.response is answer
    assert context.response_observation is not None
    assert context.response_observation.status == 200


def test_detector_alerts_make_an_exchange_unlearnable(learned: Inspector) -> None:
    inspector = with_detectors(learned, Recorder("rule", ALL, [rule_alert(Severity.MEDIUM)]))
    decision = inspector.inspect_request(users_get().build())
    assert isinstance(decision.observation, Exchange)
    assert decision.observation.learnable is False


def test_use_replaces_the_rule_detectors_and_keeps_the_policy(learned: Inspector) -> None:
    inspector = with_detectors(learned, Recorder("old", ALL, [rule_alert()]))
    inspector.use([])
    assert [d.name for d in inspector.detectors] == [MODEL]
    assert inspector.policy is learned.policy
    assert inspector.inspect_request(users_get().build()).verdict is Verdict.ALLOW


def test_unlearnable_severity_is_high_while_learning_and_medium_after() -> None:
    assert unlearnable_severity(Mode.LEARN) is Severity.HIGH
    assert unlearnable_severity(Mode.DETECT) is Severity.MEDIUM
    assert unlearnable_severity(Mode.ENFORCE) is Severity.MEDIUM


def _alert(code: str, severity: Severity) -> Alert:
    return Alert(code, "GET /x", "query.q", "x", "y", severity)


@pytest.mark.parametrize(
    ("alerts", "mode", "learnable"),
    [
        pytest.param([], Mode.ENFORCE, True, id="clean"),
        pytest.param([_alert("V101", Severity.HIGH)], Mode.LEARN, True, id="learn-special-only"),
        pytest.param([_alert("V101", Severity.HIGH), _alert("V109", Severity.HIGH)], Mode.LEARN,
                     False, id="learn-special-and-structure"),
        pytest.param([_alert("V102", Severity.HIGH)], Mode.LEARN, False, id="learn-sequence"),
        pytest.param([_alert("V110", Severity.MEDIUM)], Mode.LEARN, True, id="learn-new-field"),
        pytest.param([_alert("V101", Severity.HIGH)], Mode.DETECT, False, id="detect-special"),
        pytest.param([_alert("V104", Severity.LOW)], Mode.ENFORCE, True, id="enforce-low"),
        pytest.param([_alert("V110", Severity.MEDIUM)], Mode.ENFORCE, False, id="enforce-medium"),
    ],
)  # fmt: skip
def test_is_learnable(alerts: list[Alert], mode: Mode, learnable: bool) -> None:
    assert is_learnable(alerts, mode) is learnable


def test_load_follows_the_policy_body_bound(learned: Inspector) -> None:
    inspector = Inspector(learned.policy)
    body = learned.policy.body.model_copy(update={"limit_bytes": 4096})
    inspector.load(learned.policy.model_copy(update={"body": body}))
    assert inspector.limits.body_bytes == 4096


def test_random_benign_traffic_is_allowed_by_a_detector_free_inspector(learned: Inspector) -> None:
    rng = random.Random(3)
    inspector = Inspector(learned.policy)
    names = ["ann", "bob", "carla", "dave"]
    for _ in range(20):
        decision = inspector.inspect_request(users_get(rng.choice(names)).build())
        assert decision.verdict is Verdict.ALLOW
