"""Least privilege: the application connects as a role that may read and write rows and nothing
more. The audit trail is append-only for it by privilege (not only by a trigger the owner could
switch off); migrations run as the owner of the tables, which grants the app role its rights
afresh every time they run, so a table from a later migration is covered too."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.exc import DBAPIError

from medrecord import embedded_postgres, migrate
from medrecord.db import make_engine
from tests.support.app_role import AppRole
from tests.support.serve_process import clean_env, free_port

# What the application needs of each table; every other table: read and write rows.
APPEND_ONLY = {"audit_event": {"SELECT", "INSERT"}, "alembic_version": {"SELECT"}}
ROW_RIGHTS = {"SELECT", "INSERT", "UPDATE", "DELETE"}
TABLE_PRIVILEGES = ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER")

INSERT_AUDIT_ROW = (
    "INSERT INTO audit_event (id, actor_subject, actor_name, actor_role, action, resource_type,"
    " purpose, outcome) VALUES (gen_random_uuid(), 's', 'n', 'doctor', 'a', 'r', 'treatment',"
    " 'success')"
)

# Each is refused by a privilege check, before any trigger could be asked.
REFUSED = [
    "UPDATE audit_event SET reason = 'changed'",
    "DELETE FROM audit_event",
    "TRUNCATE audit_event",
    # The bypass: replica mode would skip the append-only triggers.
    "SET LOCAL session_replication_role = replica",
    "SET session_replication_role = replica",
    "ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only",
    "ALTER TABLE audit_event DISABLE TRIGGER ALL",
    "DROP TRIGGER audit_event_append_only ON audit_event",
    "DROP FUNCTION audit_event_refuse_change() CASCADE",
    "DROP TABLE audit_event",
    "ALTER TABLE audit_event RENAME TO audit_event_old",
    "ALTER TABLE medication ADD COLUMN smuggled text",
    "DROP TABLE medication",
    "TRUNCATE medication",
    "CREATE TABLE smuggled (id int)",
    "ALTER ROLE CURRENT_USER SUPERUSER",
    "CREATE ROLE smuggled",
    "SET ROLE {owner}",
]


def test_the_app_and_the_tests_connect_as_the_least_privileged_role(
    engine: Engine, app_role: AppRole
) -> None:
    with engine.connect() as conn:
        me = conn.execute(
            text(
                "SELECT rolname, rolsuper, rolcreatedb, rolcreaterole, rolinherit, rolbypassrls,"
                " rolreplication FROM pg_roles WHERE rolname = current_user"
            )
        ).one()
        memberships = conn.execute(
            text("SELECT count(*) FROM pg_auth_members WHERE member = current_user::regrole")
        ).scalar_one()
    assert tuple(me) == (app_role.name, False, False, False, False, False, False)
    assert memberships == 0


@pytest.mark.parametrize("statement", REFUSED)
def test_the_app_role_cannot_change_the_audit_trail_or_the_schema(
    engine: Engine, owner_engine: Engine, app_role: AppRole, statement: str
) -> None:
    with owner_engine.connect() as conn:
        owner = conn.execute(
            text("SELECT tableowner FROM pg_tables WHERE tablename = 'audit_event'")
        ).scalar_one()
    with engine.connect() as conn:
        conn.execute(text(INSERT_AUDIT_ROW))
        with pytest.raises(DBAPIError) as refused:
            conn.execute(text(statement.format(owner=owner)))
            conn.execute(text("UPDATE audit_event SET reason = 'changed'"))
        conn.rollback()
    error = refused.value.orig
    assert isinstance(error, psycopg.errors.InsufficientPrivilege), error
    assert "append-only" not in str(error)  # the privilege check, not the trigger


def test_the_app_role_may_append_and_read_audit_rows(engine: Engine, app_role: AppRole) -> None:
    with engine.connect() as conn:
        conn.execute(text(INSERT_AUDIT_ROW))
        assert conn.execute(text("SELECT count(*) FROM audit_event")).scalar_one() >= 1
        conn.rollback()


def test_every_table_grants_the_app_role_row_rights_and_no_more(
    owner_engine: Engine, app_role: AppRole
) -> None:
    with owner_engine.connect() as conn:
        granted = privileges_of(conn, app_role.name)
        owners = conn.execute(
            text(
                "SELECT DISTINCT pg_has_role(:role, c.relowner, 'MEMBER') FROM pg_class c"
                " WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'S')"
            ),
            {"role": app_role.name},
        ).all()
        sequences = conn.execute(
            text(
                "SELECT c.relname, has_sequence_privilege(:role, c.oid, 'USAGE'),"
                " has_sequence_privilege(:role, c.oid, 'UPDATE') FROM pg_class c"
                " WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'S'"
            ),
            {"role": app_role.name},
        ).all()
        may_create = conn.execute(
            text("SELECT has_schema_privilege(:role, 'public', 'CREATE')"),
            {"role": app_role.name},
        ).scalar_one()

    assert len(granted) > 10 and "audit_event" in granted
    assert {t: p for t, p in granted.items() if p != APPEND_ONLY.get(t, ROW_RIGHTS)} == {}
    assert owners == [(False,)]  # the app neither owns nor may become the owner of a table
    assert all(usage and not update for _, usage, update in sequences)
    assert may_create is False


def test_a_table_from_a_later_migration_is_granted_when_migrate_runs_again(
    fresh_database: Callable[[], str], app_role: AppRole
) -> None:
    owner = make_engine(fresh_database())
    try:
        migrate.upgrade(owner, app_role=app_role.name)
        with owner.begin() as conn:
            conn.execute(text("CREATE TABLE later_feature (id int PRIMARY KEY)"))
            before = privileges_of(conn, app_role.name)["later_feature"]
        migrate.upgrade(owner, app_role=app_role.name)
        with owner.connect() as conn:
            after = privileges_of(conn, app_role.name)["later_feature"]
    finally:
        owner.dispose()
    assert before == set()
    assert after == ROW_RIGHTS


def test_migrate_refuses_to_make_the_owner_the_app_role(
    fresh_database: Callable[[], str],
) -> None:
    owner = make_engine(fresh_database())
    try:
        with owner.connect() as conn:
            me = conn.execute(text("SELECT current_user")).scalar_one()
        with pytest.raises(migrate.UnsafeAppRole, match=me):
            migrate.upgrade(owner, app_role=me)
    finally:
        owner.dispose()


def test_migrations_run_without_the_apps_statement_and_lock_timeouts(
    fresh_database: Callable[[], str],
) -> None:
    hurried = create_engine(fresh_database())

    @event.listens_for(hurried, "connect")
    def one_millisecond(dbapi_connection: Any, record: object) -> None:
        # After SQLAlchemy's own first queries, which a loaded machine may not run in 1 ms.
        dbapi_connection.autocommit = True
        dbapi_connection.execute("SET statement_timeout = 1")
        dbapi_connection.execute("SET lock_timeout = 1")
        dbapi_connection.autocommit = False

    try:
        migrate.upgrade(hurried)
        with hurried.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar_one() == 1
    finally:
        hurried.dispose()


def test_the_app_is_warned_of_a_login_that_could_rewrite_the_audit_trail(
    owner_engine: Engine, engine: Engine, app_role: AppRole
) -> None:
    assert migrate.privilege_problems(engine) == []
    problems = migrate.privilege_problems(owner_engine)
    assert problems
    assert any("audit_event" in p for p in problems)


@pytest.mark.slow
def test_migrate_runs_as_the_owner_and_the_commands_as_the_app_role(
    fresh_database: Callable[[], str], app_role: AppRole, tmp_path: Path
) -> None:
    owner_url = fresh_database().replace("+psycopg", "")
    env = cli_env(
        MEDRECORD_DATABASE_URL=app_role.url(owner_url),
        MEDRECORD_MIGRATION_DATABASE_URL=owner_url,
        MEDRECORD_DATABASE_APP_ROLE=app_role.name,
        MEDRECORD_DATA_DIR=str(tmp_path),
    )
    for command in (["migrate"], ["seed-demo"], ["purge-expired"]):
        done = subprocess.run(
            [sys.executable, "-m", "medrecord.cli", *command],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stdout + done.stderr
    with psycopg.connect(owner_url) as conn:
        owners = conn.execute(
            "SELECT DISTINCT tableowner = current_user FROM pg_tables WHERE schemaname = 'public'"
        ).fetchall()
        seeded = conn.execute("SELECT count(*) FROM citizen").fetchone()
    assert owners == [(True,)]
    assert seeded is not None and seeded[0] > 0


@pytest.mark.slow
def test_an_app_login_behind_the_schema_is_told_to_migrate_as_the_owner(
    fresh_database: Callable[[], str], app_role: AppRole, tmp_path: Path
) -> None:
    owner_url = fresh_database()
    script = ScriptDirectory.from_config(migrate.alembic_config())
    head = script.get_revision(script.get_current_head())
    assert head is not None and isinstance(head.down_revision, str)
    owner = make_engine(owner_url)
    try:
        migrate.upgrade(owner, head.down_revision, app_role=app_role.name)
    finally:
        owner.dispose()
    done = subprocess.run(
        [sys.executable, "-m", "medrecord.cli", "migrate"],
        env=cli_env(
            MEDRECORD_DATABASE_URL=app_role.url(owner_url.replace("+psycopg", "")),
            MEDRECORD_DATA_DIR=str(tmp_path),
        ),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert "MEDRECORD_MIGRATION_DATABASE_URL" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.slow
def test_production_refuses_to_serve_as_the_owner_of_the_tables(
    fresh_database: Callable[[], str], tmp_path: Path
) -> None:
    owner_url = fresh_database().replace("+psycopg", "")
    done = subprocess.run(
        [sys.executable, "-m", "medrecord.cli", "serve", "--port", str(free_port())],
        env=cli_env(
            MEDRECORD_DATABASE_URL=owner_url,
            MEDRECORD_ENVIRONMENT="production",
            MEDRECORD_JWKS_URL="https://login.medrecord.example/jwks",  # production needs keys
            MEDRECORD_DATA_DIR=str(tmp_path),
        ),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert "audit_event" in done.stderr and "MEDRECORD_MIGRATION_DATABASE_URL" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.fixture
def old_embedded_database(server_uri: str) -> Iterator[tuple[str, str, str]]:
    """A database as an embedded PostgreSQL held it before the roles: everything the
    superuser's. Yields (database, owner role, app role), all dropped afterwards."""
    if os.environ.get("TEST_DATABASE_URL"):
        pytest.skip("provisioning is for the embedded PostgreSQL (trust over its own socket)")
    with psycopg.connect(server_uri, autocommit=True) as conn:
        superuser = conn.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        row = superuser.fetchone()
        if not (row and row[0]):
            pytest.skip("provisioning the embedded PostgreSQL's roles needs a superuser")
    tag = uuid.uuid4().hex[:8]
    database, owner, app = f"medrecord_old_{tag}", f"owner_{tag}", f"app_{tag}"
    embedded_postgres.ensure_database(server_uri, database)
    with psycopg.connect(embedded_postgres.with_login(server_uri, database=database)) as conn:
        conn.execute("CREATE TABLE kept (id int PRIMARY KEY)")
        conn.execute("CREATE FUNCTION kept_count() RETURNS bigint LANGUAGE sql AS $$ SELECT 1 $$")
    yield database, owner, app
    with psycopg.connect(server_uri, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        conn.execute(f'DROP ROLE IF EXISTS "{app}"')
        conn.execute(f'DROP ROLE IF EXISTS "{owner}"')


def test_embedded_provisioning_hands_an_old_database_to_the_owner_role(
    server_uri: str, old_embedded_database: tuple[str, str, str]
) -> None:
    database, owner, app = old_embedded_database
    for _ in range(2):  # every start provisions again: it must be idempotent
        logins = embedded_postgres.provision(server_uri, database, owner_role=owner, app_role=app)
    with psycopg.connect(logins.owner) as conn:
        assert conn.execute("SELECT current_user").fetchone() == (owner,)
        kinds = conn.execute(
            "SELECT (SELECT tableowner FROM pg_tables WHERE tablename = 'kept'),"
            " (SELECT proowner::regrole::text FROM pg_proc WHERE proname = 'kept_count'),"
            " (SELECT datdba::regrole::text FROM pg_database WHERE datname = current_database())"
        ).fetchone()
    with psycopg.connect(logins.app) as conn:
        assert conn.execute("SELECT current_user").fetchone() == (app,)
    assert kinds == (owner, owner, owner)


def privileges_of(conn: Connection, role: str) -> dict[str, set[str]]:
    """Table name → the privileges ``role`` holds on it, for every table in the schema."""
    rows = conn.execute(
        text(
            "SELECT c.relname, p.privilege FROM pg_class c"
            " CROSS JOIN unnest(CAST(:privileges AS text[])) AS p(privilege)"
            " WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p')"
            " AND has_table_privilege(:role, c.oid, p.privilege)"
        ),
        {"role": role, "privileges": list(TABLE_PRIVILEGES)},
    ).all()
    tables = conn.execute(
        text(
            "SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace"
            " AND relkind IN ('r', 'p')"
        )
    ).scalars()
    granted: dict[str, set[str]] = {name: set() for name in tables}
    for table, privilege in rows:
        granted[table].add(privilege)
    return granted


def cli_env(**settings: str) -> dict[str, str]:
    return clean_env() | settings
