"""The difference of two policies: typed changes, one readable line each."""

from __future__ import annotations

from vigil.behavior.allow import allowance_for, apply_decision, set_route_mode
from vigil.behavior.decision import Mode
from vigil.behavior.diff import Change, ChangeKind, Layer, diff_policies
from vigil.behavior.policy import FieldPolicy, Policy, ResponsePolicy, RoutePolicy

USERS = RoutePolicy(
    samples=100,
    fields={
        "query.username": FieldPolicy(samples=100, classes=["lower"], specials="-", length=(1, 9)),
        "header.host": FieldPolicy(samples=100, enum=["svc"]),
    },
    response=ResponsePolicy(samples=100, statuses=[200]),
)
BEFORE = Policy(version=3, routes={"GET /users": USERS, "GET /old": RoutePolicy(samples=2)})


def after() -> Policy:
    username = USERS.fields["query.username"].model_copy(
        update={"classes": ["lower", "digit"], "specials": "-@", "samples": 180, "length": (1, 12)}
    )
    users = USERS.model_copy(
        update={
            "samples": 180,
            "fields": {"query.username": username, "query.page": FieldPolicy(samples=90)},
            "response": ResponsePolicy(samples=180, statuses=[200, 404]),
        }
    )
    return BEFORE.model_copy(
        update={
            "version": 4,
            "mode": Mode.DETECT,
            "routes": {"GET /users": users, "GET /health": RoutePolicy(samples=40)},
        }
    )


def test_a_learning_run_reads_as_lines() -> None:
    diff = diff_policies(BEFORE, after())
    assert (diff.before_version, diff.after_version) == (3, 4)
    assert diff.lines() == [
        "~ settings mode: 'learn' -> 'detect'",
        "+ route GET /health (0 fields, 40 samples)",
        "- route GET /old (0 fields, 2 samples)",
        "- field GET /users header.host",
        "+ field GET /users query.page",
        "~ GET /users query.username classes: +digit",
        "~ GET /users query.username length: [1, 9] -> [1, 12]",
        "~ GET /users query.username specials: '-' -> '-@'",
        "~ GET /users response.statuses: +404",
    ]


def test_counters_are_left_out_unless_asked_for() -> None:
    quiet = diff_policies(BEFORE, after())
    loud = diff_policies(BEFORE, after(), counters=True)
    assert not any(c.attribute == "samples" for c in quiet.changes)
    assert Change(ChangeKind.CHANGED, Layer.LEARNED, "GET /users", "", "samples", 100, 180) in (
        loud.changes
    )


def test_identical_policies_have_no_diff() -> None:
    assert not diff_policies(BEFORE, BEFORE.model_copy())
    assert diff_policies(BEFORE, BEFORE).lines() == []


def test_operator_decisions_are_their_own_layer() -> None:
    allowance = allowance_for("V101", "GET /users", "query.username", '"\'" in "o\'neil"')
    decided = apply_decision(BEFORE, allowance.route, allowance.decision)
    decided = set_route_mode(decided, "GET /users", Mode.ENFORCE)
    diff = diff_policies(BEFORE, decided)
    assert diff.of(Layer.LEARNED) == []
    assert diff.lines() == [
        '+ operator GET /users query.username allow.specials: none -> "\'"',
        "+ operator GET /users mode: none -> 'enforce'",
    ]
    back = diff_policies(decided, BEFORE)
    assert {c.kind for c in back.changes} == {ChangeKind.REMOVED}
