"""Bursts of truly concurrent HTTP requests, for race tests."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import httpx


@dataclass
class Burst:
    """Fires requests from many threads released together by a barrier."""

    pool: ThreadPoolExecutor
    local: threading.local
    clients: list[httpx.Client]

    def __call__(self, requests: list[Callable[[httpx.Client], httpx.Response]]) -> list[Any]:
        barrier = threading.Barrier(len(requests))

        def run(send: Callable[[httpx.Client], httpx.Response]) -> httpx.Response:
            client = getattr(self.local, "client", None)
            if client is None:
                client = self.local.client = httpx.Client(timeout=60)
                self.clients.append(client)
            barrier.wait(timeout=30)
            return send(client)

        return list(self.pool.map(run, requests))
