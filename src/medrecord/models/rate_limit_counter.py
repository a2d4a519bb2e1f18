from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Text
from sqlalchemy.orm import Mapped, mapped_column

from medrecord.models.base import Base


class RateLimitCounter(Base):
    """One fixed window of one rate limit for one client address or caller
    (``medrecord.ratelimit``).

    In PostgreSQL, so every worker process and every replica counts against the same window.
    UNLOGGED: not written to the WAL (cheap, not replicated) and emptied after a crash, which
    only forgives the current windows; nothing else depends on these rows.
    """

    __tablename__ = "rate_limit_counter"
    __table_args__ = (
        Index("ix_rate_limit_counter_expires_at", "expires_at"),
        {"prefixes": ["UNLOGGED"]},
    )

    # limits' key: the limit, the identifiers (e.g. the client address) and the window length.
    key: Mapped[str] = mapped_column(Text, primary_key=True)
    hits: Mapped[int]
    expires_at: Mapped[datetime]
