"""Request ids and the gate's problem answers."""

from __future__ import annotations

import os

import orjson
import pytest

from vigil.gate.answers import ID_BATCH, new_request_id, problem, request_id_of


def test_request_id_kept_when_well_formed_else_generated() -> None:
    assert request_id_of("req-42.a:b_c") == "req-42.a:b_c"
    for bad in (None, "", "a b", "x" * 129, "\u00e9", "id\r\nx: y"):
        generated = request_id_of(bad)
        assert generated != bad
        assert len(generated) == 32


def test_new_request_ids_are_unique_hex_across_batches() -> None:
    ids = [new_request_id() for _ in range(3 * ID_BATCH + 5)]
    assert len(set(ids)) == len(ids)
    assert all(len(i) == 32 and int(i, 16) >= 0 for i in ids)


def test_a_forked_child_does_not_reuse_the_parents_request_ids() -> None:
    new_request_id()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.write(write, new_request_id().encode())
        os._exit(0)
    os.close(write)
    child = os.read(read, 64).decode()
    os.close(read)
    os.waitpid(pid, 0)
    assert len(child) == 32
    assert child != new_request_id()


def test_problem_is_generic() -> None:
    answer = problem("request-blocked", "rid")
    assert answer.status == 403
    assert dict(answer.headers)["content-type"] == "application/problem+json"
    body = orjson.loads(answer.body)
    assert body == {
        "type": "https://vigil.dev/problems/request-blocked",
        "title": "Request blocked",
        "status": 403,
        "detail": "The request was refused by the security gate.",
        "request_id": "rid",
    }


@pytest.mark.parametrize(
    ("kind", "status"),
    [
        ("malformed-request", 400),
        ("not-implemented", 501),
        ("ambiguous-request", 400),
        ("request-too-large", 431),
        ("request-blocked", 403),
    ],
)
def test_problem_status_of_each_kind(kind: str, status: int) -> None:
    answer = problem(kind, "rid")
    assert answer.status == status
    assert orjson.loads(answer.body)["type"].endswith("/" + kind)


@pytest.mark.parametrize(
    ("kind", "status", "retry_after"),
    [
        ("overloaded", 503, "1"),
        ("route-busy", 503, "1"),
        ("too-many-requests", 429, "1"),
        ("body-timeout", 408, None),
        ("request-blocked", 403, None),
    ],
)
def test_refusals_that_can_be_retried_say_when(
    kind: str, status: int, retry_after: str | None
) -> None:
    answer = problem(kind, "rid")
    assert answer.status == status
    assert dict(answer.headers).get("retry-after") == retry_after
