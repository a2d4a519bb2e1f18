"""Migrations: one head, a clean round trip, models that match the DDL, an append-only audit."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from medrecord import migrate
from medrecord.db import make_engine
from medrecord.models import Base


def test_there_is_exactly_one_head() -> None:
    script = ScriptDirectory.from_config(migrate.alembic_config())
    assert len(script.get_heads()) == 1


def test_upgrade_downgrade_upgrade_round_trip(fresh_database: Callable[[], str]) -> None:
    engine = make_engine(fresh_database())
    try:
        migrate.upgrade(engine)
        migrate.downgrade(engine, "base")
        with engine.connect() as conn:
            tables = conn.execute(
                text(
                    "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' "
                    "AND tablename <> 'alembic_version'"
                )
            ).scalar_one()
        assert tables == 0
        migrate.upgrade(engine)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM audit_event")).scalar_one() == 0
    finally:
        engine.dispose()


def test_models_match_the_migrated_schema(engine: Engine) -> None:
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "compare_server_default": True}
        )
        diff = compare_metadata(context, Base.metadata)
    assert diff == []


def test_migration_files_follow_the_naming_convention() -> None:
    script = ScriptDirectory.from_config(migrate.alembic_config())
    for revision in script.walk_revisions():
        assert revision.path is not None
        name = revision.path.rsplit("/", 1)[-1]
        assert len(name) > 16 and name[4] == "-" and name[15] == "_", name


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_event SET reason = 'changed'",
        "DELETE FROM audit_event",
        "TRUNCATE audit_event CASCADE",
    ],
)
def test_database_refuses_to_change_audit_rows(owner_engine: Engine, statement: str) -> None:
    # As the owner: the app role may not even try (tests/system/test_least_privilege.py).
    with owner_engine.connect() as conn:
        conn.execute(
            text(
                "INSERT INTO audit_event (id, actor_subject, actor_name, actor_role, action, "
                "resource_type, purpose, outcome) VALUES (gen_random_uuid(), 's', 'n', 'doctor', "
                "'a', 'r', 'treatment', 'success')"
            )
        )
        with pytest.raises(DBAPIError, match="append-only"):
            conn.execute(text(statement))
        conn.rollback()
