"""Test fixtures: one real PostgreSQL per test session (embedded unless TEST_DATABASE_URL),
schema built by Alembic, one rolled-back transaction per test, a fresh session per request."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import psycopg
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

from medrecord import clock, embedded_postgres, migrate
from medrecord.access.tokens import TokenSigner
from medrecord.config import Settings
from medrecord.db import make_engine
from medrecord.main import create_app
from tests.support.tokens import Tokens

# Shared arrangements (gp, citizen, drug, ...) live in one plugin module, not in conftests.
pytest_plugins = ["tests.support.fixtures"]


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
def fresh_database(server_uri: str) -> Iterator[object]:
    """A factory of empty databases on the test server, dropped at the end of the session."""
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
    head, sep, query = uri.partition("?")
    return head.rsplit("/", 1)[0] + "/" + name + sep + query


@pytest.fixture(scope="session")
def database_url(fresh_database: object) -> str:
    return fresh_database()  # type: ignore[operator, no-any-return]


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    migrate.upgrade(engine)
    yield engine
    engine.dispose()


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
