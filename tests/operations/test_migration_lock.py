"""Replicas that start together migrate one after another (a PostgreSQL advisory lock):
four `medrecord migrate` processes on one empty database all succeed, and the schema is at
head once."""

from __future__ import annotations

import subprocess
from collections.abc import Callable

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, text

from medrecord import migrate
from tests.support.serve_process import clean_env, medrecord

pytestmark = pytest.mark.slow


def test_four_processes_migrating_one_empty_database_all_succeed(
    fresh_database: Callable[[], str],
) -> None:
    url = fresh_database()
    env = {**clean_env(), "MEDRECORD_DATABASE_URL": url}
    processes = [
        subprocess.Popen(
            medrecord("migrate"),
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(4)
    ]
    outputs = [process.communicate(timeout=180)[0] for process in processes]

    assert [process.returncode for process in processes] == [0, 0, 0, 0], outputs
    head = ScriptDirectory.from_config(migrate.alembic_config()).get_current_head()
    engine = create_engine(url)
    with engine.connect() as conn:
        versions = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    engine.dispose()
    assert versions == [head]
