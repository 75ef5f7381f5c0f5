"""Real upstream servers for the differential suite, started on 127.0.0.1 and stopped after.

Each server runs in its own process on a socket the test process binds and listens on first,
then hands over by file descriptor: the port is known before the server starts, no port can
be taken by someone else in between, and a client may connect at once (the kernel queues the
connection until the server accepts), so nothing polls or sleeps waiting for a start-up.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

STOP_TIMEOUT = 10.0
"""Seconds a server gets to exit after SIGTERM before it is killed."""


@dataclass
class Server:
    """One upstream process and the port it serves."""

    name: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path
    _listener: socket.socket = field(repr=False)

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        """What the server wrote to stdout and stderr (for failure messages)."""
        return self.log.read_text(errors="replace")[-4000:]

    def stop(self) -> None:
        """SIGTERM, then SIGKILL after :data:`STOP_TIMEOUT`; closes the listening socket."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(STOP_TIMEOUT)
        self._listener.close()
        self.log.unlink(missing_ok=True)


def _listening() -> socket.socket:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)
    listener.set_inheritable(True)
    return listener


def _command(kind: str, fd: int, gated: bool) -> list[str]:
    python = sys.executable
    if kind == "uvicorn":
        target = "tests.differential.echo_starlette:" + ("gated" if gated else "app")
        return [
            python,
            "-m",
            "uvicorn",
            target,
            "--factory",
            "--fd",
            str(fd),
            "--http",
            "httptools",
            "--log-level",
            "warning",
            "--no-access-log",
        ]
    if kind == "gunicorn":
        target = "tests.differential.echo_flask:" + ("gated()" if gated else "app")
        return [
            python,
            "-m",
            "gunicorn",
            target,
            "--bind",
            f"fd://{fd}",
            "--workers",
            "1",
            "--log-level",
            "warning",
            "--graceful-timeout",
            "2",
        ]
    if kind == "aiohttp":
        return [python, "-m", "tests.differential.echo_aiohttp", str(fd)]
    raise ValueError(f"unknown server kind {kind!r}")


def start(kind: str, *, gated: bool = False) -> Server:
    """Start the echo application of ``kind`` (``uvicorn``, ``gunicorn`` or ``aiohttp``).

    ``gated`` runs it behind the gate's ASGI (uvicorn) or WSGI (gunicorn) middleware.
    """
    listener = _listening()
    fd = listener.fileno()
    handle, log_name = tempfile.mkstemp(prefix=f"vigil-diff-{kind}-", suffix=".log")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "src")])}
    with os.fdopen(handle, "wb") as log:
        process = subprocess.Popen(
            _command(kind, fd, gated),
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            pass_fds=(fd,),
        )
    port = int(listener.getsockname()[1])
    name = f"{kind}{'+middleware' if gated else ''}"
    return Server(name, port, process, Path(log_name), listener)
