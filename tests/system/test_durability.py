"""medrecord refuses to run on a PostgreSQL that can lose acknowledged commits."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

import psycopg
import pytest
from sqlalchemy import create_engine

from medrecord.db import UnsafeDatabase, check_durability


def test_durable_server_is_accepted(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        check_durability(engine)
    finally:
        engine.dispose()


def test_synchronous_commit_off_is_refused(database_url: str) -> None:
    engine = create_engine(database_url, connect_args={"options": "-c synchronous_commit=off"})
    try:
        with pytest.raises(UnsafeDatabase, match="synchronous_commit=off"):
            check_durability(engine)
    finally:
        engine.dispose()


@pytest.fixture
def server_setting_off(server_uri: str, request: pytest.FixtureRequest) -> Iterator[str]:
    """Turn a server-wide setting off (and back on) on the embedded test server."""
    if os.environ.get("TEST_DATABASE_URL"):
        pytest.skip("changes server-wide settings; only done on the embedded test server")
    setting: str = request.param
    with psycopg.connect(server_uri, autocommit=True) as conn:
        conn.execute(f"ALTER SYSTEM SET {setting} = off")
        conn.execute("SELECT pg_reload_conf()")
        _wait_for(server_uri, setting, "off")
        try:
            yield setting
        finally:
            conn.execute(f"ALTER SYSTEM RESET {setting}")
            conn.execute("SELECT pg_reload_conf()")
            _wait_for(server_uri, setting, "on")


def _wait_for(uri: str, setting: str, value: str) -> None:
    # pg_reload_conf() only signals the postmaster; new sessions see the change shortly after.
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with psycopg.connect(uri) as conn:
            if conn.execute("SELECT current_setting(%s)", (setting,)).fetchone() == (value,):
                return
        time.sleep(0.05)
    raise AssertionError(f"{setting} did not become {value}")


@pytest.mark.parametrize("server_setting_off", ["fsync", "full_page_writes"], indirect=True)
def test_server_wide_unsafe_settings_are_refused(
    database_url: str, server_setting_off: str
) -> None:
    engine = create_engine(database_url)
    try:
        with pytest.raises(UnsafeDatabase, match=f"{server_setting_off}=off"):
            check_durability(engine)
    finally:
        engine.dispose()
