"""Learner credentials: tokens file validation, authentication outcomes and scopes."""

from __future__ import annotations

from pathlib import Path

import pytest

from vigil.learner.auth import (
    DEV_PRINCIPAL,
    AuthConfigError,
    AuthOutcome,
    Principal,
    Refused,
    Role,
    Tokens,
    check_insecure,
    is_loopback,
    token_digest,
)

OPERATOR = "o" * 32
USERS = "u" * 32
ORDERS = "r" * 40


def tokens() -> Tokens:
    return Tokens.parse(
        {
            "operators": [{"name": "alice", "token": OPERATOR}],
            "services": {
                "users": [{"token": USERS}],
                "orders": [{"name": "orders-gate", "sha256": token_digest(ORDERS)}],
            },
        },
        "tokens.yaml",
    )


@pytest.mark.parametrize(
    ("header", "outcome"),
    [
        (None, AuthOutcome.MISSING),
        ("", AuthOutcome.MISSING),
        (f"Basic {OPERATOR}", AuthOutcome.MALFORMED),
        ("Bearer", AuthOutcome.MALFORMED),
        ("Bearer " + "x" * 600, AuthOutcome.MALFORMED),
        ("Bearer " + "x" * 32, AuthOutcome.UNKNOWN),
        (f"Bearer {OPERATOR[:-1]}", AuthOutcome.UNKNOWN),
    ],
)
def test_refusals_are_401(header: str | None, outcome: AuthOutcome) -> None:
    result = tokens().authenticate(header)
    assert isinstance(result, Refused)
    assert result.outcome is outcome
    assert result.status == 401
    assert OPERATOR not in result.detail


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (f"Bearer {OPERATOR}", Principal(Role.OPERATOR, "alice")),
        (f"bearer  {USERS} ", Principal(Role.GATE, "users-gate-0", "users")),
        (f"Bearer {ORDERS}", Principal(Role.GATE, "orders-gate", "orders")),
    ],
)
def test_known_tokens(header: str, expected: Principal) -> None:
    assert tokens().authenticate(header) == expected


def test_scopes() -> None:
    gate = Principal(Role.GATE, "g", "users")
    operator = Principal(Role.OPERATOR, "o")
    assert gate.may_feed("users")
    assert not gate.may_feed("orders")
    assert gate.may_read_policy("users")
    assert not gate.may_read_policy("orders")
    assert not gate.may_operate()
    assert not operator.may_feed("users")
    assert operator.may_read_policy("users")
    assert operator.may_operate()
    assert DEV_PRINCIPAL.may_feed("anything")
    assert DEV_PRINCIPAL.may_operate()
    assert Refused(AuthOutcome.FORBIDDEN, "no").status == 403


def test_services_of_the_tokens() -> None:
    assert tokens().services == {"users", "orders"}


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        ({}, "no operator or service token"),
        ({"operators": [{"token": "short"}]}, "operators.0.token: String should have at least 24"),
        ({"operators": [{"sha256": "abc"}]}, "operators.0: 'sha256' must be 64 lower-case hex"),
        ({"operators": [{}]}, "give exactly one of 'token' or 'sha256'"),
        ({"operators": [{"token": OPERATOR, "sha256": token_digest(OPERATOR)}]}, "exactly one"),
        (
            {"operators": [{"token": OPERATOR}], "services": {"users": [{"token": OPERATOR}]}},
            "services.users.0: the same token is given twice",
        ),
        ({"services": {"Users!": [{"token": USERS}]}}, "services.Users!: a service name"),
        ({"operator": []}, "operator: Extra inputs are not permitted"),
        ([1, 2], "(top)"),
    ],
)
def test_tokens_file_errors_name_the_field(data: object, needle: str) -> None:
    with pytest.raises(AuthConfigError) as caught:
        Tokens.parse(data, "tokens.yaml")
    assert str(caught.value).startswith("tokens.yaml: ")
    assert needle in str(caught.value)
    assert OPERATOR not in str(caught.value)


def test_load_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "tokens.yaml"
    path.write_text(f"operators:\n  - token: {OPERATOR}\n")
    assert isinstance(Tokens.load(path).authenticate(f"Bearer {OPERATOR}"), Principal)
    with pytest.raises(AuthConfigError, match="cannot read"):
        Tokens.load(tmp_path / "missing.yaml")
    path.write_text("operators: [\n")
    with pytest.raises(AuthConfigError, match="invalid YAML"):
        Tokens.load(path)


@pytest.mark.parametrize(
    ("host", "allowed"),
    [
        *(("127.0.0.1", True), ("::1", True), ("localhost", True)),
        *(("0.0.0.0", False), ("::", False), ("10.1.2.3", False), ("learner.example", False)),
    ],
)
def test_insecure_dev_only_on_loopback(host: str, allowed: bool) -> None:
    assert is_loopback(host) is allowed
    if allowed:
        check_insecure(host)
    else:
        with pytest.raises(ValueError, match="refused on"):
            check_insecure(host)
