"""What the seeder asks of and writes to the database: the refusal check, the reference data
(the demo catalogue and the organisations, when missing), COPY of a batch, sizes at the end."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg

from medrecord.demo import catalogue, people
from medrecord.seed.organisations import Organisation
from medrecord.seed.rows import COLUMNS, Batch

# Parents before children: a batch's rows are committed together, but COPY checks foreign keys
# row by row as it goes.
TABLES = tuple(COLUMNS)
WRITTEN = ("organisation", "drug", "drug_package", *TABLES)
Connection = psycopg.Connection[Any]
DEMO_CPRS = [cpr for _, cpr, _, _ in people.CITIZENS]


def other_citizens(conn: Connection) -> int:
    """Citizens that are not the demo's (the demo seed may be there; a population may not)."""
    row = conn.execute(
        "SELECT count(*) FROM citizen WHERE NOT (cpr = ANY(%s))", (DEMO_CPRS,)
    ).fetchone()
    return int(row[0]) if row else 0


def add_catalogue(conn: Connection) -> int:
    """The demo drug catalogue (as demo.seed loads it), unless drugs are there already."""
    row = conn.execute("SELECT count(*) FROM drug").fetchone()
    if row and row[0]:
        return 0
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO drug (id, name, form, dosage_units, strength, atc_code, "
            "substitution_group, active_substances, dispensing_group, otc) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (id) DO NOTHING",
            [
                (
                    catalogue.drug_id(i), name, form,
                    catalogue.dosage_units(name, form, strength), strength, atc, group,
                    catalogue.active_substances(atc),
                    str(catalogue.dispensing_group(name, strength)),
                    catalogue.over_the_counter(name, strength),
                )
                for i, (name, form, strength, atc, group, _) in enumerate(catalogue.DRUGS)
            ],
        )  # fmt: skip
        cur.executemany(
            "INSERT INTO drug_package (package_number, drug_id, size, unit, price_dkk) "
            "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (package_number) DO NOTHING",
            [
                (catalogue.package_number(i, p), catalogue.drug_id(i), size, unit,
                 catalogue.price(price))
                for i, row_ in enumerate(catalogue.DRUGS)
                for p, (size, unit, price) in enumerate(row_[5])
            ],
        )  # fmt: skip
    return len(catalogue.DRUGS)


def add_organisations(conn: Connection, organisations: list[Organisation]) -> int:
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO organisation (id, name, kind) VALUES (%s, %s, %s) "
            "ON CONFLICT (id) DO NOTHING",
            [(o.id, o.name, o.kind) for o in organisations],
        )
    return len(organisations)


def copy_batch(conn: Connection, batch: Batch) -> int:
    """COPY each table's lines; returns the bytes sent."""
    sent = 0
    with conn.cursor() as cur:
        for table in TABLES:
            data = batch.text[table].getvalue()
            if not data:
                continue
            columns = ", ".join(COLUMNS[table])
            with cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                copy.write(data)
            sent += len(data)
    return sent


def sizes(conn: Connection) -> dict[str, tuple[int, int]]:
    """Rows and bytes (with indexes and TOAST) of every table the seeder writes."""
    found: dict[str, tuple[int, int]] = {}
    for table in WRITTEN:
        row = conn.execute(
            f"SELECT (SELECT count(*) FROM {table}), pg_total_relation_size('{table}')"  # noqa: S608
        ).fetchone()
        found[table] = (int(row[0]), int(row[1])) if row else (0, 0)
    return found


@contextmanager
def constraints_deferred(conn: Connection, phases: dict[str, float]) -> Iterator[None]:
    """Drops the foreign keys, primary keys and non-unique indexes of the tables written, and
    makes them again, as they were, when the load is done (PostgreSQL's advice for bulk loads,
    "Populating a Database": one sorted index build and one validating join beat an index
    insertion and a check per row; the generator makes the keys distinct). Unique constraints
    other than primary keys stay (the CPR numbers beside the demo's), and so do the primary keys
    that tables not written refer to. Run inside the load's
    transaction: if the load fails, the rollback restores them too. ``phases`` gets the
    seconds each kind of rebuild took."""
    tables = list(TABLES)
    keys = conn.execute(
        "SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid) "
        "FROM pg_constraint c WHERE c.conrelid = ANY(%(t)s::regclass[]) "
        "AND (c.contype = 'f' OR c.contype = 'p' AND NOT "
        # a primary key that a table not written references stays
        "EXISTS (SELECT FROM pg_constraint o WHERE o.contype = 'f' "
        "AND o.confrelid = c.conrelid AND NOT o.conrelid = ANY(%(t)s::regclass[]))) "
        "ORDER BY c.contype = 'p', 1, 2",
        {"t": tables},
    ).fetchall()
    indexes = conn.execute(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisunique AND NOT i.indisprimary "
        "ORDER BY 1",
        (tables,),
    ).fetchall()
    for table, name, _ in keys:  # foreign keys first: they depend on the primary keys
        conn.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, _ in indexes:
        conn.execute(f"DROP INDEX {name}")
    yield
    # Primary keys, then indexes, then the foreign keys that need them. The index builds
    # sort in parallel workers when a table is large enough.
    primary = [k for k in keys if k[2].startswith("PRIMARY KEY")]
    foreign = [k for k in keys if k not in primary]
    mark = time.perf_counter()
    for table, name, definition in primary:
        conn.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
    phases["primary keys"] = time.perf_counter() - mark
    for _, definition in indexes:
        conn.execute(definition)
    phases["indexes"] = time.perf_counter() - mark - phases["primary keys"]
    mark = time.perf_counter()
    for table, name, definition in foreign:
        conn.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
    phases["foreign keys"] = time.perf_counter() - mark
