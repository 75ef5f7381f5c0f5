"""Rules and policies reload without a restart; a broken file keeps the last good set.

The policy file is watched through the core (its own saves are not edits, see
tests/gate/test_core.py); a gate that follows a learner watches only its rules.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import os
import threading
from pathlib import Path

import orjson
import pytest

from tests.behavior.builders import RequestBuilder
from vigil.behavior.decision import Mode, Verdict
from vigil.behavior.engine import Engine
from vigil.behavior.policy import Policy, save_policy
from vigil.gate.core import GateCore
from vigil.gate.logging import GateLog
from vigil.gate.reload import Reloaded, Reloader, ReloadOutcome, SignatureSettings, stamp_of

RULES = """\
rules:
  - id: block-evil
    action: block
    expires: {expires}
    fields: query.q
    forbid: {{contains: [{word}]}}
"""


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now


def write(path: Path, text: str) -> None:
    before = stamp_of(path)
    path.write_text(text)
    if stamp_of(path) == before:
        os.utime(path, ns=(0, (before[0] if before else 0) + 1_000_000))


def verdict(core: GateCore, q: str) -> Verdict:
    return core.engine.inspect_request(RequestBuilder().get("/search").query(q=q).build()).verdict


def events(stream: io.StringIO) -> list[dict[str, object]]:
    return [orjson.loads(line) for line in stream.getvalue().splitlines()]


@pytest.fixture
def gate(tmp_path: Path) -> tuple[GateCore, Reloader, Path, io.StringIO, Clock]:
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES.format(expires="2027-01-01", word="evil"))
    stream = io.StringIO()
    core = GateCore(Engine(Policy(mode=Mode.LEARN)), log=GateLog(stream, pod="shop-7d9f"))
    clock = Clock()
    reloader = Reloader(core, SignatureSettings(rules_path=str(rules)), clock=clock)
    reloader.start()
    return core, reloader, rules, stream, clock


def test_start_installs_rules_then_builtin_detectors(
    gate: tuple[GateCore, Reloader, Path, io.StringIO, Clock],
) -> None:
    core, _, _, stream, _ = gate
    assert [d.name for d in core.engine.inspector.detectors] == [
        "rules",
        "signatures",
        "leaks",
        "model",
    ]
    assert verdict(core, "so evil") is Verdict.BLOCK
    (loaded,) = events(stream)
    assert (loaded["event"], loaded["rules"], loaded["pod"]) == ("rules-loaded", 1, "shop-7d9f")
    core.inspect_request(RequestBuilder().get("/search").query(q="so evil").build())
    alert = events(stream)[-1]
    assert (alert["event"], alert["pod"], alert["verdict"]) == ("alert", "shop-7d9f", "block")
    assert alert["alerts"][0]["detector"] == "block-evil"  # type: ignore[index]


def test_a_changed_file_is_swapped_in(
    gate: tuple[GateCore, Reloader, Path, io.StringIO, Clock],
) -> None:
    core, reloader, rules, _, _ = gate
    assert reloader.check() == []
    write(rules, RULES.format(expires="2027-01-01", word="wicked"))
    assert reloader.check() == ["rules-loaded"]
    assert verdict(core, "so evil") is Verdict.ALLOW
    assert verdict(core, "so wicked") is Verdict.BLOCK


def test_a_broken_file_keeps_the_last_good_set_and_says_why(
    gate: tuple[GateCore, Reloader, Path, io.StringIO, Clock],
) -> None:
    core, reloader, rules, stream, _ = gate
    write(rules, RULES.format(expires="2027-01-01", word="evil") + "    colour: red\n")
    assert reloader.check() == ["rules-rejected"]
    assert verdict(core, "so evil") is Verdict.BLOCK
    rejected = events(stream)[-1]
    assert rejected["event"] == "rules-rejected"
    assert rejected["level"] == "error"
    assert rejected["error"] == f"{rules}:7: rules[0].colour: Extra inputs are not permitted"
    assert rejected["kept"] == 1
    assert reloader.check() == []


def test_a_removed_file_keeps_the_rules(
    gate: tuple[GateCore, Reloader, Path, io.StringIO, Clock],
) -> None:
    core, reloader, rules, _, _ = gate
    rules.unlink()
    assert reloader.check() == []
    assert verdict(core, "so evil") is Verdict.BLOCK


def test_rules_drop_out_at_their_expiry(
    gate: tuple[GateCore, Reloader, Path, io.StringIO, Clock],
) -> None:
    core, reloader, _, _, clock = gate
    clock.now = dt.datetime(2027, 1, 2, tzinfo=dt.UTC)
    assert reloader.check() == ["rules-loaded"]
    assert verdict(core, "so evil") is Verdict.ALLOW
    assert reloader.ruleset is not None
    assert reloader.ruleset.expired == ("block-evil",)


def local_gate(path: Path, **kwargs: object) -> tuple[GateCore, Reloader, io.StringIO]:
    stream = io.StringIO()
    core = GateCore(Engine(Policy(mode=Mode.LEARN)), log=GateLog(stream), policy_path=path)
    core.reload_policy("start")
    reloader = Reloader(core, SignatureSettings(builtin=False), **kwargs)  # type: ignore[arg-type]
    reloader.start()
    return core, reloader, stream


def test_policies_reload_and_a_broken_one_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    save_policy(Policy(mode=Mode.LEARN), path)
    core, reloader, stream = local_gate(path)
    assert [d.name for d in core.engine.inspector.detectors] == ["model"]
    assert reloader.check() == []
    write(path, Policy(mode=Mode.ENFORCE, version=3).to_yaml())
    assert reloader.check() == ["policy-loaded"]
    assert core.engine.policy.version == 3
    write(path, path.read_text() + "\n")
    assert reloader.check() == ["policy-unchanged"]
    write(path, "apiVersion: vigil.dev/v1\nmode: sometimes\n")
    assert reloader.check() == ["policy-invalid"]
    assert core.engine.policy.mode is Mode.ENFORCE
    assert "mode" in str(events(stream)[-1]["reason"])
    assert reloader.check() == []


def test_the_gates_own_saves_are_not_reloaded(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    core, reloader, _ = local_gate(path)
    core.engine.set_mode(Mode.DETECT)
    assert core.save() == path
    assert reloader.check() == []


def test_a_forced_mode_survives_a_policy_reload(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    save_policy(Policy(mode=Mode.LEARN), path)
    core = GateCore(
        Engine(Policy(mode=Mode.DETECT)),
        log=GateLog(io.StringIO()),
        policy_path=path,
        mode_override=Mode.DETECT,
    )
    reloader = Reloader(core, SignatureSettings())
    reloader.start()
    write(path, Policy(mode=Mode.ENFORCE, version=4).to_yaml())
    assert reloader.check() == ["policy-loaded"]
    assert (core.engine.policy.mode, core.engine.policy.version) == (Mode.DETECT, 4)


@pytest.mark.parametrize(
    ("watch", "on_hangup", "checked", "hung_up"),
    [
        (True, True, ["policy-loaded"], ["rules-loaded", "policy-unchanged"]),
        (False, True, [], ["rules-loaded", "policy-loaded"]),
        (False, False, [], ["rules-loaded"]),
    ],
)
def test_what_is_watched_and_what_sighup_reads(
    tmp_path: Path, watch: bool, on_hangup: bool, checked: list[str], hung_up: list[str]
) -> None:
    path = tmp_path / "policy.yaml"
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES.format(expires="2027-01-01", word="evil"))
    save_policy(Policy(mode=Mode.LEARN), path)
    core = GateCore(Engine(Policy(mode=Mode.LEARN)), log=GateLog(io.StringIO()), policy_path=path)
    core.reload_policy("start")
    reloader = Reloader(
        core,
        SignatureSettings(rules_path=str(rules)),
        watch_policy=watch,
        policy_on_hangup=on_hangup,
        clock=Clock(),
    )
    reloader.start()
    write(path, Policy(mode=Mode.ENFORCE, version=5).to_yaml())
    assert reloader.check() == checked
    assert reloader.hangup() == hung_up
    expected = 5 if checked or on_hangup else 0
    assert core.engine.policy.version == expected
    assert reloader.check() == []


def test_sighup_rereads_an_unchanged_rule_file(
    gate: tuple[GateCore, Reloader, Path, io.StringIO, Clock],
) -> None:
    core, reloader, _, stream, _ = gate
    assert reloader.hangup() == ["rules-loaded"]
    assert [e["event"] for e in events(stream)] == ["rules-loaded", "rules-loaded"]
    assert verdict(core, "so evil") is Verdict.BLOCK


async def test_the_watch_loop_stops_when_asked(
    gate: tuple[GateCore, Reloader, Path, io.StringIO, Clock],
) -> None:
    _, reloader, _, _, _ = gate
    stop = asyncio.Event()
    task = asyncio.create_task(reloader.run(stop, interval=0.01))
    stop.set()
    await asyncio.wait_for(task, 5)


async def test_an_unexpected_failure_is_logged_and_the_watch_goes_on(
    gate: tuple[GateCore, Reloader, Path, io.StringIO, Clock], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, reloader, _, stream, _ = gate
    calls: list[int] = []
    stop = asyncio.Event()

    def broken() -> list[str]:
        calls.append(1)
        if len(calls) >= 2:
            stop.set()
        raise RuntimeError("bug")

    monkeypatch.setattr(reloader, "check", broken)
    await asyncio.wait_for(reloader.run(stop, interval=0.01), 10)
    assert len(calls) >= 2
    assert events(stream)[-1]["event"] == "reload-error"


def test_the_watch_thread_checks_until_stopped(
    gate: tuple[GateCore, Reloader, Path, io.StringIO, Clock], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, reloader, _, _, _ = gate
    calls: list[str] = []
    checked = threading.Event()

    def check() -> list[str]:
        calls.append(threading.current_thread().name)
        if len(calls) >= 3:
            checked.set()
        return []

    monkeypatch.setattr(reloader, "check", check)
    stop = reloader.run_in_thread(interval=0.01)
    assert checked.wait(10)
    stop()
    count = len(calls)
    assert set(calls) == {"vigil-reload"}
    assert len(calls) == count


def test_an_error_in_the_watch_thread_is_logged_and_watching_goes_on(
    gate: tuple[GateCore, Reloader, Path, io.StringIO, Clock], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, reloader, _, stream, _ = gate
    again = threading.Event()
    calls: list[int] = []

    def check() -> list[str]:
        calls.append(1)
        if len(calls) > 1:
            again.set()
            return []
        raise OSError("disk gone")

    monkeypatch.setattr(reloader, "check", check)
    stop = reloader.run_in_thread(interval=0.01)
    assert again.wait(10)
    stop()
    failures = [e for e in events(stream) if e["event"] == "reload-error"]
    assert [f["error"] for f in failures] == ["OSError('disk gone')"]


@pytest.mark.parametrize(
    ("outcome", "loaded"),
    [
        (ReloadOutcome.LOADED, True),
        (ReloadOutcome.UNCHANGED, True),
        (ReloadOutcome.INVALID, False),
        (ReloadOutcome.MISSING, False),
        (ReloadOutcome.NO_FILE, False),
    ],
)
def test_reloaded_says_whether_the_files_policy_is_in_use(
    outcome: ReloadOutcome, loaded: bool
) -> None:
    assert Reloaded(outcome, "why").loaded is loaded


def test_a_failure_at_sighup_is_logged(
    gate: tuple[GateCore, Reloader, Path, io.StringIO, Clock], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, reloader, _, stream, _ = gate

    def broken() -> list[str]:
        raise RuntimeError("bug")

    monkeypatch.setattr(reloader, "hangup", broken)
    reloader.on_hangup()
    assert events(stream)[-1]["event"] == "reload-error"
    assert events(stream)[-1]["error"] == "RuntimeError('bug')"
