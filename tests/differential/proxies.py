"""The gate's reverse proxy, run on an event loop of its own thread for synchronous tests."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

from tests.differential.recorder import RecordingCore
from vigil.gate.proxy import GateProxy, start_proxy
from vigil.gate.proxy_config import ProxyConfig

T = TypeVar("T")

CALL_TIMEOUT = 30.0
"""Seconds to start or stop a proxy."""


class ProxyThread:
    """An event loop in a daemon thread that runs gate proxies until :meth:`close`."""

    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self._proxies: list[GateProxy] = []

    def _call(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(CALL_TIMEOUT)

    def proxy(self, upstream: str) -> tuple[int, RecordingCore]:
        """Start a proxy in front of ``upstream``; returns its port and its recording core."""
        core = RecordingCore()
        proxy = self._call(start_proxy(core, ProxyConfig(upstream=upstream, port=0)))
        self._proxies.append(proxy)
        return proxy.port, core

    def close(self) -> None:
        """Stop every proxy, then the loop and its thread."""
        for proxy in self._proxies:
            self._call(proxy.close())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(CALL_TIMEOUT)
        self._loop.close()
