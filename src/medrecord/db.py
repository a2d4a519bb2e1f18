"""Engine, sessions, the durability guard, and integrity errors mapped by constraint name."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from medrecord.config import Settings
from medrecord.errors import DomainError

# A national record must never acknowledge a write it can lose on power failure.
DURABILITY_SETTINGS = ("fsync", "synchronous_commit", "full_page_writes")


class UnsafeDatabase(RuntimeError):
    pass


def make_engine(url: str, settings: Settings | None = None) -> Engine:
    pool_size = settings.db_pool_size if settings else 5
    max_overflow = settings.db_max_overflow if settings else 10
    return create_engine(
        url,
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_pre_ping=True,
        # UTC sessions: timestamps the database renders (e.g. in JSON) carry +00:00.
        connect_args={"application_name": "medrecord", "options": "-c timezone=UTC"},
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
