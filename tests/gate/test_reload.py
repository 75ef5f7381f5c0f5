"""The policy watcher: periodic checks on a thread, errors reported, a clean stop."""

from __future__ import annotations

import threading

from vigil.gate.reload import PolicyWatcher, Reloaded, ReloadOutcome


def test_the_watcher_checks_until_stopped() -> None:
    checked = threading.Event()
    calls: list[str] = []

    def check() -> None:
        calls.append(threading.current_thread().name)
        if len(calls) >= 3:
            checked.set()

    watcher = PolicyWatcher(check, interval=0.01)
    watcher.start()
    assert checked.wait(10)
    watcher.stop()
    count = len(calls)
    assert set(calls) == {"vigil-policy-watch"}
    assert len(calls) == count


def test_an_error_in_a_check_is_reported_and_watching_goes_on() -> None:
    errors: list[Exception] = []
    again = threading.Event()

    def check() -> None:
        if errors:
            again.set()
            return
        raise OSError("disk gone")

    watcher = PolicyWatcher(check, interval=0.01, on_error=errors.append)
    watcher.start()
    assert again.wait(10)
    watcher.stop()
    assert [str(e) for e in errors] == ["disk gone"]


def test_check_runs_in_the_callers_thread() -> None:
    seen: list[str] = []
    watcher = PolicyWatcher(lambda: seen.append(threading.current_thread().name))
    watcher.check()
    assert seen == [threading.current_thread().name]


def test_reloaded_says_whether_a_policy_is_in_use() -> None:
    assert Reloaded(ReloadOutcome.LOADED, "ok").loaded
    assert not Reloaded(ReloadOutcome.INVALID, "bad").loaded
