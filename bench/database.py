"""The bench's database: an embedded PostgreSQL of its own in a temporary directory (or the
one ``--database-url`` names), migrated and seeded, and the SQL the bench needs around it:
who may read whose card, which prescriptions can be cloned into fresh ones to dispense."""

from __future__ import annotations

import importlib.util
import subprocess
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from rich.console import Console

from bench.processes import clean_env, python_module
from medrecord import embedded_postgres

console = Console(stderr=True)


@dataclass
class Database:
    app_url: str  # what medrecord serve connects with (least privilege)
    owner_url: str  # owns the tables: migrations, the seeder, prescription clones
    superuser_url: str | None  # embedded only: statement logging for the capture
    log_file: Path | None  # embedded only: PostgreSQL's log, where the capture is read
    postmaster_pid: int | None
    app_role: str | None

    def serve_env(self) -> dict[str, str]:
        env = {"MEDRECORD_DATABASE_URL": self.app_url}
        if self.owner_url != self.app_url:
            env["MEDRECORD_MIGRATION_DATABASE_URL"] = self.owner_url
        return env

    def connect(self, *, autocommit: bool = True) -> psycopg.Connection[Any]:
        return psycopg.connect(self.owner_url, autocommit=autocommit)


def open_database(data_dir: Path, database_url: str | None) -> Database:
    """Start (embedded) or name (``database_url``) the database; migrate it."""
    if database_url:
        db = Database(database_url, database_url, None, None, None, None)
    else:
        server = embedded_postgres.start(data_dir / "pgdata")
        logins = server.provision(app_role="medrecord_app")
        db = Database(
            app_url=logins.app,
            owner_url=logins.owner,
            superuser_url=server.uri(),
            log_file=data_dir / "pgdata" / "log",
            postmaster_pid=embedded_postgres.postmaster_pid(data_dir / "pgdata"),
            app_role="medrecord_app",
        )
    _medrecord(db, data_dir, "migrate")
    return db


def _medrecord(db: Database, data_dir: Path, *args: str) -> None:
    result = subprocess.run(
        python_module("medrecord.cli", *args, "--data-dir", str(data_dir)),
        env=clean_env(**db.serve_env()),
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"medrecord {' '.join(args)} failed:\n{result.stdout}{result.stderr}")


def seeder_available() -> bool:
    return importlib.util.find_spec("medrecord.seed") is not None


def seed(db: Database, data_dir: Path, *, citizens: int, seed: int) -> str:
    """Seed the population (``medrecord.seed`` when present and citizens > 0), else the demo
    data. Returns what was seeded, for the report."""
    with db.connect() as conn:
        row = conn.execute("SELECT count(*) FROM citizen").fetchone()
    existing = int(row[0]) if row else 0
    if existing:
        return f"existing database ({existing} citizens)"
    if citizens > 0 and seeder_available():
        # Imported by name: the seeder is another package's, and may come later.
        seeder = importlib.import_module("medrecord.seed")
        console.print(f"Seeding {citizens} citizens (seed {seed}) with medrecord.seed")
        seeder.seed_population(db.owner_url, citizens, seed)
        return f"medrecord.seed: {citizens} citizens, seed {seed}"
    if citizens > 0:
        console.print(
            "[yellow]medrecord.seed is not installed: using the demo data instead[/]",
        )
    _medrecord(db, data_dir, "seed-demo")
    return "demo data"


def count_citizens(db: Database) -> int:
    with db.connect() as conn:
        row = conn.execute("SELECT count(*) FROM citizen").fetchone()
    return int(row[0]) if row else 0


@dataclass(frozen=True)
class Pair:
    """A citizen and an organisation whose doctors may read the card (GP listing or a
    current treatment relation)."""

    cpr: str
    citizen_id: uuid.UUID
    organisation_id: str


def authorised_pairs(db: Database, limit: int, *, seed: int) -> list[Pair]:
    """Up to ``limit`` random (citizen, organisation) pairs with a GP listing or a current
    treatment relation; one pair per citizen, so the reads spread over citizens."""
    with db.connect() as conn:
        conn.execute("SELECT setseed(%s)", (((seed % 1000) / 1000.0),))
        rows = conn.execute(
            """
            WITH access AS (
                SELECT c.id, c.cpr, c.gp_practice_id AS organisation_id
                FROM citizen c WHERE c.gp_practice_id IS NOT NULL
                UNION
                SELECT c.id, c.cpr, r.organisation_id
                FROM citizen c JOIN treatment_relation r ON r.citizen_id = c.id
                JOIN organisation o ON o.id = r.organisation_id
                WHERE r.valid_from <= now() AND (r.valid_to IS NULL OR r.valid_to > now())
                  AND o.kind IN ('gp_practice', 'hospital')
            ), one AS (
                SELECT DISTINCT ON (id) id, cpr, organisation_id FROM access
                ORDER BY id, random()
            )
            SELECT cpr, id, organisation_id FROM one ORDER BY random() LIMIT %s
            """,
            (limit,),
        ).fetchall()
    return [Pair(cpr, citizen_id, org) for cpr, citizen_id, org in rows]


def pharmacies(db: Database, limit: int) -> list[str]:
    with db.connect() as conn:
        rows = conn.execute(
            "SELECT id FROM organisation WHERE kind = 'pharmacy' ORDER BY id LIMIT %s", (limit,)
        ).fetchall()
    return [r[0] for r in rows]


@dataclass(frozen=True)
class Template:
    """An open prescription whose clones (same citizen, medication, drug and package, nothing
    dispensed yet) are the fresh prescriptions the dispensing scenarios hand out."""

    cpr: str
    citizen_id: uuid.UUID
    prescription_id: uuid.UUID


def template_candidates(db: Database, limit: int) -> list[Template]:
    """Open, currently valid prescriptions of an active medication, one
    per citizen (their clones fill that citizen's card, so few citizens carry them)."""
    with db.connect() as conn:
        rows = conn.execute(
            """
            SELECT DISTINCT ON (p.citizen_id) c.cpr, p.citizen_id, p.id
            FROM prescription p
            JOIN citizen c ON c.id = p.citizen_id
            JOIN medication m ON m.citizen_id = p.citizen_id AND m.id = p.medication_id
            WHERE p.status = 'open'
              AND p.valid_from <= current_date AND p.valid_to >= current_date + 7
              AND m.status = 'active'
              AND (m.end_date IS NULL OR m.end_date > current_date + 7)
            ORDER BY p.citizen_id, p.created_at
            LIMIT %s
            """,
            (limit,),
        ).fetchall()
    return [Template(cpr, cid, pid) for cpr, cid, pid in rows]


_CLONE_RESET = {
    "dispensed_units": "0",
    "status": "'open'",
    "last_dispensed_at": "NULL",
    "iteration_started_at": "NULL",
    "version": "1",
    "created_at": "now()",
    "modified_at": "now()",
    "cancellation_reason": "NULL",
    "invalid_reason": "NULL",
}


def clone_prescriptions(
    db: Database, template: Template, id_expression: str, numbers: Iterable[int]
) -> None:
    """Insert one clone of ``template`` per number n, its id ``id_expression`` (SQL over n,
    e.g. ``md5('tag:' || n)::uuid``), nothing dispensed, open. ``id_expression`` is the
    bench's own text, never input."""
    ns = list(numbers)
    if not ns:
        return
    with db.connect() as conn:
        columns = [
            r[0]
            for r in conn.execute(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_schema = current_schema() AND table_name = 'prescription' "
                "ORDER BY ordinal_position"
            ).fetchall()
        ]
        values = [id_expression if c == "id" else _CLONE_RESET.get(c, f"p.{c}") for c in columns]
        conn.execute(
            f"INSERT INTO prescription ({', '.join(columns)}) "  # noqa: S608 (bench's own SQL)
            f"SELECT {', '.join(values)} FROM prescription p, unnest(%s::bigint[]) AS n "
            "WHERE p.citizen_id = %s AND p.id = %s",
            (ns, template.citizen_id, template.prescription_id),
        )
