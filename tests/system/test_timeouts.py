"""Every wait on the database is bounded, and a database that cannot answer in time is a 503
with Retry-After: never a 500, never a hang (issue 11). In-process, against real PostgreSQL.

The lock tests run in a database of their own (locks are per database), so a table lock here
never stalls another test that shares the session's test database."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import psycopg.errors
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import (
    IntegrityError,
    InterfaceError,
    InternalError,
    OperationalError,
    ProgrammingError,
)
from sqlalchemy.exc import TimeoutError as SATimeoutError
from sqlalchemy.orm import sessionmaker

from medrecord import migrate
from medrecord.config import Settings
from medrecord.db import make_engine
from medrecord.main import create_app
from medrecord.models import Citizen, Organisation
from medrecord.web import sessions
from tests.support.factories import make_citizen, make_organisation
from tests.support.tokens import Tokens

DATABASE_PROBLEMS = {
    "https://medrecord.example/problems/database-unavailable",
    "https://medrecord.example/problems/database-busy",
}


def _settings(base: Settings, **overrides: Any) -> Settings:
    """The session's settings (its signing key signs the test tokens) with ``overrides``."""
    return base.model_copy(update=overrides)


def within(
    seconds: float, call: Callable[[], Any], *, release: Callable[[], Any] = lambda: None
) -> Any:
    """``call()``'s result, which must come within ``seconds``. A regression fails the test
    instead of hanging it: the fault is ``release``d and the call waited for (a test client
    left with a request in flight would hang on exit) before the failure is raised."""
    result: dict[str, Any] = {}
    worker = threading.Thread(target=lambda: result.setdefault("value", call()), daemon=True)
    worker.start()
    worker.join(timeout=seconds)
    if "value" not in result:
        release()
        worker.join(timeout=60)
        raise AssertionError(f"no answer within {seconds} s")
    return result["value"]


def assert_503(response: Any, slug: str | None = None, retry_after: str = "5") -> dict[str, Any]:
    """A plain-words 503 problem with Retry-After; no SQL, no driver message, no stack."""
    assert response.status_code == 503, response.text
    assert response.headers["retry-after"] == retry_after
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["type"] in DATABASE_PROBLEMS
    if slug:
        assert body["type"].endswith("/" + slug)
    for leak in ("SELECT", "INSERT", "LOCK", "audit_event", "psycopg", "sqlalchemy", "Traceback",
                 "SQLSTATE", "canceling statement", "connection"):  # fmt: skip
        assert leak not in response.text, leak
    return body


# --- the engine's settings -----------------------------------------------------------------


def _session_settings(engine: Engine) -> dict[str, str]:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT name, setting FROM pg_settings WHERE name IN "
                "('statement_timeout', 'lock_timeout', 'idle_in_transaction_session_timeout',"
                " 'TimeZone')"
            )
        )
        return {name: setting for name, setting in rows}


def test_sessions_carry_the_timeouts_from_settings(database_url: str, settings: Settings) -> None:
    settings = _settings(
        settings,
        db_statement_timeout_ms=1234,
        db_lock_timeout_ms=567,
        db_idle_in_transaction_timeout_ms=8900,
        db_pool_timeout_seconds=0.75,
    )
    engine = make_engine(database_url, settings)
    try:
        assert _session_settings(engine) == {
            "statement_timeout": "1234",
            "lock_timeout": "567",
            "idle_in_transaction_session_timeout": "8900",
            "TimeZone": "UTC",
        }
        assert engine.pool.timeout() == 0.75  # type: ignore[attr-defined]
    finally:
        engine.dispose()


def test_an_engine_made_without_settings_gets_the_settings_defaults(database_url: str) -> None:
    defaults = {name: field.default for name, field in Settings.model_fields.items()}
    engine = make_engine(database_url)
    try:
        found = _session_settings(engine)
        assert found["statement_timeout"] == str(defaults["db_statement_timeout_ms"])
        assert found["lock_timeout"] == str(defaults["db_lock_timeout_ms"])
        assert found["idle_in_transaction_session_timeout"] == str(
            defaults["db_idle_in_transaction_timeout_ms"]
        )
        assert engine.pool.timeout() == defaults["db_pool_timeout_seconds"]  # type: ignore[attr-defined]
        # Nothing is left waiting for 30 s or more by default.
        assert defaults["db_statement_timeout_ms"] < 30_000
        assert defaults["db_lock_timeout_ms"] < 30_000
        assert defaults["db_pool_timeout_seconds"] < 30
        assert defaults["db_connect_timeout_seconds"] < 30
    finally:
        engine.dispose()


# --- a database that cannot be reached ------------------------------------------------------


def silent_server() -> socket.socket:
    """A listening socket that accepts TCP connections and never says a word (a hung
    PostgreSQL). Closing it resets the connections it has queued."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    return listener


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _app_on(url: str, settings: Settings) -> FastAPI:
    return create_app(settings, engine=make_engine(url, settings))


def test_a_database_that_never_answers_is_a_503_within_the_connect_timeout(
    settings: Settings, tokens: Tokens
) -> None:
    settings = _settings(settings, db_connect_timeout_seconds=2)
    with silent_server() as listener:
        port = listener.getsockname()[1]
        app = _app_on(f"postgresql+psycopg://medrecord@127.0.0.1:{port}/medrecord", settings)
        with TestClient(app, raise_server_exceptions=False) as client:
            try:
                doctor = tokens.headers(role="doctor", org="x")
                response = within(
                    4,
                    lambda: client.get("/api/v1/drugs", headers=doctor),
                    release=listener.close,
                )
                assert_503(response, "database-unavailable")

                ready = within(2.5, lambda: client.get("/readyz"), release=listener.close)
                assert ready.status_code == 503 and ready.headers["retry-after"] == "5"

                assert within(0.5, lambda: client.get("/healthz")).json() == {"status": "ok"}
            finally:
                listener.close()  # a regression fails here instead of hanging
    app.state.engine.dispose()


def test_a_database_that_refuses_connections_is_a_503_for_api_and_ui(
    closed_port: int, settings: Settings, tokens: Tokens
) -> None:
    settings = _settings(settings, retry_after_seconds=7)
    app = _app_on(f"postgresql+psycopg://medrecord@127.0.0.1:{closed_port}/medrecord", settings)
    with TestClient(app, raise_server_exceptions=False, follow_redirects=False) as client:
        doctor = tokens.headers(role="doctor", org="x")
        assert_503(client.get("/api/v1/drugs", headers=doctor), "database-unavailable", "7")

        ready = client.get("/readyz")
        assert ready.status_code == 503 and ready.headers["retry-after"] == "7"
        assert client.get("/healthz").status_code == 200

        client.cookies.set(sessions.COOKIE, "x" * 40)
        page = client.get("/ui/")
        assert page.status_code == 503, page.text
        assert page.headers["retry-after"] == "7"
        assert page.headers["content-type"].startswith("text/html")
        assert "Traceback" not in page.text and "psycopg" not in page.text
    app.state.engine.dispose()


# --- a database of our own, with committed rows, for locks ----------------------------------


class Own:
    def __init__(self, engine: Engine, citizen: Citizen, doctor: dict[str, str]) -> None:
        self.engine, self.citizen, self.doctor = engine, citizen, doctor

    @property
    def card(self) -> str:
        return f"/api/v1/citizens/{self.citizen.cpr}/medication-card"


@pytest.fixture(scope="module")
def own(fresh_database: Callable[[], str], signer: Any) -> Iterator[Own]:
    engine = make_engine(fresh_database())
    migrate.upgrade(engine)
    with sessionmaker(engine, expire_on_commit=False)() as db:
        gp: Organisation = make_organisation(db, kind="gp_practice")
        citizen = make_citizen(db, gp=gp, name="Lene Lås")
        db.commit()
    doctor = Tokens(signer).headers(role="doctor", org=gp, name="Dr. Lås")
    yield Own(engine, citizen, doctor)
    engine.dispose()


@pytest.fixture
def own_app(own: Own, settings: Settings) -> Iterator[Callable[..., FastAPI]]:
    engines: list[Engine] = []

    def make(**overrides: Any) -> FastAPI:
        changed = _settings(settings, **overrides)
        engine = make_engine(own.engine.url.render_as_string(hide_password=False), changed)
        engines.append(engine)
        return create_app(changed, engine=engine)

    yield make
    for engine in engines:
        engine.dispose()


@contextmanager
def locked(engine: Engine, table: str) -> Iterator[Connection]:
    """Another session holding ``table`` in ACCESS EXCLUSIVE mode (e.g. a long maintenance
    transaction) until the block ends or it rolls back. Entered inside the test client's
    block, it lets go before the client waits for its requests."""
    with engine.connect() as conn:
        conn.begin()
        conn.execute(text("SET LOCAL lock_timeout = '5s'"))  # fail, never hang, if blocked
        conn.execute(text(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE"))
        try:
            yield conn
        finally:
            conn.rollback()


def test_a_lock_wait_ends_after_the_lock_timeout_with_a_503(
    own: Own, own_app: Callable[..., FastAPI]
) -> None:
    app = own_app(db_lock_timeout_ms=300)
    with (
        TestClient(app, raise_server_exceptions=False) as client,
        locked(own.engine, "audit_event") as holder,
    ):
        response = within(
            2, lambda: client.get(own.card, headers=own.doctor), release=holder.rollback
        )
        assert_503(response, "database-busy")
        holder.rollback()
        assert client.get(own.card, headers=own.doctor).status_code == 200


def test_a_statement_past_the_statement_timeout_is_a_503(
    own: Own, own_app: Callable[..., FastAPI]
) -> None:
    app = own_app(db_lock_timeout_ms=0, db_statement_timeout_ms=300)
    with (
        TestClient(app, raise_server_exceptions=False) as client,
        locked(own.engine, "audit_event") as holder,
    ):
        response = within(
            2, lambda: client.get(own.card, headers=own.doctor), release=holder.rollback
        )
        assert_503(response, "database-busy")
        holder.rollback()
        assert client.get(own.card, headers=own.doctor).status_code == 200


def test_an_exhausted_pool_is_a_503_after_the_pool_timeout_and_readyz_still_answers(
    own: Own, own_app: Callable[..., FastAPI]
) -> None:
    app = own_app(db_pool_size=1, db_max_overflow=0, db_pool_timeout_seconds=0.3)
    with TestClient(app, raise_server_exceptions=False) as client:
        with app.state.engine.connect():  # the only connection, taken
            response = within(2, lambda: client.get(own.card, headers=own.doctor))
            assert_503(response, "database-busy")

            # The database itself answers; neither probe waits for the pool.
            assert within(2, lambda: client.get("/readyz")).status_code == 200
            assert within(1, lambda: client.get("/healthz")).status_code == 200
        assert client.get(own.card, headers=own.doctor).status_code == 200


def _wait_for_lock_waiter(engine: Engine, timeout: float = 5) -> int:
    deadline = time.monotonic() + timeout
    with engine.connect() as conn:
        while time.monotonic() < deadline:
            pid = conn.execute(
                text(
                    "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                    " AND datname = current_database() AND application_name = 'medrecord'"
                    " AND query ILIKE 'INSERT INTO audit_event%'"
                )
            ).scalar()
            conn.rollback()
            if pid:
                return int(pid)
            time.sleep(0.02)
    raise AssertionError("no request waited for the lock")


def test_a_connection_lost_mid_request_is_a_503_and_the_next_request_succeeds(
    own: Own, own_app: Callable[..., FastAPI]
) -> None:
    app = own_app(db_lock_timeout_ms=10_000)
    with (
        TestClient(app, raise_server_exceptions=False) as client,
        locked(own.engine, "audit_event") as holder,
    ):

        def kill_the_waiting_backend() -> None:
            backend = _wait_for_lock_waiter(own.engine)
            with own.engine.connect() as admin:
                admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": backend})

        killer = threading.Thread(target=kill_the_waiting_backend, daemon=True)
        killer.start()
        response = within(
            8, lambda: client.get(own.card, headers=own.doctor), release=holder.rollback
        )
        assert_503(response, "database-unavailable")
        holder.rollback()
        assert client.get(own.card, headers=own.doctor).status_code == 200


def test_client_caused_database_errors_keep_their_handling(
    own_app: Callable[..., FastAPI],
) -> None:
    """Only faults of the database itself are 503s: an unmapped constraint violation or a
    programming error is still our 500, with nothing internal in it."""
    app = own_app()

    @app.get("/test-only/integrity")
    def integrity() -> None:
        raise IntegrityError("INSERT INTO x", {}, Exception("duplicate key"))

    @app.get("/test-only/programming")
    def programming() -> None:
        raise ProgrammingError("SELECT nope", {}, Exception("undefined table"))

    with TestClient(app, raise_server_exceptions=False) as client:
        for path in ("/test-only/integrity", "/test-only/programming"):
            response = client.get(path)
            assert response.status_code == 500, path
            assert "retry-after" not in response.headers
            assert "SELECT" not in response.text and "INSERT" not in response.text


def test_healthz_needs_neither_the_database_nor_a_worker_thread() -> None:
    import inspect

    app = create_app(Settings(data_dir=Path("/nonexistent"), database_url=None))
    [route] = [r for r in app.routes if getattr(r, "path", None) == "/healthz"]
    assert inspect.iscoroutinefunction(route.endpoint)  # type: ignore[attr-defined]
    [ready] = [r for r in app.routes if getattr(r, "path", None) == "/readyz"]
    assert inspect.iscoroutinefunction(ready.endpoint)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("error", "status", "slug"),
    [
        (OperationalError("SELECT", {}, psycopg.errors.QueryCanceled()), 503, "database-busy"),
        (OperationalError("SELECT", {}, psycopg.errors.LockNotAvailable()), 503, "database-busy"),
        (OperationalError("SELECT", {}, psycopg.errors.DeadlockDetected()), 503, "database-busy"),
        (OperationalError("SELECT", {}, psycopg.errors.TooManyConnections()), 503, "database-busy"),
        (
            OperationalError("SELECT", {}, psycopg.errors.AdminShutdown()),
            503,
            "database-unavailable",
        ),
        (
            OperationalError("SELECT", {}, psycopg.errors.CrashShutdown()),
            503,
            "database-unavailable",
        ),
        (
            OperationalError("SELECT", {}, psycopg.errors.CannotConnectNow()),
            503,
            "database-unavailable",
        ),
        (
            OperationalError(
                "SELECT", {}, psycopg.OperationalError("server closed the connection")
            ),
            503,
            "database-unavailable",
        ),
        (
            InternalError("SELECT", {}, psycopg.errors.IdleInTransactionSessionTimeout()),
            503,
            "database-unavailable",
        ),
        (
            InterfaceError(
                "SELECT",
                {},
                psycopg.InterfaceError("the connection is closed"),
                connection_invalidated=True,
            ),
            503,
            "database-unavailable",
        ),
        (SATimeoutError("QueuePool limit of size 1 overflow 0 reached"), 503, "database-busy"),
        (OperationalError("INSERT", {}, psycopg.errors.ProgramLimitExceeded()), 500, None),
        (InternalError("SELECT", {}, psycopg.errors.InternalError_()), 500, None),
        (InterfaceError("SELECT", {}, psycopg.InterfaceError("bad use")), 500, None),
    ],
    ids=lambda v: type(getattr(v, "orig", v)).__name__ if isinstance(v, Exception) else str(v),
)
def test_each_database_error_is_classified(
    own_app: Callable[..., FastAPI], error: Exception, status: int, slug: str | None
) -> None:
    """Faults of the database are 503s with Retry-After; anything else of the same classes
    (a value too large for PostgreSQL, a misused connection) keeps its 500."""
    app = own_app()

    @app.get("/test-only/fault")
    def fault() -> None:
        raise error

    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/test-only/fault")
    assert response.status_code == status, response.text
    if slug:
        assert_503(response, slug)
    else:
        assert "retry-after" not in response.headers
        assert "SELECT" not in response.text and "INSERT" not in response.text
