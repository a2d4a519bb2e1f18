"""A synthetic Danish population for scale tests: ``seed_population`` writes citizens with
their GP, card, medications, prescriptions, dispensings, admissions and access-log history
with COPY, in batches, deterministically per seed and day (docs/seeding.md)."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import psycopg

from medrecord import clock
from medrecord.seed import load, organisations
from medrecord.seed.batch import World, make_batch
from medrecord.seed.population import CprAllocator

BATCH = 5_000  # citizens per COPY round: ~3 MB of text, one transaction each


class SeedRefused(Exception):
    """The database already holds a population (citizens other than the demo's)."""


@dataclass
class Summary:
    citizens: int
    seconds: float
    tables: dict[str, tuple[int, int]] = field(default_factory=dict)  # rows, bytes

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
    cprs = CprAllocator(seed)
    with psycopg.connect(libpq_url(database_url)) as conn:
        # Durability is not needed while loading: a crash means seeding again from scratch.
        conn.execute("SET synchronous_commit = off")
        # One seeder at a time, and nobody seeds a populated database.
        conn.execute("LOCK TABLE citizen IN SHARE ROW EXCLUSIVE MODE")
        if (found := load.other_citizens(conn)) > 0:
            raise SeedRefused(
                f"The database already holds {found} citizens besides the demo's; seed an "
                "empty (or demo-only) database."
            )
        load.add_catalogue(conn)
        load.add_organisations(conn, organisations.all_organisations())
        conn.commit()
        # Each batch has its own generator, so that a batch's rows depend only on the seed and
        # its number (CPR numbers come from one allocator, in batch order).
        done, number = 0, 0
        while done < citizens:
            count = min(BATCH, citizens - done)
            rng = random.Random(f"{seed}:{number}")  # noqa: S311 (synthetic data, not secrets)
            batch = make_batch(world, rng, cprs, count)
            load.copy_batch(conn, batch)
            conn.commit()
            done, number = done + count, number + 1
            if on_batch is not None:
                on_batch(count)
        conn.autocommit = True
        conn.execute("ANALYZE")
        tables = load.sizes(conn)
    return Summary(citizens=citizens, seconds=time.perf_counter() - started, tables=tables)
