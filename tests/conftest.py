"""Test fixtures: one real PostgreSQL per test session (embedded unless TEST_DATABASE_URL),
schema built by Alembic as the tables' owner, the app and the tests connected as the
least-privileged app role, one rolled-back transaction per test, a fresh session per request."""

from __future__ import annotations

import os
import secrets
import uuid
from collections.abc import Callable, Iterator

import psycopg
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

from medrecord import clock, embedded_postgres, migrate
from medrecord.access.tokens import TokenSigner
from medrecord.config import Settings
from medrecord.db import make_engine
from medrecord.main import create_app
from tests.support.app_role import AppRole
from tests.support.tokens import Tokens

# Shared arrangements (gp, citizen, drug, ...) live in one plugin module, not in conftests;
# sql_recorder fails the run when an app statement would not route to one shard by citizen.
pytest_plugins = ["tests.support.fixtures", "tests.support.sql_recorder"]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--soak",
        action="store_true",
        default=False,
        help="Long runs: more fuzzing examples, a 20-minute invariant run, longer fault tests.",
    )


@pytest.fixture(scope="session")
def soak(request: pytest.FixtureRequest) -> bool:
    """True under ``pytest --soak`` (the long runs; CI runs the short ones)."""
    return bool(request.config.getoption("--soak"))


def _server_uri(tmp_path_factory: pytest.TempPathFactory) -> str:
    given = os.environ.get("TEST_DATABASE_URL")
    if given:
        return given.replace("postgresql+psycopg://", "postgresql://")
    server = embedded_postgres.start(tmp_path_factory.mktemp("pg") / "pgdata")
    return server.base_uri


@pytest.fixture(scope="session")
def server_uri(tmp_path_factory: pytest.TempPathFactory) -> str:
    """libpq URI of a maintenance database on the test server."""
    return _server_uri(tmp_path_factory)


@pytest.fixture(scope="session")
def _app_role(server_uri: str) -> Iterator[AppRole | None]:
    """A least-privileged login for this session (None where the server's user may not make
    roles: a TEST_DATABASE_URL without CREATEROLE). Dropped after the session's databases."""
    role = AppRole(f"medrecord_app_{uuid.uuid4().hex[:8]}", secrets.token_urlsafe(18))
    with psycopg.connect(server_uri, autocommit=True) as conn:
        row = conn.execute(
            "SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user"
        ).fetchone()
        may_create = bool(row and row[0])
        if may_create:
            embedded_postgres.create_app_role(conn, role.name, password=role.password)
    if not may_create:
        yield None
        return
    yield role
    with psycopg.connect(server_uri, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role.name)))


@pytest.fixture(scope="session")
def app_role(_app_role: AppRole | None, server_uri: str) -> AppRole:
    """The role the app and the tests connect as; skips where it cannot be made."""
    if _app_role is None:
        user = conninfo_to_dict(server_uri).get("user", "?")
        pytest.skip(
            f"TEST_DATABASE_URL's user {user} may not create roles (needs CREATEROLE), so the "
            "suite runs as the owner and the least-privilege tests cannot run"
        )
    return _app_role


@pytest.fixture(scope="session")
def fresh_database(server_uri: str, _app_role: AppRole | None) -> Iterator[Callable[[], str]]:
    """A factory of empty databases on the test server, dropped at the end of the session.

    It returns the SQLAlchemy URL of the database's owner (the server's user): the login that
    migrates. ``app_role.url(...)`` turns it into the app role's."""
    created: list[str] = []

    def make() -> str:
        name = f"medrecord_test_{uuid.uuid4().hex[:10]}"
        embedded_postgres.ensure_database(server_uri, name)
        created.append(name)
        return embedded_postgres.sqlalchemy_url(_with_db(server_uri, name))

    yield make
    with psycopg.connect(server_uri, autocommit=True) as conn:
        for name in created:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _with_db(uri: str, name: str) -> str:
    return embedded_postgres.with_login(uri, database=name)


@pytest.fixture(scope="session")
def owner_database_url(fresh_database: Callable[[], str]) -> str:
    """The session database, as its owner (the login that migrates) reaches it."""
    return fresh_database()


@pytest.fixture(scope="session")
def owner_engine(owner_database_url: str, _app_role: AppRole | None) -> Iterator[Engine]:
    """The owner's engine, which migrated the session database and granted the app role its
    rights. For arrangements the app may not make (DDL, rewriting audit rows): its
    connections are not the test's ``connection``, so what they write is committed or unseen."""
    engine = make_engine(owner_database_url)
    migrate.upgrade(engine, app_role=_app_role.name if _app_role else None)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def database_url(owner_database_url: str, _app_role: AppRole | None, owner_engine: Engine) -> str:
    """The session database as the app reaches it: as the least-privileged app role."""
    return _app_role.url(owner_database_url) if _app_role else owner_database_url


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    """The app's engine: every test that goes through it shows the app needs no more rights."""
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def owner_connection(owner_engine: Engine) -> Iterator[Connection]:
    """An owner's connection in a transaction rolled back after the test."""
    with owner_engine.connect() as conn:
        outer = conn.begin()
        yield conn
        outer.rollback()


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    """The test's outer transaction: everything a test writes is rolled back after it."""
    with engine.connect() as conn:
        outer = conn.begin()
        yield conn
        outer.rollback()


@pytest.fixture
def session_factory(connection: Connection) -> sessionmaker[Session]:
    # Use cases' commit() releases a savepoint; the outer transaction stays open.
    return sessionmaker(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )


@pytest.fixture
def db(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session for arranging and inspecting data (separate from the app's sessions)."""
    with session_factory() as session:
        yield session


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(data_dir=tmp_path_factory.mktemp("data"), database_url=None)


@pytest.fixture(scope="session")
def signer(settings: Settings) -> TokenSigner:
    return TokenSigner.from_settings(settings)


@pytest.fixture
def app(settings: Settings, engine: Engine, session_factory: sessionmaker[Session]) -> FastAPI:
    app = create_app(settings, engine=engine)
    app.state.sessionmaker = session_factory  # a fresh session per request, in the test's tx
    return app


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def tokens(signer: TokenSigner) -> Tokens:
    return Tokens(signer)


@pytest.fixture(autouse=True)
def _unfrozen_clock() -> Iterator[None]:
    yield
    clock.freeze(None)
