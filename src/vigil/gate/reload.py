"""Rules and policies that change on disk take effect without a restart.

The gate watches its policy file and its rule file (by modification time, size and inode,
polled every few seconds off the request path). A changed file is read, validated and compiled
in a worker thread; only then is it swapped in, atomically, for the detectors of the inspector
or the policy of the engine. A file that fails (bad YAML, an invalid RE2 pattern, a duplicate
id...) changes nothing: the last good set keeps running and the gate logs why
(``rules-rejected`` / ``policy-rejected`` with the file, line and field). Rules that expire are
dropped at their expiry even when the file does not change.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from vigil.behavior.policy import Policy, PolicyError, load_policy
from vigil.gate.core import GateCore
from vigil.inspection.phases import Detector
from vigil.signatures.detectors import AttackDetector, LeakDetector, RuleDetector
from vigil.signatures.rules.ruleset import RuleSet
from vigil.signatures.rules.source import RulesError, load_rules

RELOAD_SECONDS = 2.0
"""Default interval between two looks at the watched files."""

Stamp = tuple[int, int, int]
Clock = Callable[[], dt.datetime]


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


class Reloader:
    """Keeps a gate's rules and policy in step with their files."""

    def __init__(
        self,
        core: GateCore,
        signatures: SignatureSettings,
        *,
        policy_path: str | Path | None = None,
        adapt: Callable[[Policy], Policy] | None = None,
        clock: Clock = utc_now,
    ) -> None:
        self.core = core
        self.signatures = signatures
        self.rules_path = Path(signatures.rules_path) if signatures.rules_path else None
        self.policy_path = Path(policy_path) if policy_path is not None else None
        self.adapt = adapt
        self.clock = clock
        self.ruleset: RuleSet | None = None
        self._stamps: dict[Path, Stamp | None] = {}

    def start(self) -> None:
        """Compile the rule file (errors propagate: the gate refuses to start) and install."""
        if self.rules_path is not None:
            self._stamps[self.rules_path] = stamp_of(self.rules_path)
            self.ruleset = compile_rules(self.rules_path, self.clock())
        if self.policy_path is not None:
            self._stamps[self.policy_path] = stamp_of(self.policy_path)
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

    def _changed(self, path: Path) -> bool:
        now = stamp_of(path)
        if now == self._stamps.get(path):
            return False
        self._stamps[path] = now
        return now is not None

    def check(self) -> list[str]:
        """Look at the files once; reload what changed. Returns the events, for tests and logs."""
        events: list[str] = []
        if self.rules_path is not None:
            expired = (
                self.ruleset is not None
                and self.ruleset.next_expiry is not None
                and self.clock() >= self.ruleset.next_expiry
            )
            if self._changed(self.rules_path) or expired:
                events.append(self._reload_rules(self.rules_path))
        if self.policy_path is not None and self._changed(self.policy_path):
            events.append(self._reload_policy(self.policy_path))
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

    def _reload_policy(self, path: Path) -> str:
        try:
            policy = load_policy(path)
        except PolicyError as exc:
            self.core.log.event("policy-rejected", level="error", file=str(path), error=str(exc))
            return "policy-rejected"
        if self.adapt is not None:
            policy = self.adapt(policy)
        if policy == self.core.engine.policy:
            return "policy-unchanged"
        self.core.load(policy)
        self.core.log.event("policy-loaded", file=str(path), version=policy.version)
        return "policy-loaded"

    async def run(self, stop: asyncio.Event, interval: float = RELOAD_SECONDS) -> None:
        """Check every ``interval`` seconds until ``stop`` is set; the work runs in a thread.

        A failure that is not a file problem (a bug) is logged as ``reload-error`` and the
        watch goes on: the gate keeps serving with what it has.
        """
        while not stop.is_set():
            try:
                await asyncio.wait_for(stop.wait(), timeout=interval)
            except TimeoutError:
                try:
                    await asyncio.to_thread(self.check)
                except Exception as exc:
                    self.core.log.event("reload-error", level="error", error=repr(exc)[:200])
