from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from medrecord.models.base import Base, created_at_column


class IdempotencyRecord(Base):
    """The first response to a keyed write, replayed for retries with the same key and body."""

    __tablename__ = "idempotency_record"

    citizen_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("citizen.id"), primary_key=True)
    caller_subject: Mapped[str] = mapped_column(String(200), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    response_status: Mapped[int]
    response_body: Mapped[dict[str, Any]]
    response_headers: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = created_at_column()
    expires_at: Mapped[datetime]
