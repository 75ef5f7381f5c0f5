"""CycleState: typed reads, skip sets, cloning of StateData values."""

from __future__ import annotations

from vigil.scheduling import CycleState


class Counter:
    def __init__(self, n: int) -> None:
        self.n = n

    def clone(self) -> Counter:
        return Counter(self.n)


def test_read_is_typed() -> None:
    state = CycleState()
    state.write("k", Counter(1))
    assert state.read("k", Counter) is not None
    assert state.read("k", str) is None
    assert state.read("missing", Counter) is None


def test_clone_copies_state_data_and_skip_sets() -> None:
    state = CycleState()
    shared = {"a": 1}
    state.write("counter", Counter(1))
    state.write("plain", shared)
    state.skip_filter_plugins.add("X")
    copy = state.clone()
    counter = copy.read("counter", Counter)
    assert counter is not None
    counter.n = 5
    original = state.read("counter", Counter)
    assert original is not None
    assert original.n == 1
    assert copy.read("plain", dict) is shared
    copy.skip_filter_plugins.add("Y")
    assert state.skip_filter_plugins == {"X"}
