"""Engine, sessions, the durability guard, integrity errors mapped by constraint name, and
which failures are the database's own (busy or unavailable: 503 and retry, never a 500)."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from enum import StrEnum

import psycopg
from sqlalchemy import Engine, create_engine, exc, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from medrecord.config import Settings
from medrecord.errors import DomainError

# A national record must never acknowledge a write it can lose on power failure.
DURABILITY_SETTINGS = ("fsync", "synchronous_commit", "full_page_writes")


class UnsafeDatabase(RuntimeError):
    pass


def make_engine(url: str, settings: Settings | None = None) -> Engine:
    """The engine: a bounded pool, and sessions that give up on slow statements, long lock
    waits and transactions left open. Without ``settings``, the settings' defaults apply."""
    settings = settings or Settings.model_construct()  # the defaults, not the environment
    options = {
        # UTC sessions: timestamps the database renders (e.g. in JSON) carry +00:00.
        "timezone": "UTC",
        "statement_timeout": settings.db_statement_timeout_ms,
        "lock_timeout": settings.db_lock_timeout_ms,
        "idle_in_transaction_session_timeout": settings.db_idle_in_transaction_timeout_ms,
    }
    return create_engine(
        url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=settings.db_pool_timeout_seconds,
        # No ping before each checkout: it was a round trip on every request. A connection
        # that died (PostgreSQL restarted) fails its first statement instead; that request
        # answers 503 + Retry-After, and SQLAlchemy then discards every connection of the pool
        # older than the failure, so the next checkouts connect afresh.
        pool_pre_ping=False,
        connect_args={
            "application_name": "medrecord",
            "options": " ".join(f"-c {name}={value}" for name, value in options.items()),
            "connect_timeout": settings.db_connect_timeout_seconds,
        },
    )


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    # expire_on_commit=False: use cases return ORM rows that routers serialise after commit.
    return sessionmaker(engine, expire_on_commit=False, autoflush=False)


def check_durability(engine: Engine) -> None:
    """Refuse to run on a server configured to lose committed transactions."""
    with engine.connect() as conn:
        unsafe = [
            name
            for name in DURABILITY_SETTINGS
            if conn.execute(text("SELECT current_setting(:n)"), {"n": name}).scalar_one() == "off"
        ]
    if unsafe:
        raise UnsafeDatabase(
            "Refusing to start: PostgreSQL has "
            + ", ".join(f"{n}=off" for n in unsafe)
            + ". medrecord needs durable commits; turn these settings on."
        )


@contextmanager
def map_integrity_errors(mapping: Mapping[str, DomainError]) -> Iterator[None]:
    """Translate a violated constraint, by its (convention-stable) name, into a domain error."""
    try:
        yield
    except IntegrityError as exc:
        diag = getattr(exc.orig, "diag", None)
        name = getattr(diag, "constraint_name", None)
        if isinstance(name, str) and name in mapping:
            raise mapping[name] from exc
        raise


# --- Database faults ------------------------------------------------------------------------


class DatabaseFault(StrEnum):
    """Why the database could not serve a request; the value is the problem type's slug."""

    busy = "database-busy"  # it answers, but not in time: pool, lock or statement timeout
    unavailable = "database-unavailable"  # it cannot be reached, or the connection was lost


# Exception classes that may be a database fault; ``database_fault`` says which instances are.
DATABASE_FAULT_CLASSES: tuple[type[Exception], ...] = (
    exc.OperationalError,
    exc.InterfaceError,
    exc.InternalError,  # 25P03: the session was ended for idling in its transaction
    exc.TimeoutError,  # no pooled connection came free within pool_timeout
    exc.DisconnectionError,
    psycopg.OperationalError,  # raw psycopg use (outside SQLAlchemy)
)

_BUSY_SQLSTATES = {
    "57014",  # query_canceled: statement_timeout
    "55P03",  # lock_not_available: lock_timeout
    "40P01",  # deadlock_detected: the transaction was rolled back, a retry may pass
    "40001",  # serialization_failure: likewise
}


def database_fault(error: BaseException | None) -> DatabaseFault | None:
    """The fault ``error`` is, or None when it is not the database's fault (a constraint
    violation, a statement we got wrong, a value too large for an index, ...), which stays a
    500 or whatever its handler makes of it."""
    if isinstance(error, exc.TimeoutError):
        return DatabaseFault.busy
    if isinstance(error, exc.DisconnectionError):
        return DatabaseFault.unavailable
    if isinstance(error, exc.DBAPIError):
        if error.connection_invalidated:
            return DatabaseFault.unavailable
        error = error.orig
    if not isinstance(error, psycopg.Error):
        return None
    sqlstate = error.sqlstate
    if sqlstate is None:
        # Failed on our side: refused, timed out, or the connection dropped.
        return DatabaseFault.unavailable if isinstance(error, psycopg.OperationalError) else None
    if sqlstate in _BUSY_SQLSTATES or sqlstate.startswith("53"):  # 53: insufficient resources
        return DatabaseFault.busy
    if sqlstate.startswith(("08", "57")) or sqlstate == "25P03":
        # 08 connection exception; 57P01-57P03 shutdown, crash, starting up; 25P03 a session
        # idle in its transaction past idle_in_transaction_session_timeout, ended.
        return DatabaseFault.unavailable
    return None


READINESS_TIMEOUT_SECONDS = 1.5


async def database_answers(engine: Engine, *, timeout: float = READINESS_TIMEOUT_SECONDS) -> bool:
    """Whether the database answers ``SELECT 1`` within ``timeout`` seconds, asked on a
    connection of its own (never the pool's, which may be exhausted) and on the event loop
    (never a worker thread, which may all be waiting for the pool)."""
    _, params = engine.dialect.create_connect_args(engine.url)
    params.pop("context", None)
    try:
        async with asyncio.timeout(timeout):
            conn = await psycopg.AsyncConnection.connect(
                **params,
                autocommit=True,
                application_name="medrecord-readyz",
                connect_timeout=max(2, math.ceil(timeout)),  # libpq's least
                options=f"-c statement_timeout={math.ceil(timeout * 1000)}",
            )
            async with conn:
                await conn.execute("SELECT 1")
    except (psycopg.Error, OSError, TimeoutError):
        return False
    return True
