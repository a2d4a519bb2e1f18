"""The population seeder: deterministic per seed, consistent with the schema's invariants and
the app's reading of it, refusing a populated database."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
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


@contextmanager
def _client(url: str, app_role: AppRole, settings: Settings) -> Iterator[TestClient]:
    engine = make_engine(app_role.url(url))
    try:
        with TestClient(create_app(settings, engine=engine), raise_server_exceptions=False) as c:
            yield c
    finally:
        engine.dispose()


def _path(cpr: object) -> str:
    return f"/api/v1/citizens/{str(cpr)[:6]}-{str(cpr)[6:]}"


def _one(conn: psycopg.Connection[tuple[object, ...]], sql: str) -> tuple[object, ...]:
    row = conn.execute(sql).fetchone()
    assert row is not None, sql
    return row


def test_the_app_reads_a_seeded_citizens_card(
    seeded: tuple[str, Summary],
    conn: psycopg.Connection[tuple[object, ...]],
    app_role: AppRole,
    settings: Settings,
    tokens: Tokens,
) -> None:
    cpr, gp, _ = _one(
        conn,
        "SELECT c.cpr, c.gp_practice_id, count(*) FROM citizen c JOIN medication m "
        "ON m.citizen_id = c.id AND m.status <> 'withdrawn' AND NOT m.private "
        "GROUP BY c.id ORDER BY count(*) DESC, c.cpr LIMIT 1",
    )
    reviewed_cpr, reviewed_gp, doctor = _one(
        conn,
        "SELECT c.cpr, c.gp_practice_id, k.reviewed_by->>'name' FROM citizen c "
        "JOIN medication_card k ON k.citizen_id = c.id WHERE k.reviewed_at IS NOT NULL "
        "ORDER BY c.cpr LIMIT 1",
    )
    with _client(seeded[0], app_role, settings) as client:
        card = client.get(
            f"{_path(cpr)}/medication-card", headers=tokens.headers(role="doctor", org=str(gp))
        )
        reviewed = client.get(
            f"{_path(reviewed_cpr)}/medication-card",
            headers=tokens.headers(role="doctor", org=str(reviewed_gp)),
        )
    assert card.status_code == 200, card.text
    assert card.json()["medications"]
    assert reviewed.status_code == 200, reviewed.text
    assert reviewed.json()["reviewed_by"]["name"] == doctor
    assert reviewed.json()["reviewed_at"] is not None


def test_prescriptions_end_in_every_way_the_app_knows(
    seeded: tuple[str, Summary],
    conn: psycopg.Connection[tuple[object, ...]],
    app_role: AppRole,
    settings: Settings,
    tokens: Tokens,
) -> None:
    """Completed, cancelled (by the doctor or the withdrawal), expired with iterations left,
    and open ones claimed by a pharmacy: the app lists each with its status."""
    picks = {
        status: _one(
            conn,
            "SELECT c.cpr, c.gp_practice_id, p.id::text FROM prescription p "
            f"JOIN citizen c ON c.id = p.citizen_id WHERE {where} ORDER BY p.id LIMIT 1",
        )
        for status, where in {
            "completed": "p.status = 'completed'",
            "cancelled": "p.status = 'cancelled' AND p.cancellation_reason LIKE 'Medication%'",
            "expired": f"p.status = 'open' AND p.valid_to < '{TODAY}'",
            "open": "EXISTS (SELECT FROM pharmacy_order o WHERE o.citizen_id = p.citizen_id "
            "AND o.prescription_id = p.id AND o.status = 'ordered')",
        }.items()
    }
    with _client(seeded[0], app_role, settings) as client:
        for status, (cpr, gp, pid) in picks.items():
            listed = client.get(
                f"{_path(cpr)}/prescriptions",
                params={"status": status},
                headers=tokens.headers(role="doctor", org=str(gp)),
            )
            assert listed.status_code == 200, listed.text
            found = [p for p in listed.json() if p["id"] == pid]
            assert found and found[0]["status"] == status
            assert (found[0]["claimed_by"] is not None) == (status == "open")
    cancelled = _one(
        conn, "SELECT count(*) FROM prescription WHERE cancellation_reason NOT LIKE 'Medication%'"
    )
    assert cancelled[0] != 0  # cancelled by the doctor too


def test_undone_and_split_pack_dispensings_read_as_the_app_made_them(
    seeded: tuple[str, Summary],
    conn: psycopg.Connection[tuple[object, ...]],
    app_role: AppRole,
    settings: Settings,
    tokens: Tokens,
) -> None:
    undone = _one(
        conn,
        "SELECT c.cpr, c.gp_practice_id, d.id::text FROM dispensing d "
        "JOIN citizen c ON c.id = d.citizen_id WHERE d.status = 'undone' ORDER BY d.id LIMIT 1",
    )
    split = _one(
        conn,
        "SELECT c.cpr, c.gp_practice_id, l.dispensing_id::text FROM dispensing_line l "
        "JOIN citizen c ON c.id = l.citizen_id WHERE l.line_number = 2 "
        "ORDER BY l.dispensing_id LIMIT 1",
    )
    with _client(seeded[0], app_role, settings) as client:
        reads = [
            client.get(
                f"{_path(cpr)}/dispensings/{did}",
                headers=tokens.headers(role="doctor", org=str(gp)),
            )
            for cpr, gp, did in (undone, split)
        ]
    assert all(r.status_code == 200 for r in reads), [r.text for r in reads]
    assert reads[0].json()["status"] == "undone" and reads[0].json()["undo_reason"]
    lines = reads[1].json()["lines"]
    assert len(lines) == 2 and len({line["package_number"] for line in lines}) == 2
    assert sum(float(line["units"]) for line in lines) == float(reads[1].json()["units"])


def test_emergency_accesses_are_in_the_access_log_and_reviewed(
    seeded: tuple[str, Summary],
    conn: psycopg.Connection[tuple[object, ...]],
    app_role: AppRole,
    settings: Settings,
    tokens: Tokens,
) -> None:
    seeded_events = {
        str(r[0])
        for r in conn.execute(
            "SELECT a.id FROM audit_event a JOIN emergency_review r ON r.audit_event_id = a.id "
            "WHERE a.purpose = 'emergency'"
        )
    }
    assert seeded_events
    (admin_org,) = _one(conn, "SELECT reviewed_by->>'organisation_id' FROM emergency_review")
    with _client(seeded[0], app_role, settings) as client:
        listed = client.get(
            "/api/v1/admin/emergency-accesses",
            params={"reviewed": "true", "limit": 100},
            headers=tokens.headers(role="admin", org=str(admin_org)),
        )
    assert listed.status_code == 200, listed.text
    shown = {e["audit_event_id"]: e for e in listed.json()}
    assert seeded_events <= set(shown)
    assert all(shown[e]["conclusion"] and len(shown[e]["reason"]) >= 20 for e in seeded_events)


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
