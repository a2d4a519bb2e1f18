from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from medrecord.models.base import Base


class WebSession(Base):
    """A signed-in web UI user. Server-side, so logout and timeouts are real; the cookie holds
    only a random token, and only its hash is stored here."""

    __tablename__ = "web_session"
    __table_args__ = (Index("ix_web_session_last_seen_at", "last_seen_at"),)

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    actor: Mapped[dict[str, Any]]  # subject, name, role, organisation_id
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    # The citizen at the counter, so CPR numbers never stand in URLs or browser history.
    current_cpr: Mapped[str | None] = mapped_column(String(10))
