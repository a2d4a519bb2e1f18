"""A synthetic Danish population for scale tests: ``seed_population`` writes citizens with
their GP, card, medications, prescriptions, dispensings, admissions and access-log history
with COPY, in batches, deterministically per seed and day (docs/seeding.md)."""

from __future__ import annotations

import queue
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import psycopg

from medrecord import clock
from medrecord.seed import load, organisations
from medrecord.seed.batch import make_batch
from medrecord.seed.population import CprAllocator
from medrecord.seed.rows import Batch, World

BATCH = 5_000  # citizens per COPY round: ~3 MB of text, one transaction each


def _load(
    conn: psycopg.Connection[Any],
    world: World,
    cprs: CprAllocator,
    citizens: int,
    seed: int,
    on_batch: Callable[[int], None] | None,
) -> None:
    """Makes batches while a thread sends the previous one: Python makes rows on one core
    while PostgreSQL stores them on the other (COPY waits on the socket without the GIL)."""
    batches: queue.Queue[Batch | None] = queue.Queue(maxsize=2)
    failed: list[BaseException] = []

    def send() -> None:
        try:
            while (batch := batches.get()) is not None:
                load.copy_batch(conn, batch)
                if on_batch is not None:
                    on_batch(batch.citizens)
        except BaseException as exc:  # handed to the caller's thread below
            failed.append(exc)
            while batches.get() is not None:  # let the maker finish
                pass

    sender = threading.Thread(target=send, name="seed-copy")
    sender.start()
    try:
        done, number = 0, 0
        while done < citizens and not failed:
            count = min(BATCH, citizens - done)
            # Each batch has its own generator: its rows depend only on the seed and its
            # number (CPR numbers come from one allocator, in batch order).
            rng = random.Random(f"{seed}:{number}")  # noqa: S311 (synthetic data, not secrets)
            batches.put(make_batch(world, rng, cprs, done, count))
            done, number = done + count, number + 1
    finally:
        batches.put(None)
        sender.join()
    if failed:
        raise failed[0]


class SeedRefused(Exception):
    """The database already holds a population (citizens other than the demo's)."""


@dataclass
class Summary:
    citizens: int
    seconds: float
    tables: dict[str, tuple[int, int]] = field(default_factory=dict)  # rows, bytes
    phases: dict[str, float] = field(default_factory=dict)  # seconds by step

    @property
    def citizens_per_second(self) -> float:
        return self.citizens / self.seconds if self.seconds else 0.0


def libpq_url(url: str) -> str:
    """A libpq URL for psycopg, also from an SQLAlchemy one (postgresql+psycopg://)."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def seed_population(
    database_url: str,
    citizens: int,
    seed: int,
    today: date | None = None,
    *,
    on_batch: Callable[[int], None] | None = None,
) -> Summary:
    """Write ``citizens`` citizens as the tables' owner (``database_url``), migrated already.
    The same seed and ``today`` give the same rows. Refuses (``SeedRefused``) when the
    database holds citizens other than the demo's. ``on_batch`` hears each batch's size."""
    today = today or clock.today()
    started = time.perf_counter()
    world = World(
        today=today,
        gps=organisations.gp_practices(),
        pharmacies=organisations.pharmacies(),
        hospitals=organisations.hospital_departments(),
    )
    with psycopg.connect(libpq_url(database_url)) as conn:
        # Durability is not needed while loading: a crash means seeding again from scratch.
        conn.execute("SET synchronous_commit = off")
        # Memory for rebuilding the indexes and validating the foreign keys at the end, and
        # both cores for the index builds' sorts.
        conn.execute("SET maintenance_work_mem = '1GB'")
        conn.execute("SET max_parallel_maintenance_workers = 2")
        conn.execute("SET work_mem = '1GB'")  # the foreign keys' hash joins in memory
        # One seeder at a time, and nobody seeds a populated database.
        conn.execute("LOCK TABLE citizen IN SHARE ROW EXCLUSIVE MODE")
        if (found := load.other_citizens(conn)) > 0:
            raise SeedRefused(
                f"The database already holds {found} citizens besides the demo's; seed an "
                "empty (or demo-only) database."
            )
        load.add_catalogue(conn)
        load.add_organisations(conn, organisations.all_organisations())
        phases = {"prepare": time.perf_counter() - started}
        # One transaction: a failed load leaves nothing behind, constraints included.
        with load.constraints_deferred(conn, phases):
            mark = time.perf_counter()
            _load(conn, world, CprAllocator(seed), citizens, seed, on_batch)
            phases["copy"] = time.perf_counter() - mark
        mark = time.perf_counter()
        conn.commit()
        conn.autocommit = True
        conn.execute("ANALYZE " + ", ".join(load.WRITTEN))  # the planner's view of them
        phases["analyze"] = time.perf_counter() - mark
        tables = load.sizes(conn)
    seconds = time.perf_counter() - started
    return Summary(citizens=citizens, seconds=seconds, tables=tables, phases=phases)
