"""Slow clients are cut off while everyone else is served (issue 11): request heads sent a line
a second, bodies sent a byte a second, connections that send nothing, a head that never ends.

A real ``medrecord serve`` process (one worker and two) with short deadlines, raw sockets. The
protocol-level rules are also checked in-process for both of uvicorn's HTTP implementations
(httptools, which ``serve`` uses, and h11). Figures are printed; see docs/reliability.md,
"Slow clients". ``pytest --soak`` runs 4,000 slow connections instead of 1,000.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import pickle
import resource
import selectors
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from medrecord.config import Settings
from medrecord.serving import ClientLimits, GuardedHttp, uvicorn_options
from tests.support.ui_server import Server

pytestmark = pytest.mark.slow

HEADER_TIMEOUT = 2.0
BODY_TIMEOUT = 3.0
# Scheduling slack: the server's timer starts when it accepts, ours when connect() returns.
MARGIN = 1.0
# Under attack both ends are busy (one client thread drives every slow connection and notices
# a close only when it next polls): more slack, still far from anything else that could close
# these connections (uvicorn itself never would).
ATTACK_MARGIN = 2.0
MEDRECORD_SERVE = [sys.executable, "-m", "medrecord.cli", "serve"]
CARD = "/citizens/070354-1234/medication-card"  # a demo citizen of dr.jensen's practice


# --- a real `medrecord serve` ---------------------------------------------------------------


def _raise_file_limit() -> int:
    """Raise this process's open-file limit to its hard limit (the server inherits it)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or hard > soft:
        target = 65536 if hard == resource.RLIM_INFINITY else hard
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def start(tmp: Path, database_url: str, *, workers: int) -> Server:
    """``tests.support.ui_server.start_server`` with ``--workers`` and short deadlines."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEDRECORD_")}
    env |= {
        "MEDRECORD_DATABASE_URL": database_url.replace("postgresql+psycopg", "postgresql"),
        "MEDRECORD_DATA_DIR": str(tmp),
        "MEDRECORD_HEADER_TIMEOUT_SECONDS": str(HEADER_TIMEOUT),
        "MEDRECORD_BODY_TIMEOUT_SECONDS": str(BODY_TIMEOUT),
        "MEDRECORD_LOG_LEVEL": "WARNING",  # one info line per cut-off is 1,000 lines here
    }
    with (tmp / "serve.log").open("ab") as log:
        process = subprocess.Popen(
            [*MEDRECORD_SERVE, "--port", str(port), "--workers", str(workers)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120  # two workers each import the app
    while time.monotonic() < deadline:
        assert process.poll() is None, (tmp / "serve.log").read_text()
        try:
            if httpx.get(base + "/readyz", timeout=1).status_code == 200:
                return Server(base, tmp, process)
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    stop(process)
    raise AssertionError("server not ready:\n" + (tmp / "serve.log").read_text())


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM: uvicorn's parent stops its workers too (SIGKILL would orphan them)."""
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="module", params=[1, 2], ids=["1-worker", "2-workers"])
def workers(request: pytest.FixtureRequest) -> int:
    return int(request.param)


@pytest.fixture(scope="module")
def server(
    workers: int, tmp_path_factory: pytest.TempPathFactory, fresh_database: Callable[[], str]
) -> Iterator[Server]:
    _raise_file_limit()
    server = start(tmp_path_factory.mktemp(f"slow-{workers}"), fresh_database(), workers=workers)
    yield server
    stop(server.process)


def port_of(server: Server) -> int:
    return int(server.base.rsplit(":", 1)[1])


# --- one slow client ------------------------------------------------------------------------


@dataclass
class Outcome:
    data: bytes = b""
    answered_after: float | None = None  # seconds from connect to the first response byte
    closed_after: float | None = None  # ... to the server closing the connection

    @property
    def status(self) -> int | None:
        return int(self.data.split(b" ", 2)[1]) if self.data else None

    @property
    def problem(self) -> dict[str, Any]:
        head, _, body = self.data.partition(b"\r\n\r\n")
        assert b"content-type: application/problem+json" in head.lower(), head
        result: dict[str, Any] = json.loads(body)
        return result


def trickle(
    port: int, head: bytes, pieces: list[bytes], *, every: float = 1.0, give_up: float = 20.0
) -> Outcome:
    """Send ``head``, then one of ``pieces`` every ``every`` seconds, until the server closes
    the connection (or ``give_up`` seconds pass)."""
    outcome = Outcome()
    started = time.monotonic()  # before connecting, as in _open
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(head)
        next_send, sent = started + every, 0
        while (now := time.monotonic()) - started < give_up:
            if sent < len(pieces) and now >= next_send:
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    sock.sendall(pieces[sent])  # if closed, the read below sees it
                sent, next_send = sent + 1, next_send + every
            sock.settimeout(max(0.001, min(0.05, next_send - now)))
            try:
                chunk = sock.recv(65536)
            except TimeoutError:
                continue
            except ConnectionResetError:
                chunk = b""
            if not chunk:
                outcome.closed_after = time.monotonic() - started
                break
            outcome.data += chunk
            if outcome.answered_after is None:
                outcome.answered_after = time.monotonic() - started
    return outcome


def header_lines(n: int) -> list[bytes]:
    return [b"X-Slow-%d: yes\r\n" % i for i in range(n)]


def post_head(length: int) -> bytes:
    return (
        b"POST /api/v1/citizens HTTP/1.1\r\nHost: medrecord\r\n"
        b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % length
    )


def test_headers_a_line_a_second_are_cut_off_with_408(server: Server) -> None:
    outcome = trickle(port_of(server), b"GET /healthz HTTP/1.1\r\n", header_lines(30))
    print(f"\nheaders 1 line/s: 408 after {outcome.answered_after:.2f} s, "
          f"closed after {outcome.closed_after:.2f} s")  # fmt: skip
    assert outcome.status == 408
    assert outcome.problem["type"] == "https://medrecord.example/problems/request-timeout"
    assert outcome.closed_after is not None
    assert HEADER_TIMEOUT - 0.1 <= outcome.closed_after <= HEADER_TIMEOUT + MARGIN


def test_a_connection_that_sends_nothing_is_closed_without_an_answer(server: Server) -> None:
    outcome = trickle(port_of(server), b"", [])
    print(f"\nsilent connection: closed after {outcome.closed_after:.2f} s")
    assert outcome.data == b""
    assert outcome.closed_after is not None
    assert HEADER_TIMEOUT - 0.1 <= outcome.closed_after <= HEADER_TIMEOUT + MARGIN


def test_a_body_a_byte_a_second_is_cut_off_with_408(server: Server) -> None:
    body = json.dumps({"cpr": "0101011234", "name": "Slow Client"}).encode()
    outcome = trickle(port_of(server), post_head(len(body)), [bytes([b]) for b in body])
    print(f"\nbody 1 byte/s: 408 after {outcome.answered_after:.2f} s, "
          f"closed after {outcome.closed_after:.2f} s")  # fmt: skip
    assert outcome.status == 408, outcome.data
    assert outcome.problem["type"] == "https://medrecord.example/problems/request-timeout"
    assert outcome.closed_after is not None
    assert BODY_TIMEOUT - 0.1 <= outcome.closed_after <= BODY_TIMEOUT + MARGIN


def test_the_rest_of_a_body_already_refused_must_come_in_time(server: Server) -> None:
    # Declared too large: refused (413) at once; the client goes on sending a byte a second.
    outcome = trickle(port_of(server), post_head(10_000_000), [b"x"] * 30)
    print(f"\n413 then 1 byte/s: answered after {outcome.answered_after:.2f} s, "
          f"closed after {outcome.closed_after:.2f} s")  # fmt: skip
    assert outcome.status == 413
    assert outcome.answered_after is not None and outcome.answered_after < 1
    assert outcome.closed_after is not None
    assert outcome.closed_after <= HEADER_TIMEOUT + MARGIN


def test_a_head_larger_than_the_limit_is_refused_with_431(server: Server) -> None:
    huge = b"GET /healthz HTTP/1.1\r\n" + b"X-Big: " + b"a" * 40_000 + b"\r\n"
    outcome = trickle(port_of(server), huge, [], give_up=5)
    assert outcome.status == 431
    assert outcome.problem["type"].endswith("/request-headers-too-large")
    assert outcome.closed_after is not None and outcome.closed_after < 1


def test_a_head_within_the_limit_is_served(server: Server) -> None:
    headers = {f"X-Fill-{i}": "a" * 900 for i in range(25)}  # ~23 KiB
    assert httpx.get(server.base + "/healthz", headers=headers).status_code == 200


def test_keep_alive_requests_each_get_their_own_header_deadline(server: Server) -> None:
    # Three requests on one connection, 1.5 s apart: 4.5 s in all, each head on time.
    request = b"GET /healthz HTTP/1.1\r\nHost: medrecord\r\n\r\n"
    outcome = trickle(port_of(server), request, [request, request], every=1.5, give_up=4.2)
    assert outcome.data.count(b"HTTP/1.1 200 OK") == 3, outcome.data
    assert outcome.closed_after is None


# --- many slow clients at once --------------------------------------------------------------


@dataclass
class Slow:
    kind: str
    sock: socket.socket
    pieces: list[bytes]
    connected_at: float
    sent: int = 0
    data: bytes = b""
    closed_at: float | None = None


def _open(port: int, kind: str) -> Slow:
    # Read before connecting: the server's timer starts at its accept, never before this, so a
    # cut-off can never look early when this thread is descheduled after the connect (CI saw
    # 1.89 s for a 2 s limit on a loaded host).
    connected_at = time.monotonic()
    sock = socket.create_connection(("127.0.0.1", port))
    sock.setblocking(False)
    if kind == "slow head":
        sock.send(b"GET /healthz HTTP/1.1\r\n")
        pieces = header_lines(60)
    elif kind == "slow body":
        sock.send(post_head(60))
        pieces = [b"x"] * 60
    else:  # silent
        pieces = []
    return Slow(kind, sock, pieces, connected_at)


@dataclass
class AttackReport:
    open_seconds: float  # to open the first ``count``
    open_mean: float  # slow connections open at once, on average while sustained
    open_range: tuple[int, int]  # ... fewest and most
    cuts: list[tuple[str, float | None, int | None]]  # kind, seconds to cut-off, status


@dataclass
class Attack:
    """``count`` slow connections held open for ``seconds``: each one the server cuts off is
    replaced at once (as a slowloris tool does), then the last ones are left to be cut off."""

    port: int
    count: int
    seconds: float
    clients: list[Slow] = field(default_factory=list)  # every connection ever opened
    open_now: int = 0

    def run(self, on_opened: Callable[[float], None]) -> AttackReport:
        kinds = ["slow head", "slow body", "silent"]
        selector = selectors.DefaultSelector()
        replace: list[str] = []  # kinds of connections cut off, to be replaced

        def open_one(kind: str) -> None:
            client = _open(self.port, kind)
            self.clients.append(client)
            selector.register(client.sock, selectors.EVENT_READ, client)
            self.open_now += 1

        try:
            started = time.monotonic()
            for i in range(self.count):
                open_one(kinds[i % 3])
            open_seconds = time.monotonic() - started
            stop_at = time.monotonic() + self.seconds
            fewest, most = self.open_now, self.open_now
            weighted, first = 0.0, time.monotonic()
            last = first
            on_opened(stop_at)
            give_up = stop_at + max(HEADER_TIMEOUT, BODY_TIMEOUT) + 10
            next_round = time.monotonic() + 1
            while self.open_now and time.monotonic() < give_up:
                sustain = time.monotonic() < stop_at
                events = selector.select(timeout=0.02)
                polled = time.monotonic()
                for key, _ in events:
                    client = key.data
                    try:
                        chunk = client.sock.recv(65536)
                    except BlockingIOError:
                        continue
                    except ConnectionResetError:
                        chunk = b""
                    if chunk:
                        client.data += chunk
                        continue
                    client.closed_at = time.monotonic()
                    selector.unregister(client.sock)
                    client.sock.close()
                    self.open_now -= 1
                    if sustain:
                        replace.append(client.kind)
                # A few at a time, so closes keep being noticed while replacements are opened.
                while sustain and replace and time.monotonic() - polled < 0.05:
                    open_one(replace.pop())
                if sustain:
                    fewest, most = min(fewest, self.open_now), max(most, self.open_now)
                    now = time.monotonic()
                    weighted, last = weighted + self.open_now * (now - last), now
                if time.monotonic() >= next_round:
                    next_round += 1
                    for client in self.clients:
                        if client.closed_at is None and client.sent < len(client.pieces):
                            with contextlib.suppress(OSError):  # full, or closed: read sees it
                                client.sock.send(client.pieces[client.sent])
                            client.sent += 1
        finally:
            for client in self.clients:
                client.sock.close()
            selector.close()
        return AttackReport(
            open_seconds,
            weighted / max(last - first, 1e-9),
            (fewest, most),
            [
                (
                    c.kind,
                    None if c.closed_at is None else c.closed_at - c.connected_at,
                    int(c.data.split(b" ", 2)[1]) if c.data else None,
                )
                for c in self.clients
            ],
        )


def _attacker(port: int, count: int, seconds: float, pipe: Connection) -> None:
    """The attack, in a process of its own: its work does not slow the honest callers' timing
    (one Python process has one interpreter lock)."""
    pipe.send(Attack(port, count, seconds).run(on_opened=pipe.send))


def _ms(seconds: list[float]) -> str:
    if not seconds:
        return "none"
    return (
        f"p50 {statistics.median(seconds) * 1000:.0f} ms, "
        f"p95 {sorted(seconds)[int(len(seconds) * 0.95)] * 1000:.0f} ms, "
        f"max {max(seconds) * 1000:.0f} ms (n={len(seconds)})"
    )


def test_many_slow_clients_are_cut_off_while_others_are_served(
    server: Server, workers: int, soak: bool
) -> None:
    wanted, seconds, margin, slowest = (1000, 8.0, ATTACK_MARGIN, 2.0)
    if soak:
        # With 2 s deadlines, 4,000 held open means ~1,000 new connections (and 408s) a second:
        # a flood on two CPUs shared with the attacker. Every slow one must still be cut off
        # and every honest request answered, later than in the short run.
        wanted, seconds, margin, slowest = (4000, 60.0, 10.0, 10.0)
    # Our sockets plus headroom; the server (same limit) holds the other end of each.
    count = min(wanted, resource.getrlimit(resource.RLIMIT_NOFILE)[0] - 200)
    spawn = multiprocessing.get_context("spawn")
    ours, theirs = spawn.Pipe()
    attacker = spawn.Process(target=_attacker, args=(port_of(server), count, seconds, theirs))
    attacker.start()
    try:
        assert ours.poll(60), f"the attacker did not start (exit code {attacker.exitcode})"
        stop_at: float = ours.recv()  # CLOCK_MONOTONIC: the same clock in both processes

        # Meanwhile honest callers, each request on a new connection.
        latencies: dict[str, list[float]] = {"healthz": [], "card": []}
        with server.api("dr.jensen") as api:
            calls: dict[str, Callable[[], httpx.Response]] = {
                "healthz": lambda: api.get(
                    server.base + "/healthz", headers={"Connection": "close"}
                ),
                "card": lambda: api.get(CARD, headers={"Connection": "close"}),
            }
            while time.monotonic() < stop_at:
                for name, call in calls.items():
                    sent = time.monotonic()
                    response = call()
                    latencies[name].append(time.monotonic() - sent)
                    assert response.status_code == 200, response.text
                time.sleep(0.02)
        assert ours.poll(60), f"the attacker did not finish (exit code {attacker.exitcode})"
        report: AttackReport = ours.recv()
    finally:
        attacker.join(timeout=30)
        if attacker.is_alive():
            attacker.kill()
            attacker.join()
        ours.close()
        theirs.close()
    assert httpx.get(server.base + "/healthz").status_code == 200

    fewest, most = report.open_range
    print(f"\n{workers} worker(s): {count} slow connections opened in {report.open_seconds:.2f} s, "
          f"kept open for {seconds:g} s ({report.open_mean:.0f} at once on average, "
          f"{fewest}-{most}), {len(report.cuts)} in all")  # fmt: skip
    for name, spent in latencies.items():
        print(f"  {name:7} during the attack: {_ms(spent)}")
    limits = {"slow head": HEADER_TIMEOUT, "slow body": BODY_TIMEOUT, "silent": HEADER_TIMEOUT}
    kinds = {}
    for kind in limits:
        mine = [(cut, status) for k, cut, status in report.cuts if k == kind]
        cut = [c for c, _ in mine if c is not None]
        statuses = sorted({status for _, status in mine if status is not None})
        print(f"  {kind:9}: {len(mine)}, cut off after {_ms(cut)}; answers {statuses}")
        kinds[kind] = (mine, cut, statuses)
    for kind, limit in limits.items():
        mine, cut, statuses = kinds[kind]
        assert len(cut) == len(mine), f"{len(mine) - len(cut)} {kind} never cut off"
        assert min(cut) >= limit - 0.1, kind
        assert statistics.median(cut) <= limit + margin / 2, kind
        assert max(cut) <= limit + margin, kind
        assert statuses == ([] if kind == "silent" else [408]), kind

    assert report.open_mean >= 0.7 * count, "the slow connections were not held open"
    honest = latencies["healthz"] + latencies["card"]
    assert len(latencies["card"]) >= 10
    assert statistics.median(honest) < 0.25
    assert max(honest) < slowest


# --- the protocol rules, in-process, for both HTTP implementations ---------------------------


async def _app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Answers at once, without reading the request body."""
    if scope["type"] != "http":
        return
    await send(
        {"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]}
    )
    await send({"type": "http.response.body", "body": b"ok"})


@pytest.fixture(params=["httptools", "h11"])
def bare_port(request: pytest.FixtureRequest) -> Iterator[int]:
    """A uvicorn serving ``_app`` with the guard, on a thread; its port."""
    options = uvicorn_options(Settings(header_timeout_seconds=HEADER_TIMEOUT))
    options["http"] = GuardedHttp(ClientLimits(HEADER_TIMEOUT), implementation=request.param)
    config = uvicorn.Config(_app, log_level="warning", lifespan="off", **options)
    bare = uvicorn.Server(config)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    thread = threading.Thread(target=bare.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not bare.started:
        time.sleep(0.01)
    yield sock.getsockname()[1]
    bare.should_exit = True
    thread.join(timeout=10)
    sock.close()


def test_protocol_cuts_off_a_slow_head(bare_port: int) -> None:
    outcome = trickle(bare_port, b"GET / HTTP/1.1\r\n", header_lines(10))
    assert outcome.status == 408
    assert outcome.closed_after is not None
    assert HEADER_TIMEOUT - 0.1 <= outcome.closed_after <= HEADER_TIMEOUT + MARGIN


def test_protocol_closes_a_silent_connection(bare_port: int) -> None:
    outcome = trickle(bare_port, b"", [])
    assert outcome.data == b""
    assert outcome.closed_after is not None
    assert HEADER_TIMEOUT - 0.1 <= outcome.closed_after <= HEADER_TIMEOUT + MARGIN


def test_protocol_ends_a_body_still_trickling_after_the_answer(bare_port: int) -> None:
    head = b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n"
    outcome = trickle(bare_port, head, [b"x"] * 20)
    assert outcome.status == 200
    assert outcome.closed_after is not None
    assert HEADER_TIMEOUT - 0.1 <= outcome.closed_after <= HEADER_TIMEOUT + MARGIN


def test_protocol_after_a_drained_body_expects_the_next_head_in_time(bare_port: int) -> None:
    # The body completes after the answer (4 bytes, one a second); then the client is silent:
    # closed one header deadline after the body's last byte, not held open for ever.
    head = b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\n"
    outcome = trickle(bare_port, head, [b"x"], every=1.0)
    assert outcome.status == 200
    assert outcome.closed_after is not None
    assert 1.0 + HEADER_TIMEOUT - 0.1 <= outcome.closed_after <= 1.0 + HEADER_TIMEOUT + MARGIN


def test_protocol_refuses_a_huge_head(bare_port: int) -> None:
    huge = b"GET / HTTP/1.1\r\n" + b"X-Big: " + b"a" * 40_000 + b"\r\n"
    outcome = trickle(bare_port, huge, [], give_up=5)
    assert outcome.status in (431, 400)  # h11 refuses an oversized head as malformed (400)
    assert outcome.closed_after is not None and outcome.closed_after < 1


def test_protocol_keep_alive_heads_are_timed_one_by_one(bare_port: int) -> None:
    request = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"
    outcome = trickle(bare_port, request, [request, request], every=1.5, give_up=4.2)
    assert outcome.data.count(b"200 OK") == 3, outcome.data
    assert outcome.closed_after is None


def test_protocol_times_a_later_head_from_its_first_byte(bare_port: int) -> None:
    # An answered request, 1.5 s of keep-alive silence, then a head a line every 1.5 s: cut
    # off 2 s after that head's first byte (not after connecting, not after the answer).
    request = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"
    outcome = trickle(bare_port, request, [b"GET / HTTP/1.1\r\n", *header_lines(5)], every=1.5)
    assert outcome.data.count(b"200 OK") == 1 and b"408 Request Timeout" in outcome.data
    assert outcome.closed_after is not None
    assert 1.5 + HEADER_TIMEOUT - 0.1 <= outcome.closed_after <= 1.5 + HEADER_TIMEOUT + MARGIN


def test_options_reach_worker_processes_intact() -> None:
    # --workers N pickles uvicorn's configuration into each worker (spawn).
    options = uvicorn_options(Settings(header_timeout_seconds=7.5))
    assert pickle.loads(pickle.dumps(options)) == options  # noqa: S301 (our own bytes)
    assert options["http"].limits.header_timeout == 7.5
