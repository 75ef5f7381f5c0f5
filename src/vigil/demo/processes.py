"""The demo's processes: ``vigil learner serve`` and ``vigil gate``, run as a user runs them.

Each is a subprocess of this interpreter's installation whose stdout (JSON log lines) goes to a
file in the demo's temporary directory. Starting waits, at most a bounded time, for the line
that says it listens (``learner-started`` with its ``url``, ``gate-started`` with its
``listen``) and reports the process's stderr when it exits first. Stopping sends SIGTERM,
waits a bounded time, then kills.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import IO, Any


class DemoError(RuntimeError):
    """Something the demo needs did not work; the message says what and where to look."""


def vigil_command(*args: str) -> list[str]:
    """How to run ``vigil ARGS`` with this interpreter's installation."""
    script = Path(sys.executable).parent / "vigil"
    if script.exists():
        return [str(script), *args]
    return [sys.executable, "-c", "from vigil.cli.main import main; main()", *args]


class ServiceProcess:
    """One vigil subprocess whose stdout (JSON log lines) goes to a file."""

    started_event = ""
    """The log event that says the process listens."""
    url_key = ""
    """The field of that event holding the base URL."""
    kind = "process"

    def __init__(self, name: str, args: list[str], workdir: Path) -> None:
        self.name = name
        self.args = args
        self.log_path = workdir / f"{self.kind}-{name}.log"
        self.err_path = workdir / f"{self.kind}-{name}.err"
        self.proc: subprocess.Popen[bytes] | None = None
        self._files: list[IO[bytes]] = []
        self.url: str | None = None

    @property
    def title(self) -> str:
        """How messages name it, e.g. ``the a gate``."""
        return f"the {self.name} {self.kind}"

    async def start(self, timeout: float) -> str:
        """Start it and wait (at most ``timeout`` s) for its started line; returns its URL."""
        out = self.log_path.open("wb")
        self._files.append(out)
        err = self.err_path.open("wb")
        self._files.append(err)
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        self.proc = subprocess.Popen(
            self.args, stdin=subprocess.DEVNULL, stdout=out, stderr=err, env=env
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in self.lines():
                url = line.get(self.url_key)
                if line.get("event") == self.started_event and isinstance(url, str):
                    self.url = url
                    return url
            code = self.proc.poll()
            if code is not None:
                raise DemoError(
                    f"{self.title} exited with status {code} before listening:\n"
                    f"  command: {' '.join(self.args)}\n{self.stderr_tail()}"
                )
            await asyncio.sleep(0.05)
        raise DemoError(
            f"{self.title} did not report '{self.started_event}' within {timeout:.0f} s:\n"
            f"  command: {' '.join(self.args)}\n{self.stderr_tail()}"
        )

    def lines(self) -> list[dict[str, Any]]:
        """The JSON log lines written so far (other lines are skipped)."""
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return []
        out: list[dict[str, Any]] = []
        for raw in text.splitlines():
            if not raw.startswith("{"):
                continue
            try:
                value = json.loads(raw)
            except ValueError:
                continue
            if isinstance(value, dict):
                out.append(value)
        return out

    def stderr_tail(self, limit: int = 2000) -> str:
        """The end of its stderr, indented, for error messages."""
        try:
            text = self.err_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "  (no stderr)"
        text = text[-limit:].rstrip()
        return "\n".join(f"  | {line}" for line in text.splitlines()) or "  (stderr is empty)"

    async def stop(self, timeout: float) -> int | None:
        """SIGTERM, wait at most ``timeout`` s, then kill; returns the exit status."""
        proc = self.proc
        if proc is None:
            return None
        try:
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    proc.send_signal(signal.SIGTERM)
                deadline = time.monotonic() + timeout
                while proc.poll() is None and time.monotonic() < deadline:
                    await asyncio.sleep(0.05)
            if proc.poll() is None:
                self.kill()
                raise DemoError(
                    f"{self.title} did not stop within {timeout:.0f} s of SIGTERM; killed"
                )
            return proc.returncode
        finally:
            self._close_files()

    def kill(self) -> None:
        """Kill it at once (the last resort, also on a second Ctrl-C)."""
        proc = self.proc
        if proc is not None and proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=5)
        self._close_files()

    def _close_files(self) -> None:
        for handle in self._files:
            handle.close()
        self._files.clear()


class LearnerProcess(ServiceProcess):
    """``vigil learner serve`` on an ephemeral loopback port."""

    started_event = "learner-started"
    url_key = "url"
    kind = "learner"


class GateProcess(ServiceProcess):
    """``vigil gate --config FILE`` (the file written by the demo)."""

    started_event = "gate-started"
    url_key = "listen"
    kind = "gate"

    def alerts_by_request(self) -> dict[str, list[dict[str, Any]]]:
        """The request-phase alerts of each request id."""
        found: dict[str, list[dict[str, Any]]] = {}
        for line in self.lines():
            if line.get("event") != "alert" or line.get("phase", "request") != "request":
                continue
            rid = line.get("request_id")
            alerts = line.get("alerts")
            if isinstance(rid, str) and isinstance(alerts, list):
                found.setdefault(rid, []).extend(a for a in alerts if isinstance(a, dict))
        return found

    def policy_version(self) -> int:
        """The newest policy version the gate reported receiving from the learner."""
        versions = [
            int(line["version"])
            for line in self.lines()
            if line.get("event") == "policy-received" and isinstance(line.get("version"), int)
        ]
        return max(versions, default=0)
