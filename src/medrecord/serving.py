"""How ``medrecord serve`` runs uvicorn: the HTTP protocol and its limits.

uvicorn closes an idle keep-alive connection, but it has no deadline for a request's headers: a
client that connects and sends nothing, or one header line a second, holds its connection (and
a file descriptor, and memory) for ever, and 1,000 of them are cheap to run. Its httptools
parser also takes headers of any size. So ``medrecord serve`` runs uvicorn's own HTTP protocol
with three additions (``GuardedHttp``):

- **Header deadline.** A connection must deliver a complete request head (request line and
  headers) within ``header_timeout_seconds`` of opening, and each later request on it within
  ``header_timeout_seconds`` of its first byte. A client that sent part of a head is answered
  ``408`` (problem+json, ``Connection: close``); one that sent nothing is just closed, as a
  browser's pre-opened connection would be.
- **Header size.** A head larger than ``MAX_HEADER_BYTES`` is answered ``431`` and closed.
- **Drain deadline.** When the app answers before the request body is complete (the body
  deadline's 408, a 413), the rest of the body must arrive within ``header_timeout_seconds``;
  otherwise the connection is closed (uvicorn would keep reading it for as long as it trickles).

The body deadline itself (``body_timeout_seconds``) is the front-door middleware's: it is an
answer to a request, made where requests are answered.

uvicorn's ``limit_concurrency`` is deliberately not set: it counts open connections, so slow
clients that never finish their headers would fill it and turn every honest request away with
503 -- it would do the attacker's work. What bounds the cost of slow clients is how long each
may stay (the deadlines above); what bounds the work the server takes on is the database pool
(``db_pool_size``, ``db_pool_timeout_seconds``: a request that cannot get a connection is a 503).
See docs/reliability.md, "Slow clients".
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import h11
import structlog
from prometheus_client import Counter
from uvicorn.config import Config
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

from medrecord.config import Settings

log = structlog.get_logger("medrecord.serving")

CUT_OFF = Counter(
    "medrecord_http_connections_cut_off_total",
    "Connections closed because the client was too slow or its request head too large",
    ["reason"],
)

# A request head (request line and headers) larger than this is refused with 431. A bearer
# token is ~1 KiB; browsers send ~2 KiB; nginx's default ceiling is 4 x 8 KiB.
MAX_HEADER_BYTES = 32 * 1024
# uvicorn's default: an idle keep-alive connection is closed after this many seconds.
KEEP_ALIVE_SECONDS = 5
# With --workers N, uvicorn kills a worker that does not answer its ping within this. A new
# worker answers only once it has imported medrecord.cli (Python's spawn re-imports the main
# module); on a loaded two-CPU host that took over uvicorn's default of 5 s, and workers were
# killed and respawned for ever without serving. A hung worker is still replaced, later.
WORKER_HEALTHCHECK_SECONDS = 30


@dataclass(frozen=True)
class ClientLimits:
    header_timeout: float
    max_header_bytes: int = MAX_HEADER_BYTES


def _problem(status: int, reason: bytes, code: str, title: str, detail: str) -> bytes:
    # Imported here: a worker process unpickles this module before it answers uvicorn's health
    # check, and medrecord.http brings the whole web stack (the app loads it anyway, later).
    from medrecord.http import PROBLEM_BASE, PROBLEM_JSON

    body = json.dumps(
        {"type": PROBLEM_BASE + code, "title": title, "status": status, "detail": detail},
        separators=(",", ":"),
    ).encode()
    return b"".join(
        [
            b"HTTP/1.1 %d %s\r\n" % (status, reason),
            b"content-type: " + PROBLEM_JSON.encode() + b"\r\n",
            b"content-length: %d\r\n" % len(body),
            b"x-content-type-options: nosniff\r\n",
            b"connection: close\r\n\r\n",
            body,
        ]
    )


class _Head:
    """One connection's deadline: for a request head to complete, or for the rest of a request
    body the app has already answered. Shared by both protocol classes."""

    def __init__(
        self,
        limits: ClientLimits,
        loop: asyncio.AbstractEventLoop,
        transport: asyncio.Transport,
        response_in_flight: Callable[[], bool],
    ) -> None:
        self.limits = limits
        self.loop = loop
        self.transport = transport
        self.response_in_flight = response_in_flight
        self.begun = False  # bytes of a request head have arrived
        self.size = 0  # ... this many
        self.draining = False
        self._timer: asyncio.TimerHandle | None = None

    def expect(self) -> None:
        """A request head may start now; arm the deadline unless it already runs."""
        if self._timer is None:
            self._timer = self.loop.call_later(self.limits.header_timeout, self._expired)

    def begin(self) -> None:
        self.begun = True
        self.expect()

    def complete(self) -> None:
        self.cancel()
        self.begun, self.size = False, 0

    def grew_too_large(self, received: int) -> bool:
        self.size += received
        return self.size > self.limits.max_header_bytes

    def drain(self) -> None:
        """The app answered before the body was complete: its rest must come in time."""
        self.cancel()
        self.draining = True
        self.expect()

    def drained(self) -> None:
        if self.draining:
            self.cancel()
            self.draining = False
            self.expect()  # uvicorn's keep-alive timer is gone; the next head must come in time

    def cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def refuse(self, reason: str, response: bytes = b"") -> None:
        CUT_OFF.labels(reason).inc()
        peer = self.transport.get_extra_info("peername")
        log.info("connection_cut_off", reason=reason, client=peer[0] if peer else None)
        if response and not self.response_in_flight():  # never inside a pipelined answer
            self.transport.write(response)
        self.transport.close()
        self.draining = False
        # close() waits for the write buffer to drain; a client that does not read would keep
        # the connection open, so it is aborted after one more period.
        self.cancel()
        self._timer = self.loop.call_later(self.limits.header_timeout, self.transport.abort)

    def _expired(self) -> None:
        self._timer = None
        if self.transport.is_closing():
            return
        if self.draining:
            self.refuse("body_drain_timeout")
        elif self.begun:
            self.refuse(
                "header_timeout",
                _problem(
                    408,
                    b"Request Timeout",
                    "request-timeout",
                    "Request timeout",
                    f"The request headers did not arrive within {self.limits.header_timeout:g} s.",
                ),
            )
        else:
            self.refuse("header_timeout")

    def refuse_too_large(self) -> None:
        self.refuse(
            "header_too_large",
            _problem(
                431,
                b"Request Header Fields Too Large",
                "request-headers-too-large",
                "Request headers too large",
                f"Request line and headers are limited to {self.limits.max_header_bytes} bytes.",
            ),
        )


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with the header deadline, header size cap and drain
    deadline (see the module docstring)."""

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
        *,
        limits: ClientLimits,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.limits = limits
        self.head: _Head = None  # type: ignore[assignment]
        self.awaiting_head = True
        self.heads_completed = 0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self.head = _Head(self.limits, self.loop, transport, self._response_in_flight)
        self.head.expect()

    def connection_lost(self, exc: Exception | None) -> None:
        if self.head is not None:
            self.head.cancel()
        super().connection_lost(exc)

    def _response_in_flight(self) -> bool:
        return self.cycle is not None and not self.cycle.response_complete

    def data_received(self, data: bytes) -> None:
        heads_completed = self.heads_completed
        super().data_received(data)
        # A read in which no head completed, while a head is awaited, is all head. (A read that
        # completes one head and starts the next is not counted: at most one read too little.)
        if (
            self.awaiting_head
            and self.heads_completed == heads_completed
            and not self.transport.is_closing()
            and self.head.grew_too_large(len(data))
        ):
            self.head.refuse_too_large()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self.head.begin()

    def on_headers_complete(self) -> None:
        self.awaiting_head = False
        self.heads_completed += 1
        self.head.complete()
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self.awaiting_head = True
        self.head.drained()

    def on_response_complete(self) -> None:
        body_unfinished = self.cycle is not None and self.cycle.more_body
        super().on_response_complete()
        if body_unfinished and not self.transport.is_closing():
            self.head.drain()


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with the header deadline and drain deadline; h11 caps the head
    itself (``h11_max_incomplete_event_size``, answered 400)."""

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
        *,
        limits: ClientLimits,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.limits = limits
        self.head: _Head = None  # type: ignore[assignment]

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self.head = _Head(self.limits, self.loop, transport, self._response_in_flight)
        self.head.expect()

    def connection_lost(self, exc: Exception | None) -> None:
        if self.head is not None:
            self.head.cancel()
        super().connection_lost(exc)

    def _response_in_flight(self) -> bool:
        return self.cycle is not None and not self.cycle.response_complete

    def data_received(self, data: bytes) -> None:
        if data and self.conn.their_state is h11.IDLE:
            self.head.begin()
        cycle = self.cycle
        super().data_received(data)
        if self.cycle is not cycle:
            self.head.complete()
        if self.conn.their_state is not h11.SEND_BODY:
            self.head.drained()

    def on_response_complete(self) -> None:
        body_unfinished = self.conn.their_state is h11.SEND_BODY
        super().on_response_complete()
        if body_unfinished and not self.transport.is_closing():
            self.head.drain()


@dataclass(frozen=True)
class GuardedHttp:
    """The ``http`` uvicorn is given: called per connection like a protocol class. A
    module-level dataclass pickles with its limits, so ``--workers N`` gets them too."""

    limits: ClientLimits
    # uvicorn[standard] brings httptools (uvicorn's "auto" choice too); h11 is its pure-Python
    # alternative, kept working so the guard does not depend on a C extension.
    implementation: Literal["httptools", "h11"] = "httptools"

    def __call__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> asyncio.Protocol:
        protocol: type[GuardedHttpToolsProtocol | GuardedH11Protocol] = (
            GuardedHttpToolsProtocol if self.implementation == "httptools" else GuardedH11Protocol
        )
        return protocol(config, server_state, app_state, _loop, limits=self.limits)


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for ``uvicorn.run`` beyond host, port and workers."""
    return {
        "http": GuardedHttp(ClientLimits(header_timeout=settings.header_timeout_seconds)),
        "timeout_keep_alive": KEEP_ALIVE_SECONDS,
        "h11_max_incomplete_event_size": MAX_HEADER_BYTES,
        "timeout_worker_healthcheck": WORKER_HEALTHCHECK_SECONDS,
    }
