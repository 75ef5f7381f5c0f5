"""Reloading a gate's policy while it runs: on file change, on SIGHUP, and keeping the last good.

A gate must follow its policy without a restart: an operator edits the file (or a ConfigMap
update swaps it), or sends SIGHUP. A :class:`PolicyWatcher` thread checks the file's
fingerprint every few seconds (a stat; the content digest only when the stat changed) and asks
the core to reload when it changed (:meth:`~vigil.gate.core.GateCore.check_policy_file`). A reload that fails (invalid YAML, a field out of range)
leaves the last good policy in use and says why in one log line and a metric.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

WATCH_SECONDS = 2.0
"""How often the policy file is checked for a change."""


class ReloadOutcome(StrEnum):
    """What a reload did (the ``result`` label of ``vigil_policy_reloads_total``)."""

    LOADED = "loaded"
    INVALID = "invalid"
    """The new policy did not validate; the last good one stays in use."""
    MISSING = "missing"
    """The file is gone; the last good policy stays in use."""
    NO_FILE = "no-file"
    """The gate has no policy file."""


@dataclass(frozen=True, slots=True)
class Reloaded:
    """The result of one reload, with a reason a person can read."""

    outcome: ReloadOutcome
    reason: str

    @property
    def loaded(self) -> bool:
        """True when a new policy is in use."""
        return self.outcome is ReloadOutcome.LOADED


class PolicyWatcher:
    """Calls ``check`` every ``interval`` seconds on a thread of its own.

    ``check`` is the core's :meth:`~vigil.gate.core.GateCore.check_policy_file`: it compares
    the file's fingerprint and reloads when the file changed. An exception in it is passed to
    ``on_error`` and watching goes on.
    """

    def __init__(
        self,
        check: Callable[[], object],
        interval: float = WATCH_SECONDS,
        on_error: Callable[[Exception], None] | None = None,
    ) -> None:
        self._check = check
        self.interval = interval
        self._on_error = on_error
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start watching (once)."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._run, name="vigil-policy-watch", daemon=True
            )
            self._thread.start()

    def check(self) -> None:
        """Check once now, in the caller's thread."""
        try:
            self._check()
        except Exception as exc:
            if self._on_error is not None:
                self._on_error(exc)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.check()

    def stop(self) -> None:
        """Stop watching and wait for the thread."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(self.interval + 5.0)
            self._thread = None
