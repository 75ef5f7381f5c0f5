"""Slow clients and a hung route against a gate: the load of benchmarks/proxy.py's availability run.

Runs until SIGTERM or SIGINT, then prints one JSON line of what happened to each kind of client:

- ``silent``: connects and never sends a byte;
- ``slow-head``: sends a request head one byte per second;
- ``slow-body``: sends a POST head announcing 64 KiB, then 10 bytes per second;
- ``hang``: keeps one ``GET`` of the hung route outstanding; after any answer but the hung
  route's own (200, or 504 once the gate gave up on the upstream) it waits ``--retry-pause``
  seconds (the gate's ``Retry-After``) before asking again.

Requests carry only a ``Host`` header naming the gate's address, as wrk's do, so that the
enforcing gate of the benchmark passes them as it passes the measured traffic.

The slow clients are split evenly between the kinds given by ``--kinds`` (all three by
default). Whenever the gate closes a connection the client opens a new one at once, so the
load stays what was asked for; after a 429 or 503 it first waits ``--retry-pause`` seconds, as
the gate's ``Retry-After`` asks (``--retry-pause 0``: clients that hammer instead). Each
client connects from its own loopback address (``127.1.x.y`` for slow clients, spread over
``--sources`` addresses; ``127.2.x.y`` for the hang clients, one each): on Linux the whole of
127.0.0.0/8 is the loopback, so the gate sees distinct clients, like a flood from many hosts.

    python benchmarks/attack.py --port 8000 --slow-clients 1000 --hang-clients 300 \\
        --hang-target '/report?id=7'
"""

# ruff: noqa: E402 - the standard library imports must come after the sys.path fix below
from __future__ import annotations

import os
import sys

# Running `python benchmarks/attack.py` puts benchmarks/ first on sys.path, where
# benchmarks/inspect.py would shadow the standard library's inspect module (asyncio needs it).
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]

import argparse
import asyncio
import contextlib
import json
import signal
from collections import Counter
from collections.abc import Awaitable, Callable

HOST = "127.0.0.1"
CONNECT_TIMEOUT = 5.0
KINDS = ("silent", "slow-head", "slow-body")


class Tally:
    """What happened to one kind of client."""

    def __init__(self) -> None:
        self.connections = 0
        self.closed_by_gate = 0
        self.connect_errors = 0
        self.statuses: Counter[int] = Counter()

    def as_dict(self) -> dict[str, object]:
        return {
            "connections": self.connections,
            "closed_by_gate": self.closed_by_gate,
            "connect_errors": self.connect_errors,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
        }


def address(block: int, index: int) -> str:
    """The ``index``-th loopback address of ``127.<block>.0.0/16`` (never .0 or .255)."""
    return f"127.{block}.{index // 254 % 254}.{index % 254 + 1}"


def status_of(data: bytes) -> int | None:
    parts = data.split(b" ", 2)
    if len(parts) >= 2 and data.startswith(b"HTTP/1.") and parts[1].isdigit():
        return int(parts[1])
    return None


async def read_head(reader: asyncio.StreamReader) -> bytes:
    """A response head, or empty bytes when the gate closed the connection first."""
    try:
        return await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, ConnectionError):
        return b""


async def skip_body(reader: asyncio.StreamReader, head: bytes) -> None:
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            await reader.readexactly(int(line.split(b":", 1)[1]))
            return


async def trickle(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    tally: Tally,
    piece: bytes,
) -> int | None:
    """Send ``piece`` every second until the gate answers or closes; returns the status."""
    while True:
        writer.write(piece)
        try:
            data = await asyncio.wait_for(reader.read(4096), 1.0)
        except TimeoutError:
            continue
        except ConnectionError:
            data = b""
        status = status_of(data)
        if status is not None:
            tally.statuses[status] += 1
        return status


async def silent(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, tally: Tally
) -> int | None:
    data = b""
    with contextlib.suppress(ConnectionError):
        data = await reader.read(4096)
    status = status_of(data)
    if status is not None:
        tally.statuses[status] += 1
    return status


Behaviour = Callable[[asyncio.StreamReader, asyncio.StreamWriter, Tally], Awaitable[int | None]]
"""What a client does on one connection; returns the status the gate answered, if any."""


def slow_head(target: str, host: str) -> Behaviour:
    async def run(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter, tally: Tally
    ) -> int | None:
        writer.write(f"GET {target} HTTP/1.1\r\nHost: {host}\r\nX-Slow: ".encode())
        return await trickle(reader, writer, tally, b"a")

    return run


def slow_body(target: str, host: str) -> Behaviour:
    async def run(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter, tally: Tally
    ) -> int | None:
        writer.write(
            f"POST {target} HTTP/1.1\r\nHost: {host}\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            "Content-Length: 65536\r\n\r\n".encode()
        )
        return await trickle(reader, writer, tally, b"a=aaaaaaa&")

    return run


def hang(target: str, host: str, retry_pause: float) -> Behaviour:
    request = f"GET {target} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode()

    async def run(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter, tally: Tally
    ) -> int | None:
        while True:
            writer.write(request)
            head = await read_head(reader)
            status = status_of(head)
            if status is None:
                return None
            tally.statuses[status] += 1
            if b"connection: close" in head.lower():
                return status
            await skip_body(reader, head)
            if status not in (200, 504):
                await asyncio.sleep(retry_pause)

    return run


async def client(
    port: int, source: str, behave: Behaviour, tally: Tally, retry_pause: float
) -> None:
    """Connect from ``source``, behave until the gate closes, and start over."""
    while True:
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection(HOST, port, local_addr=(source, 0)), CONNECT_TIMEOUT
            )
        except (OSError, TimeoutError):
            tally.connect_errors += 1
            await asyncio.sleep(0.1)
            continue
        tally.connections += 1
        status = None
        try:
            status = await behave(reader, writer, tally)
            tally.closed_by_gate += 1
        except (ConnectionError, asyncio.IncompleteReadError):
            tally.closed_by_gate += 1
        finally:
            writer.close()
        if status in (429, 503):
            await asyncio.sleep(retry_pause)


async def main(options: argparse.Namespace) -> None:
    tallies = {kind: Tally() for kind in (*KINDS, "hang")}
    host = f"{HOST}:{options.port}"
    behaviours = {
        "silent": silent,
        "slow-head": slow_head(options.slow_target, host),
        "slow-body": slow_body(options.slow_target, host),
    }
    tasks: list[asyncio.Task[None]] = []
    for i in range(options.slow_clients):
        kind = options.kinds[i % len(options.kinds)]
        source = address(1, i % options.sources)
        tasks.append(
            asyncio.create_task(
                client(options.port, source, behaviours[kind], tallies[kind], options.retry_pause)
            )
        )
    rush = hang(options.hang_target, host, options.retry_pause)
    for i in range(options.hang_clients):
        tasks.append(
            asyncio.create_task(
                client(options.port, address(2, i), rush, tallies["hang"], options.retry_pause)
            )
        )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    print("attack-started", flush=True)
    await stop.wait()
    print(json.dumps({kind: tally.as_dict() for kind, tally in tallies.items()}), flush=True)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--port", type=int, required=True, help="the gate's port on 127.0.0.1")
    parser.add_argument("--slow-clients", type=int, default=1000)
    parser.add_argument("--sources", type=int, default=1000, help="addresses of slow clients")
    parser.add_argument("--hang-clients", type=int, default=300)
    parser.add_argument("--hang-target", default="/report?id=7")
    parser.add_argument("--slow-target", default="/users?username=alice")
    parser.add_argument("--retry-pause", type=float, default=1.0)
    parser.add_argument(
        "--kinds", default=",".join(KINDS), help="comma-separated kinds of slow clients"
    )
    options = parser.parse_args(argv)
    options.kinds = [kind.strip() for kind in options.kinds.split(",") if kind.strip()]
    if not options.kinds or set(options.kinds) - set(KINDS):
        parser.error(f"--kinds must name some of {', '.join(KINDS)}")
    if options.sources < 1 or options.sources > 254 * 254:
        parser.error("--sources must be 1..64516")
    return options


if __name__ == "__main__":
    opts = parse()
    try:
        import uvloop
    except ImportError:
        asyncio.run(main(opts))
    else:
        uvloop.run(main(opts))
