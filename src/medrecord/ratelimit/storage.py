"""A limits storage on PostgreSQL: one ``rate_limit_counter`` row per key, in a session.

The storage is made per session and writes in that session's transaction, so a counter commits
(or rolls back) with the audit row that records the same refusal. Time is ``medrecord.clock``'s,
so tests can move it; windows are fixed (limits' ``FixedWindowRateLimiter``): ``incr`` is one
atomic ``INSERT ... ON CONFLICT DO UPDATE ... RETURNING`` that starts a new window when the old
one has expired, so concurrent workers never lose a hit.
"""

from __future__ import annotations

from datetime import timedelta

from limits.storage import Storage
from sqlalchemy import case, delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from medrecord import clock
from medrecord.models import RateLimitCounter

# Each new window sweeps at most this many expired rows, so the table holds the live windows
# and a little more, however many addresses come and go, at a bounded cost per request.
SWEEP_BATCH = 20


class PostgresStorage(Storage):
    """limits' ``Storage`` interface over ``rate_limit_counter`` (fixed windows only)."""

    STORAGE_SCHEME = None  # made from a session, never from a storage URI

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return SQLAlchemyError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        """Add ``amount`` to the key's window (a new one of ``expiry`` seconds if none is
        running) and return the window's count."""
        now = clock.now()
        new = insert(RateLimitCounter).values(
            key=key, hits=amount, expires_at=now + timedelta(seconds=expiry)
        )
        expired = RateLimitCounter.expires_at <= now
        upsert = new.on_conflict_do_update(
            index_elements=[RateLimitCounter.key],
            set_={
                "hits": case(
                    (expired, new.excluded.hits), else_=RateLimitCounter.hits + new.excluded.hits
                ),
                "expires_at": case(
                    (expired, new.excluded.expires_at), else_=RateLimitCounter.expires_at
                ),
            },
        ).returning(RateLimitCounter.hits)
        hits: int = self.session.execute(upsert).scalar_one()
        if hits == amount:  # a window began: clear some that ended
            self._sweep_expired()
        return hits

    def _sweep_expired(self) -> None:
        expired = (
            select(RateLimitCounter.key)
            .where(RateLimitCounter.expires_at <= clock.now())
            .limit(SWEEP_BATCH)
            .with_for_update(skip_locked=True)
        )
        self.session.execute(
            delete(RateLimitCounter).where(RateLimitCounter.key.in_(expired.scalar_subquery()))
        )

    def get(self, key: str) -> int:
        hits = self.session.execute(
            select(RateLimitCounter.hits).where(
                RateLimitCounter.key == key, RateLimitCounter.expires_at > clock.now()
            )
        ).scalar_one_or_none()
        return hits or 0

    def get_expiry(self, key: str) -> float:
        """When the key's window ends (seconds since the epoch); now if none runs."""
        now = clock.now()
        expires_at = self.session.execute(
            select(RateLimitCounter.expires_at).where(
                RateLimitCounter.key == key, RateLimitCounter.expires_at > now
            )
        ).scalar_one_or_none()
        return (expires_at or now).timestamp()

    def check(self) -> bool:
        try:
            self.session.execute(select(1))
        except SQLAlchemyError:
            return False
        return True

    def reset(self) -> int | None:
        return self.session.execute(delete(RateLimitCounter)).rowcount  # type: ignore[attr-defined,no-any-return]

    def clear(self, key: str) -> None:
        self.session.execute(delete(RateLimitCounter).where(RateLimitCounter.key == key))
