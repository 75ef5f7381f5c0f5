"""Rules and policies that change on disk take effect without a restart.

One :class:`Reloader` per gate worker keeps two files current, polled every few seconds off the
request path (an asyncio task, or a thread of its own for WSGI applications):

- The rule file, watched by stamp (modification time, size, inode). A changed file is read,
  validated and compiled in a worker thread and only then swapped in for the inspector's
  detectors; rules that expire are dropped at their expiry even when the file does not change.
  A file that fails (bad YAML, an invalid RE2 pattern, a duplicate id...) changes nothing: the
  last good set keeps running and ``rules-rejected`` names the file, line and field.
- The policy file of a gate that learns locally, through the core
  (:meth:`~vigil.gate.core.GateCore.check_policy_file`): it knows the file as the gate last
  read or wrote it (:mod:`vigil.gate.policy_file`), so the gate's own saves are not mistaken for
  edits, an operator's edit is read and never written over, and an invalid version keeps the
  last good policy and is reported once. A gate that follows a learner takes its policy from
  the learner (:mod:`vigil.gate.sync`); its policy file is only a cache and is not watched.

SIGHUP (:meth:`Reloader.hangup`) reads both files at once, changed or not.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from vigil.gate.policy_file import Reloaded, ReloadOutcome
from vigil.inspection.phases import Detector
from vigil.signatures.detectors import AttackDetector, LeakDetector, RuleDetector
from vigil.signatures.rules.ruleset import RuleSet
from vigil.signatures.rules.source import RulesError, load_rules

if TYPE_CHECKING:
    from vigil.gate.core import GateCore

RELOAD_SECONDS = 2.0
"""Default interval between two looks at the watched files."""

Stamp = tuple[int, int, int]
Clock = Callable[[], dt.datetime]

__all__ = [
    "RELOAD_SECONDS",
    "ReloadOutcome",
    "Reloaded",
    "Reloader",
    "SignatureSettings",
    "compile_rules",
    "detectors_for",
    "stamp_of",
    "utc_now",
]


def stamp_of(path: Path) -> Stamp | None:
    """What changes when a file is rewritten (mtime, size, inode); None when it is missing."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return (info.st_mtime_ns, info.st_size, info.st_ino)


def utc_now() -> dt.datetime:
    """The current time, for rule expiry."""
    return dt.datetime.now(dt.UTC)


def compile_rules(path: Path, now: dt.datetime) -> RuleSet:
    """Read, validate and compile a rule file (raises RulesError naming file, line, field)."""
    return RuleSet.compile(load_rules(path).rules, now)


@dataclass(frozen=True, slots=True)
class SignatureSettings:
    """Which signature detectors a gate runs: the built-in ones, and an operator's rule file."""

    builtin: bool = True
    rules_path: str | None = None


def detectors_for(settings: SignatureSettings, ruleset: RuleSet | None) -> list[Detector]:
    """The detectors that run before the learned model, in order: rules first (their virtual
    patches claim fields), then the built-in attack and leak detectors."""
    detectors: list[Detector] = []
    if ruleset is not None:
        detectors.append(RuleDetector(ruleset))
    if settings.builtin:
        detectors.extend([AttackDetector(), LeakDetector()])
    return detectors


def policy_event(result: Reloaded | None) -> str | None:
    """The event name :meth:`Reloader.check` reports for a policy reload (None: nothing read)."""
    if result is None or result.outcome is ReloadOutcome.NO_FILE:
        return None
    return f"policy-{result.outcome.value}"


class Reloader:
    """Keeps a gate's rules and, when it learns locally, its policy in step with their files.

    ``watch_policy`` polls the core's policy file; ``policy_on_hangup`` re-reads it on SIGHUP.
    Both are off for a gate that follows a learner.
    """

    def __init__(
        self,
        core: GateCore,
        signatures: SignatureSettings,
        *,
        watch_policy: bool = True,
        policy_on_hangup: bool = True,
        clock: Clock = utc_now,
    ) -> None:
        self.core = core
        self.signatures = signatures
        self.rules_path = Path(signatures.rules_path) if signatures.rules_path else None
        self.watch_policy = watch_policy
        self.policy_on_hangup = policy_on_hangup
        self.clock = clock
        self.ruleset: RuleSet | None = None
        self._rules_stamp: Stamp | None = None
        self._lock = threading.Lock()

    def start(self) -> None:
        """Compile the rule file (errors propagate: the gate refuses to start) and install."""
        if self.rules_path is not None:
            self._rules_stamp = stamp_of(self.rules_path)
            self.ruleset = compile_rules(self.rules_path, self.clock())
        self._install()

    def _install(self) -> None:
        self.core.engine.inspector.use(detectors_for(self.signatures, self.ruleset))
        if self.ruleset is not None:
            self.core.log.event(
                "rules-loaded",
                file=str(self.rules_path),
                rules=len(self.ruleset.rules),
                expired=list(self.ruleset.expired),
            )

    def _rules_changed(self, path: Path) -> bool:
        now = stamp_of(path)
        if now == self._rules_stamp:
            return False
        self._rules_stamp = now
        return now is not None

    def check(self) -> list[str]:
        """Look at the files once; reload what changed. Returns the events, for tests and logs."""
        with self._lock:
            events: list[str] = []
            if self.rules_path is not None:
                expired = (
                    self.ruleset is not None
                    and self.ruleset.next_expiry is not None
                    and self.clock() >= self.ruleset.next_expiry
                )
                if self._rules_changed(self.rules_path) or expired:
                    events.append(self._reload_rules(self.rules_path))
            if self.watch_policy:
                event = policy_event(self.core.check_policy_file())
                if event is not None:
                    events.append(event)
            return events

    def hangup(self) -> list[str]:
        """SIGHUP: read the rule file and (when local) the policy file again, changed or not."""
        with self._lock:
            events: list[str] = []
            if self.rules_path is not None:
                self._rules_stamp = stamp_of(self.rules_path)
                events.append(self._reload_rules(self.rules_path))
            if self.policy_on_hangup:
                event = policy_event(self.core.reload_policy("sighup"))
                if event is not None:
                    events.append(event)
            return events

    def _reload_rules(self, path: Path) -> str:
        try:
            ruleset = compile_rules(path, self.clock())
        except RulesError as exc:
            self.core.log.event(
                "rules-rejected",
                level="error",
                file=str(path),
                error=str(exc),
                problems=exc.problems[:20],
                kept=len(self.ruleset.rules) if self.ruleset is not None else 0,
            )
            return "rules-rejected"
        self.ruleset = ruleset
        self._install()
        return "rules-loaded"

    def _guarded(self, action: Callable[[], list[str]]) -> None:
        try:
            action()
        except Exception as exc:
            self.core.log.event("reload-error", level="error", error=repr(exc)[:200])

    def _checked(self) -> None:
        self._guarded(self.check)

    def on_hangup(self) -> None:
        """:meth:`hangup` for a signal handler's executor: an unexpected failure is logged
        (``reload-error``) instead of lost with the future."""
        self._guarded(self.hangup)

    async def run(self, stop: asyncio.Event, interval: float = RELOAD_SECONDS) -> None:
        """Check every ``interval`` seconds until ``stop`` is set; the work runs in a thread.

        A failure that is not a file problem (a bug) is logged as ``reload-error`` and the
        watch goes on: the gate keeps serving with what it has.
        """
        while not stop.is_set():
            try:
                await asyncio.wait_for(stop.wait(), timeout=interval)
            except TimeoutError:
                await asyncio.to_thread(self._checked)

    def run_in_thread(self, interval: float = RELOAD_SECONDS) -> Callable[[], None]:
        """Check every ``interval`` seconds on a daemon thread (a WSGI application has no event
        loop); returns the function that stops the thread and waits for it."""
        stop = threading.Event()

        def watch() -> None:
            while not stop.wait(interval):
                self._checked()

        thread = threading.Thread(target=watch, name="vigil-reload", daemon=True)
        thread.start()

        def stopper() -> None:
            stop.set()
            thread.join(interval + 10.0)

        return stopper
