"""What the database fault tests need: a PostgreSQL of their own to restart, stop and start at
will (pgserver's bundled binaries, never the session's shared test server), a real
``medrecord serve`` on it, and clients that keep reading and writing through the faults and
remember everything they saw."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import psutil
import psycopg

from medrecord import clock
from medrecord.access.tokens import TokenSigner
from medrecord.config import Settings
from medrecord.demo import people
from medrecord.dosage.examples import SHAPES
from tests.support.factories import random_cpr

# --- a PostgreSQL of our own ------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _bin_dir() -> Path:
    import pgserver  # type: ignore[import-untyped]

    return Path(pgserver.__file__).parent / "pginstall" / "bin"


class FaultyPostgres:
    """A PostgreSQL in ``root`` listening on 127.0.0.1 only (TCP, so pg_stat_activity shows
    each connection's client port), with pgserver's binaries. As root it runs as pgserver's
    system user (PostgreSQL refuses to run as root), as pgserver itself does."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.pgdata = root / "pgdata"
        self.port = free_port()
        self.user: str | None = None
        self.bin = _bin_dir()

    @property
    def options(self) -> str:
        return f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=''"

    def uri(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, program: str, *args: str, timeout: float = 60) -> None:
        result = subprocess.run(
            [str(self.bin / program), *args],
            user=self.user,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if result.returncode != 0:
            log = self.root / "postgres.log"
            raise AssertionError(
                f"{program} {' '.join(args)} failed: {result.stdout}{result.stderr}\n"
                + (log.read_text(errors="replace")[-3000:] if log.exists() else "")
            )

    def init(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            from pgserver.utils import (  # type: ignore[import-untyped]
                ensure_prefix_permissions,
                ensure_user_exists,
            )

            self.user = "pgserver"
            entry = ensure_user_exists(self.user)
            ensure_prefix_permissions(self.root)
            os.chown(self.root, entry.pw_uid, entry.pw_gid)
        self._run(
            "initdb", "-D", str(self.pgdata), "-U", "postgres", "--auth=trust", "-E", "UTF8",
            "--no-instructions",
        )  # fmt: skip

    def _ctl(self, *args: str) -> None:
        self._run(
            "pg_ctl", "-D", str(self.pgdata), "-o", self.options, "-l",
            str(self.root / "postgres.log"), "-w", "-t", "60", *args,
        )  # fmt: skip

    def start(self) -> None:
        self._ctl("start")

    def stop(self, mode: str = "fast") -> None:
        self._ctl("-m", mode, "stop")

    def restart(self, mode: str) -> None:
        """``fast``: sessions are ended, transactions rolled back, a checkpoint; ``immediate``:
        every process quits at once and the start is a crash recovery."""
        self._ctl("-m", mode, "restart")

    def ensure_stopped(self) -> None:
        pid_file = self.pgdata / "postmaster.pid"
        if pid_file.exists():
            with suppress(AssertionError):
                self.stop("immediate")

    def create_database(self, name: str) -> str:
        with psycopg.connect(self.uri(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.uri(name)


# --- a real medrecord serve on it ---------------------------------------------------------------


@dataclass
class Serve:
    base: str
    data_dir: Path
    log: Path
    process: subprocess.Popen[bytes]

    @property
    def api(self) -> str:
        return self.base + "/api/v1"

    def token(self, username: str) -> str:
        staff = people.staff_by_username(username)
        assert staff is not None, username
        signer = TokenSigner.from_settings(Settings(data_dir=self.data_dir))
        return signer.mint(
            sub=staff.username,
            name=staff.name,
            role=str(staff.role),
            org=staff.organisation_id,
            ttl=timedelta(hours=2),
        )

    def headers(self, username: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(username)}"}

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def workers(self) -> list[psutil.Process]:
        """uvicorn's worker processes (children of its supervisor that serve the port)."""
        port = int(self.base.rsplit(":", 1)[1])
        found = []
        for child in psutil.Process(self.process.pid).children(recursive=True):
            try:
                if any(
                    c.laddr and c.laddr.port == port and c.status == psutil.CONN_LISTEN
                    for c in child.net_connections(kind="tcp")
                ):
                    found.append(child)
            except psutil.NoSuchProcess:
                continue
        return found


def start_serve(
    data_dir: Path, database_uri: str, *, workers: int = 1, extra_env: dict[str, str] | None = None
) -> Serve:
    """``medrecord serve`` on a free port, ready when /readyz answers (it migrates and seeds
    the demo data into an empty database first). Its own process group, so nothing outlives
    ``stop_serve``."""
    data_dir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEDRECORD_")}
    env.pop("TEST_DATABASE_URL", None)
    env |= {"MEDRECORD_DATABASE_URL": database_uri, "MEDRECORD_DATA_DIR": str(data_dir)}
    env |= extra_env or {}
    log = data_dir / f"serve-{port}.log"
    command = [sys.executable, "-m", "medrecord.cli", "serve", "--port", str(port)]
    if workers > 1:
        command += ["--workers", str(workers)]
    with log.open("ab") as out:
        process = subprocess.Popen(
            command, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    serve = Serve(f"http://127.0.0.1:{port}", data_dir, log, process)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError("medrecord serve exited:\n" + serve.log_text())
        try:
            if httpx.get(serve.base + "/readyz", timeout=2).status_code == 200:
                return serve
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    stop_serve(serve)
    raise AssertionError("medrecord serve not ready within 180 s:\n" + serve.log_text())


def stop_serve(serve: Serve) -> None:
    if serve.process.poll() is None:
        serve.process.send_signal(signal.SIGTERM)
        with suppress(subprocess.TimeoutExpired):
            serve.process.wait(timeout=30)
    with suppress(ProcessLookupError):  # whatever is left of its group (workers)
        os.killpg(serve.process.pid, signal.SIGKILL)
    if serve.process.poll() is None:
        serve.process.wait(timeout=10)


# --- what the clients work on -------------------------------------------------------------------


@dataclass
class Arrangement:
    """Citizens listed at dr.jensen's practice, each with prescriptions of one iteration of
    999 packages, dispensed a package at a time (the rest of a begun iteration goes out
    without waiting)."""

    drug_id: str
    package_number: str
    cprs: list[str]
    prescriptions: list[tuple[str, str]]  # (cpr, prescription id)


def arrange(serve: Serve, *, citizens: int = 4, prescriptions_each: int = 2) -> Arrangement:
    today = clock.today()
    with (
        httpx.Client(base_url=serve.api, headers=serve.headers("admin.knudsen"), timeout=30) as a,
        httpx.Client(base_url=serve.api, headers=serve.headers("dr.jensen"), timeout=30) as d,
    ):
        drug = d.get("/drugs", params={"search": "Pinex"}).json()[0]
        package = drug["packages"][0]["package_number"]
        cprs, rxs = [], []
        for n in range(citizens):
            cpr = random_cpr()
            created = a.post(
                "/citizens",
                json={"cpr": cpr, "name": f"Fejl Borger {n}", "gp_practice_id": people.GP_NORREBRO},
            )
            assert created.status_code == 201, created.text
            cprs.append(cpr)
            medication = d.post(
                f"/citizens/{cpr}/medications", json=medication_body(drug["id"], "arranged")
            )
            assert medication.status_code == 201, medication.text
            for _ in range(prescriptions_each):
                rx = d.post(
                    f"/citizens/{cpr}/prescriptions",
                    json={
                        "medication_id": medication.json()["id"],
                        "package_number": package,
                        "package_quantity": 999,
                        "iterations": 1,
                        "valid_from": str(today),
                        "valid_to": str(today + timedelta(days=30)),
                    },
                )
                assert rx.status_code == 201, rx.text
                rxs.append((cpr, rx.json()["id"]))
    return Arrangement(drug["id"], package, cprs, rxs)


def medication_body(drug_id: str, marker: str) -> dict[str, Any]:
    return {
        "drug_id": drug_id,
        "indication_text": f"fault-test {marker}",
        "start_date": str(clock.today()),
        "dosage": SHAPES["as_needed"].dosage,
    }


# --- clients that remember what they saw ------------------------------------------------------


@dataclass
class Seen:
    """One HTTP answer (or transport failure: status 0)."""

    kind: str  # read, medication, dispensing, healthz, readyz
    sent: float  # time.monotonic()
    done: float
    status: int
    retry_after: str | None
    problem_type: str | None = None


@dataclass
class Write:
    kind: str  # medication or dispensing
    key: str  # Idempotency-Key and X-Request-Id of every attempt
    cpr: str
    prescription_id: str | None = None
    attempts: int = 0
    acknowledged_id: str | None = None  # the id a 201 carried
    final_status: int | None = None


@dataclass
class Journal:
    seen: list[Seen] = field(default_factory=list)
    writes: list[Write] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, item: Seen) -> None:
        with self.lock:
            self.seen.append(item)

    def answers(self, kinds: tuple[str, ...] = ("read", "medication", "dispensing")) -> list[Seen]:
        with self.lock:
            return [s for s in self.seen if s.kind in kinds]


def call(
    client: httpx.Client, journal: Journal, kind: str, method: str, url: str, **kwargs: Any
) -> httpx.Response | None:
    sent = time.monotonic()
    try:
        response = client.request(method, url, **kwargs)
    except httpx.TransportError:
        journal.add(Seen(kind, sent, time.monotonic(), 0, None))
        return None
    problem_type = None
    if response.headers.get("content-type", "").startswith("application/problem+json"):
        problem_type = response.json().get("type", "").rsplit("/", 1)[-1]
    journal.add(
        Seen(
            kind,
            sent,
            time.monotonic(),
            response.status_code,
            response.headers.get("retry-after"),
            problem_type,
        )
    )
    return response


ONE_PACKAGE = {"package_quantity": 1}
RETRY_PAUSE = 0.2  # the test clients retry sooner than Retry-After, to measure recovery


def write_until_answered(
    client: httpx.Client,
    journal: Journal,
    write: Write,
    method_url: tuple[str, str],
    body: dict[str, Any],
    *,
    give_up_after: float,
) -> httpx.Response | None:
    """Send the write, and again with the same key after a 503 or a lost connection, until it
    gets another answer or ``give_up_after`` seconds pass."""
    headers = {"Idempotency-Key": write.key, "X-Request-Id": write.key[:64]}
    deadline = time.monotonic() + give_up_after
    while True:
        write.attempts += 1
        response = call(client, journal, write.kind, *method_url, json=body, headers=headers)
        if response is not None and response.status_code != 503:
            write.final_status = response.status_code
            if response.status_code == 201:
                write.acknowledged_id = response.json()["id"]
            return response
        if time.monotonic() > deadline:
            write.final_status = response.status_code if response is not None else 0
            return response
        time.sleep(RETRY_PAUSE)


@dataclass
class Load:
    """Client threads reading cards, creating medications and dispensing, until stopped."""

    serve: Serve
    arrangement: Arrangement
    journal: Journal = field(default_factory=Journal)
    readers: int = 3
    prescribers: int = 2
    dispensers: int = 2
    pause: float = 0.02
    stop: threading.Event = field(default_factory=threading.Event)
    threads: list[threading.Thread] = field(default_factory=list)
    errors: list[BaseException] = field(default_factory=list)

    def _client(self, username: str) -> httpx.Client:
        return httpx.Client(
            base_url=self.serve.api, headers=self.serve.headers(username), timeout=30
        )

    def _guarded(self, target: Callable[[int], None], n: int) -> Callable[[], None]:
        def run() -> None:
            try:
                target(n)
            except BaseException as error:  # surfaced by the test, not lost in a thread
                self.errors.append(error)

        return run

    def _reader(self, n: int) -> None:
        cprs = self.arrangement.cprs
        with self._client("dr.jensen") as client:
            i = n
            while not self.stop.is_set():
                call(
                    client,
                    self.journal,
                    "read",
                    "GET",
                    f"/citizens/{cprs[i % len(cprs)]}/medication-card",
                )
                i += 1
                time.sleep(self.pause)

    def _prescriber(self, n: int) -> None:
        cprs = self.arrangement.cprs
        with self._client("dr.jensen") as client:
            i = n
            while not self.stop.is_set():
                cpr = cprs[i % len(cprs)]
                write = Write("medication", f"med-{uuid.uuid4()}", cpr)
                with self.journal.lock:
                    self.journal.writes.append(write)
                write_until_answered(
                    client, self.journal, write,
                    ("POST", f"/citizens/{cpr}/medications"),
                    medication_body(self.arrangement.drug_id, write.key),
                    give_up_after=30,
                )  # fmt: skip
                i += 1
                time.sleep(self.pause)

    def _dispenser(self, n: int) -> None:
        mine = self.arrangement.prescriptions[n :: self.dispensers]
        with self._client("pharm.madsen") as client:
            while mine and not self.stop.is_set():
                cpr, rx = mine[0]
                write = Write("dispensing", f"disp-{uuid.uuid4()}", cpr, rx)
                with self.journal.lock:
                    self.journal.writes.append(write)
                response = write_until_answered(
                    client, self.journal, write,
                    ("POST", f"/citizens/{cpr}/prescriptions/{rx}/dispensings"),
                    ONE_PACKAGE | {"package_number": self.arrangement.package_number},
                    give_up_after=30,
                )  # fmt: skip
                if response is not None and 400 <= response.status_code < 500:
                    mine.pop(0)  # nothing left on it: the next prescription
                time.sleep(self.pause)

    def start(self) -> None:
        for target, count in (
            (self._reader, self.readers),
            (self._prescriber, self.prescribers),
            (self._dispenser, self.dispensers),
        ):
            for n in range(count):
                thread = threading.Thread(target=self._guarded(target, n), daemon=True)
                thread.start()
                self.threads.append(thread)

    def finish(self, timeout: float = 60) -> None:
        """Stop sending new requests; wait for the writes in flight to be answered."""
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=timeout)
        assert not any(t.is_alive() for t in self.threads), "a client thread never finished"
        if self.errors:
            raise self.errors[0]


@contextmanager
def running(load: Load) -> Iterator[Load]:
    load.start()
    try:
        yield load
    finally:
        load.finish()


# --- what the database holds afterwards -----------------------------------------------------


@dataclass
class Figures:
    """What a fault run saw, printed and asserted."""

    requests: int
    ok: int
    status_503: int
    without_retry_after: int
    other_5xx: int
    transport_errors: int
    writes_acknowledged: int
    acknowledged_lost: int
    duplicates: int
    half_written: int
    writes_unanswered: int
    seconds_to_first_2xx: float | None

    def line(self, title: str) -> str:
        recovery = (
            ""
            if self.seconds_to_first_2xx is None
            else f"; database back → first 2xx {self.seconds_to_first_2xx:.2f} s"
        )
        return (
            f"{title}: {self.requests} requests, {self.ok} 2xx, {self.status_503} x 503 "
            f"({self.without_retry_after} without Retry-After), {self.other_5xx} other 5xx, "
            f"{self.transport_errors} transport errors; {self.writes_acknowledged} writes "
            f"acknowledged, {self.acknowledged_lost} lost, {self.duplicates} duplicates, "
            f"{self.half_written} half-written, {self.writes_unanswered} given up{recovery}"
        )


def database_state(uri: str, journal: Journal, arrangement: Arrangement) -> dict[str, Any]:
    """Acknowledged writes missing, duplicates per key, and anything half-written."""
    prescription_ids = [rx for _, rx in arrangement.prescriptions]
    with psycopg.connect(uri) as conn:
        medications = conn.execute(
            "SELECT substring(indication_text from 12), count(*), array_agg(id::text)"
            " FROM medication WHERE indication_text LIKE 'fault-test med-%'"
            " GROUP BY 1"
        ).fetchall()
        dispensed = conn.execute(
            "SELECT r.key, count(d.id), array_agg(d.id::text)"
            " FROM idempotency_record r"
            " LEFT JOIN dispensing d ON d.citizen_id = r.citizen_id"
            "  AND d.id = (r.response_body->>'id')::uuid"
            " WHERE r.key LIKE 'disp-%' GROUP BY r.key"
        ).fetchall()
        orphans = conn.execute(
            # a dispensing no idempotency record answers for: a duplicate or a stray
            "SELECT count(*) FROM dispensing d WHERE NOT EXISTS ("
            " SELECT 1 FROM idempotency_record r WHERE r.citizen_id = d.citizen_id"
            " AND (r.response_body->>'id')::uuid = d.id)"
            " AND d.prescription_id = ANY(%s::uuid[])",
            (prescription_ids,),
        ).fetchone()
        half = {
            "medication without its version 1": conn.execute(
                "SELECT count(*) FROM medication m WHERE NOT EXISTS (SELECT 1 FROM"
                " medication_version v WHERE v.citizen_id = m.citizen_id"
                " AND v.medication_id = m.id AND v.version = 1)"
            ).fetchone(),
            "medication whose version has no row": conn.execute(
                "SELECT count(*) FROM medication m WHERE NOT EXISTS (SELECT 1 FROM"
                " medication_version v WHERE v.citizen_id = m.citizen_id"
                " AND v.medication_id = m.id AND v.version = m.version)"
            ).fetchone(),
            "dispensing without lines": conn.execute(
                "SELECT count(*) FROM dispensing d WHERE NOT EXISTS (SELECT 1 FROM"
                " dispensing_line l WHERE l.citizen_id = d.citizen_id"
                " AND l.dispensing_id = d.id)"
            ).fetchone(),
            "dispensing whose lines disagree with it": conn.execute(
                "SELECT count(*) FROM dispensing d WHERE d.units <> (SELECT sum(l.units) FROM"
                " dispensing_line l WHERE l.citizen_id = d.citizen_id"
                " AND l.dispensing_id = d.id)"
            ).fetchone(),
            "prescription whose dispensed_units disagree with its dispensings": conn.execute(
                "SELECT count(*) FROM prescription p WHERE p.dispensed_units <> COALESCE(("
                " SELECT sum(d.units) FROM dispensing d WHERE d.citizen_id = p.citizen_id"
                " AND d.prescription_id = p.id AND d.status = 'completed'), 0)"
            ).fetchone(),
        }
    medication_ids = {key: ids for key, _, ids in medications}
    dispensing_ids = {key: [i for i in ids if i] for key, _, ids in dispensed}
    lost = 0
    with journal.lock:
        writes = list(journal.writes)
    for write in writes:
        if write.acknowledged_id is None:
            continue
        found = medication_ids if write.kind == "medication" else dispensing_ids
        if write.acknowledged_id not in found.get(write.key, []):
            lost += 1
    duplicates = sum(count - 1 for _, count, _ in medications if count > 1)
    duplicates += sum(count - 1 for _, count, _ in dispensed if count > 1)
    duplicates += int(orphans[0]) if orphans else 0
    return {
        "lost": lost,
        "duplicates": duplicates,
        "half_written": {name: int(row[0]) if row else 0 for name, row in half.items()},
    }


def figures(
    journal: Journal, uri: str, arrangement: Arrangement, *, back_at: float | None
) -> tuple[Figures, dict[str, Any]]:
    answers = journal.answers()
    state = database_state(uri, journal, arrangement)
    first_2xx = None
    if back_at is not None:
        after = [s.done for s in answers if s.sent >= back_at and 200 <= s.status < 300]
        first_2xx = min(after) - back_at if after else None
    with journal.lock:
        writes = list(journal.writes)
    statuses = Counter(s.status for s in answers)
    return (
        Figures(
            requests=len(answers),
            ok=sum(n for status, n in statuses.items() if 200 <= status < 300),
            status_503=statuses[503],
            without_retry_after=sum(1 for s in answers if s.status == 503 and not s.retry_after),
            other_5xx=sum(n for status, n in statuses.items() if status >= 500 and status != 503),
            transport_errors=statuses[0],
            writes_acknowledged=sum(1 for w in writes if w.acknowledged_id),
            acknowledged_lost=state["lost"],
            duplicates=state["duplicates"],
            half_written=sum(state["half_written"].values()),
            writes_unanswered=sum(1 for w in writes if w.final_status in (0, 503)),
            seconds_to_first_2xx=first_2xx,
        ),
        state,
    )
