"""The population seeder: deterministic per seed, consistent with the schema's invariants and
the app's reading of it, refusing a populated database."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from medrecord import cli, migrate
from medrecord.citizen.rules import birth_date_of
from medrecord.config import Settings
from medrecord.db import make_engine
from medrecord.dosage.examples import SHAPES
from medrecord.main import create_app
from medrecord.seed import SeedRefused, Summary, libpq_url, seed_population
from medrecord.seed.batch import mean_medications
from medrecord.seed.rows import COLUMNS
from medrecord.seed.treatments import TREATMENTS
from tests.support.app_role import AppRole
from tests.support.tokens import Tokens

CITIZENS = 300
TODAY = date(2026, 11, 22)
TABLES = ("organisation", "drug", "drug_package", *COLUMNS)


def _migrated(fresh_database: Callable[[], str], app_role: AppRole | None) -> str:
    url = fresh_database()
    engine = make_engine(url)
    migrate.upgrade(engine, app_role=app_role.name if app_role else None)
    engine.dispose()
    return url


def _seeded(
    fresh_database: Callable[[], str], app_role: AppRole | None, seed: int
) -> tuple[str, Summary]:
    url = _migrated(fresh_database, app_role)
    return url, seed_population(url, CITIZENS, seed, TODAY)


@pytest.fixture(scope="module")
def seeded(fresh_database: Callable[[], str], _app_role: AppRole | None) -> tuple[str, Summary]:
    """A database holding 300 citizens of seed 1, seen on 2026-11-22 (as its owner)."""
    return _seeded(fresh_database, _app_role, seed=1)


@pytest.fixture
def conn(seeded: tuple[str, Summary]) -> Iterator[psycopg.Connection[tuple[object, ...]]]:
    with psycopg.connect(libpq_url(seeded[0])) as conn:
        yield conn


def _hashes(url: str) -> dict[str, str]:
    with psycopg.connect(libpq_url(url)) as conn:
        return {
            table: str(
                conn.execute(
                    f"SELECT md5(string_agg(t::text, '|' ORDER BY t::text)) FROM {table} t"
                ).fetchone()
            )
            for table in TABLES
        }


def test_same_seed_gives_identical_tables_and_another_seed_different_ones(
    seeded: tuple[str, Summary], fresh_database: Callable[[], str], _app_role: AppRole | None
) -> None:
    again, _ = _seeded(fresh_database, _app_role, seed=1)
    other, _ = _seeded(fresh_database, _app_role, seed=2)
    first = _hashes(seeded[0])
    assert _hashes(again) == first
    differing = {t for t, h in _hashes(other).items() if h != first[t]}
    assert differing >= {"citizen", "medication", "prescription", "dispensing", "audit_event"}


def test_summary_counts_every_table(seeded: tuple[str, Summary]) -> None:
    summary = seeded[1]
    assert summary.tables["citizen"][0] == CITIZENS
    assert summary.tables["medication_card"][0] == CITIZENS
    assert all(rows > 0 and size > 0 for rows, size in summary.tables.values())


def test_every_citizen_has_a_gp_practice_and_a_cpr_matching_the_birth_date(
    conn: psycopg.Connection[tuple[object, ...]],
) -> None:
    rows = conn.execute(
        "SELECT c.cpr, c.birth_date, o.kind FROM citizen c "
        "LEFT JOIN organisation o ON o.id = c.gp_practice_id"
    ).fetchall()
    assert len(rows) == CITIZENS
    assert {kind for _, _, kind in rows} == {"gp_practice"}
    assert all(birth_date_of(str(cpr)) == born for cpr, born, _ in rows)
    assert len({cpr for cpr, _, _ in rows}) == CITIZENS


def test_average_medications_rise_with_age(conn: psycopg.Connection[tuple[object, ...]]) -> None:
    rows = conn.execute(
        "SELECT CASE WHEN age < 20 THEN 0 WHEN age < 50 THEN 1 WHEN age < 80 THEN 2 ELSE 3 END,"
        " avg(n) FROM (SELECT extract(year FROM age(%s::date, c.birth_date)) AS age,"
        " (SELECT count(*) FROM medication m WHERE m.citizen_id = c.id) AS n FROM citizen c) x"
        " GROUP BY 1 ORDER BY 1",
        (TODAY,),
    ).fetchall()
    means = [float(str(mean)) for _, mean in rows]
    assert len(means) == 4
    assert means == sorted(means)
    assert means[0] < 1 < means[2] < means[3]
    assert mean_medications(10) == pytest.approx(0.3)
    assert mean_medications(50) == pytest.approx(2.0)
    assert mean_medications(85) == pytest.approx(6.0)


def test_every_dosage_shape_is_drawn_from() -> None:
    drawn = {
        t.shape
        for t in TREATMENTS
        if t.weight > 0 and any(t.fits(age, sex) for age in range(105) for sex in "FM")
    }
    assert set(SHAPES) <= drawn


def test_dosage_types_stored_and_version_one_matches_the_medication(
    conn: psycopg.Connection[tuple[object, ...]],
) -> None:
    types = {r[0] for r in conn.execute("SELECT DISTINCT dosage_derived->>'type' FROM medication")}
    assert {"fixed", "as_needed"} <= types
    mismatched = conn.execute(
        "SELECT count(*) FROM medication m JOIN medication_version v "
        "ON v.citizen_id = m.citizen_id AND v.medication_id = m.id AND v.version = 1 "
        "WHERE v.state->'dosage' <> m.dosage OR v.state->'dosage_derived' <> m.dosage_derived "
        "OR v.state->>'dosage_text' <> m.dosage_text OR v.state->>'drug_id' <> m.drug_id "
        "OR (m.version = 1 AND v.state->>'status' <> m.status)"
    ).fetchone()
    assert mismatched == (0,)
    latest = conn.execute(
        "SELECT count(*) FROM medication m WHERE m.version <> (SELECT max(version) FROM "
        "medication_version v WHERE v.citizen_id = m.citizen_id AND v.medication_id = m.id)"
    ).fetchone()
    assert latest == (0,)
    statuses = {r[0] for r in conn.execute("SELECT DISTINCT status FROM medication")}
    assert statuses == {"active", "paused", "withdrawn"}
    assert conn.execute("SELECT bool_or(private) FROM medication").fetchone() == (True,)


def test_dispensed_units_are_the_sum_of_completed_dispensings(
    conn: psycopg.Connection[tuple[object, ...]],
) -> None:
    wrong = conn.execute(
        "SELECT count(*) FROM prescription p WHERE p.dispensed_units <> COALESCE(("
        "SELECT sum(d.units) FROM dispensing d WHERE d.citizen_id = p.citizen_id "
        "AND d.prescription_id = p.id AND d.status = 'completed'), 0)"
    ).fetchone()
    assert wrong == (0,)
    lines = conn.execute(
        "SELECT count(*) FROM dispensing d WHERE d.units <> (SELECT sum(l.units) FROM "
        "dispensing_line l WHERE l.citizen_id = d.citizen_id AND l.dispensing_id = d.id)"
    ).fetchone()
    assert lines == (0,)
    repeats = conn.execute("SELECT count(*) FROM prescription WHERE iterations > 1").fetchone()
    assert repeats is not None and int(str(repeats[0])) > 0


def test_the_app_reads_a_seeded_citizens_card(
    seeded: tuple[str, Summary],
    conn: psycopg.Connection[tuple[object, ...]],
    app_role: AppRole,
    settings: Settings,
    tokens: Tokens,
) -> None:
    row = conn.execute(
        "SELECT c.cpr, c.gp_practice_id, count(*) FROM citizen c JOIN medication m "
        "ON m.citizen_id = c.id AND m.status <> 'withdrawn' AND NOT m.private "
        "GROUP BY c.id ORDER BY count(*) DESC, c.cpr LIMIT 1"
    ).fetchone()
    assert row is not None
    cpr, gp, _ = row
    engine = make_engine(app_role.url(seeded[0]))
    try:
        app = create_app(settings, engine=engine)
        with TestClient(app, raise_server_exceptions=False) as client:
            response = client.get(
                f"/api/v1/citizens/{str(cpr)[:6]}-{str(cpr)[6:]}/medication-card",
                headers=tokens.headers(role="doctor", org=str(gp)),
            )
    finally:
        engine.dispose()
    assert response.status_code == 200, response.text
    assert response.json()["medications"]


def test_seeding_a_populated_database_is_refused(seeded: tuple[str, Summary]) -> None:
    with pytest.raises(SeedRefused, match="already holds 300 citizens"):
        seed_population(seeded[0], 10, 1, TODAY)


def _schema(url: str) -> tuple[set[tuple[str, str, str]], set[str]]:
    with psycopg.connect(libpq_url(url)) as conn:
        keys = conn.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
            "FROM pg_constraint WHERE connamespace = 'public'::regnamespace"
        ).fetchall()
        indexes = conn.execute("SELECT indexdef FROM pg_indexes WHERE schemaname = 'public'")
        return {(str(a), str(b), str(c)) for a, b, c in keys}, {str(r[0]) for r in indexes}


def test_constraints_and_indexes_are_back_as_the_migrations_made_them(
    seeded: tuple[str, Summary], fresh_database: Callable[[], str], _app_role: AppRole | None
) -> None:
    """The load drops foreign keys and secondary indexes and makes them again at its end."""
    assert _schema(seeded[0]) == _schema(_migrated(fresh_database, _app_role))


def test_seed_command_prints_a_summary_then_refuses_a_second_population(
    fresh_database: Callable[[], str],
    app_role: AppRole,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    owner = fresh_database()
    monkeypatch.setenv("MEDRECORD_DATABASE_URL", libpq_url(app_role.url(owner)))
    monkeypatch.setenv("MEDRECORD_MIGRATION_DATABASE_URL", libpq_url(owner))
    monkeypatch.setenv("MEDRECORD_DATABASE_APP_ROLE", app_role.name)
    args = ["seed", "--citizens", "20", "--today", "2026-11-22", "--data-dir", str(tmp_path)]

    first = CliRunner().invoke(cli.app, args)
    second = CliRunner().invoke(cli.app, args)

    assert first.exit_code == 0, first.output
    assert "20 citizens in" in first.output and "medication_version" in first.output
    assert second.exit_code == 1
    assert "already holds 20 citizens" in second.output
