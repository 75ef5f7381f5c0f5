"""Admission: clients, connection caps, idle eviction order and request slots."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from vigil.gate.admission import Admission, AdmissionLimits, client_of
from vigil.gate.refusals import Refusal


@pytest.mark.parametrize(
    ("peer", "client"),
    [
        (("10.0.0.7", 5555), "10.0.0.7"),
        (("2001:db8:1:2:aaaa::1", 443, 0, 0), "2001:db8:1:2::/64"),
        (("2001:db8:1:2:ffff:ffff:ffff:ffff", 443, 0, 0), "2001:db8:1:2::/64"),
        (("2001:db8:1:3::1", 443, 0, 0), "2001:db8:1:3::/64"),
        (("::ffff:192.0.2.9", 80, 0, 0), "192.0.2.9"),
        (("fe80::1%eth0", 80, 0, 2), "fe80::/64"),
        ("/run/gate.sock", ""),
        (None, ""),
    ],
)
def test_client_of_groups_what_one_host_holds(peer: object, client: str) -> None:
    assert client_of(peer) == client


def table(**limits: int) -> Admission[str]:
    return Admission(AdmissionLimits(**limits))


def test_a_connection_over_the_bound_closes_the_oldest_idle_one() -> None:
    admission = table(max_connections=3, max_client_connections=0)
    for name in ("a", "b", "c"):
        assert admission.connect(name, "10.0.0.1").refusal is None
    admission.busy("a")
    admitted = admission.connect("d", "10.0.0.2")
    assert (admitted.refusal, admitted.evicted) == (None, ("b",))
    assert list(admission.connections) == ["a", "c", "d"]


def test_a_connection_becoming_idle_again_goes_to_the_back_of_the_line() -> None:
    admission = table(max_connections=3, max_client_connections=0)
    for name in ("a", "b", "c"):
        admission.connect(name, "10.0.0.1")
    admission.busy("a")
    admission.idle("a")
    assert admission.connect("d", "10.0.0.1").evicted == ("b",)
    assert admission.connect("e", "10.0.0.1").evicted == ("c",)
    assert admission.connect("f", "10.0.0.1").evicted == ("a",)


def test_a_connection_is_refused_when_every_connection_is_busy() -> None:
    admission = table(max_connections=2, max_client_connections=0)
    for name in ("a", "b"):
        admission.connect(name, "10.0.0.1")
        admission.busy(name)
    admitted = admission.connect("c", "10.0.0.2")
    assert (admitted.refusal, admitted.evicted) == (Refusal.CONNECTIONS, ())
    assert "c" not in admission.connections


def test_a_client_at_its_cap_gives_up_its_own_idle_connection_not_anyone_elses() -> None:
    admission = table(max_connections=100, max_client_connections=2)
    admission.connect("other", "10.0.0.9")
    admission.connect("a", "10.0.0.1")
    admission.connect("b", "10.0.0.1")
    admission.busy("a")
    admitted = admission.connect("c", "10.0.0.1")
    assert (admitted.refusal, admitted.evicted) == (None, ("b",))
    admission.busy("c")
    refused = admission.connect("d", "10.0.0.1")
    assert (refused.refusal, refused.evicted) == (Refusal.CLIENT_CONNECTIONS, ())
    assert set(admission.connections) == {"other", "a", "c"}
    assert admission.connect("e", "10.0.0.2").refusal is None


def test_disconnect_is_idempotent_and_frees_the_client() -> None:
    admission = table(max_connections=10, max_client_connections=1)
    admission.connect("a", "10.0.0.1")
    admission.disconnect("a")
    admission.disconnect("a")
    assert admission.clients() == 0
    assert admission.connect("b", "10.0.0.1").evicted == ()
    assert admission.connect("c", "10.0.0.1").evicted == ("b",)


@pytest.mark.parametrize(
    ("limits", "held", "ask", "refusal"),
    [
        ({"max_in_flight": 2}, [("x", False), ("y", False)], ("z", False), Refusal.IN_FLIGHT),
        (
            {"max_client_in_flight": 2},
            [("x", False), ("x", True)],
            ("x", False),
            Refusal.CLIENT_IN_FLIGHT,
        ),
        ({"max_client_in_flight": 2}, [("x", False), ("x", True)], ("y", True), None),
        ({"max_receiving": 1}, [("x", True)], ("y", True), Refusal.RECEIVING),
        ({"max_receiving": 1}, [("x", True)], ("y", False), None),
        ({"max_receiving": 0, "max_client_in_flight": 0}, [("x", True)] * 5, ("x", True), None),
    ],
)
def test_request_slots(
    limits: dict[str, int],
    held: list[tuple[str, bool]],
    ask: tuple[str, bool],
    refusal: Refusal | None,
) -> None:
    admission = table(**limits)
    for client, receiving in held:
        assert admission.take_slot(client, receiving=receiving) is None
    client, receiving = ask
    assert admission.take_slot(client, receiving=receiving) is refusal


def test_slots_given_back_make_room_again() -> None:
    admission = table(max_in_flight=10, max_client_in_flight=1, max_receiving=1)
    assert admission.take_slot("x", receiving=True) is None
    assert admission.take_slot("y", receiving=True) is Refusal.RECEIVING
    admission.body_received()
    assert admission.take_slot("y", receiving=True) is None
    assert admission.take_slot("x", receiving=False) is Refusal.CLIENT_IN_FLIGHT
    admission.release_slot("x", receiving=False)
    admission.release_slot("y", receiving=True)
    assert (admission.in_flight, admission.receiving) == (0, 0)
    assert admission.take_slot("x", receiving=True) is None


Op = tuple[str, int, int]
"""(operation, connection number, client number)."""

OPS = st.lists(
    st.tuples(
        st.sampled_from(
            [
                "connect",
                "disconnect",
                "busy",
                "idle",
                "take",
                "take-body",
                "release",
                "start",
                "start-body",
                "done",
            ]
        ),
        st.integers(0, 11),
        st.integers(0, 3),
    ),
    max_size=80,
)


@settings(max_examples=300, deadline=None)
@given(OPS)
@example([("connect", 0, 0), ("start", 0, 0), ("release", 0, 0), ("done", 0, 0)])
def test_bookkeeping_stays_within_bounds_and_consistent(ops: list[Op]) -> None:
    limits = AdmissionLimits(
        max_connections=6,
        max_client_connections=3,
        max_in_flight=5,
        max_client_in_flight=2,
        max_receiving=3,
    )
    admission: Admission[int] = Admission(limits)
    busy: set[int] = set()
    slots: list[tuple[str, bool]] = []
    started: dict[int, tuple[str, bool]] = {}
    taken: list[tuple[str, bool]] = []
    for op, conn, client_number in ops:
        client = f"10.0.0.{client_number}"
        if op == "connect" and conn not in admission.connections:
            admitted = admission.connect(conn, client)
            assert not set(admitted.evicted) & busy, "a busy connection was evicted"
            assert (conn in admission.connections) is (admitted.refusal is None)
        elif op == "disconnect" and conn not in started:
            admission.disconnect(conn)
            busy.discard(conn)
        elif op in ("start", "start-body") and conn in admission.connections:
            if conn in started:
                continue
            own, receiving = admission.connections[conn], op == "start-body"
            busy.add(conn)
            if admission.start(conn, own, receiving=receiving) is None:
                started[conn] = (own, receiving)
                slots.append((own, receiving))
        elif op == "done" and conn in started:
            own, receiving = started.pop(conn)
            slots.remove((own, receiving))
            admission.done(conn, own, receiving=receiving)
            busy.discard(conn)
        elif op == "busy" and conn in admission.connections:
            admission.busy(conn)
            busy.add(conn)
        elif op == "idle" and conn in admission.connections and conn not in started:
            admission.idle(conn)
            busy.discard(conn)
        elif op in ("take", "take-body"):
            receiving = op == "take-body"
            if admission.take_slot(client, receiving=receiving) is None:
                slots.append((client, receiving))
                taken.append((client, receiving))
        elif op == "release" and taken:
            held = taken.pop(conn % len(taken))
            slots.remove(held)
            admission.release_slot(held[0], receiving=held[1])
        per_client: dict[str, int] = {}
        for each in admission.connections.values():
            per_client[each] = per_client.get(each, 0) + 1
        assert len(admission.connections) <= limits.max_connections
        assert max(per_client.values(), default=0) <= limits.max_client_connections
        assert admission.clients() == len(per_client)
        assert admission.in_flight == len(slots) <= limits.max_in_flight
        assert admission.receiving == sum(r for _, r in slots) <= limits.max_receiving
        for each in {c for c, _ in slots}:
            assert sum(c == each for c, _ in slots) <= limits.max_client_in_flight
        assert set(admission._idle) == set(admission.connections) - busy
        assert set(admission._client_idle) <= set(admission.connections.values())
