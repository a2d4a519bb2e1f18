from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from medrecord.models.base import Base


class EmergencyReview(Base):
    """An admin's review of one emergency access. Kept beside the append-only audit row,
    which is never changed."""

    __tablename__ = "emergency_review"

    audit_event_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("audit_event.id"), primary_key=True
    )
    reviewed_at: Mapped[datetime]
    reviewed_by: Mapped[dict[str, Any]]
    conclusion: Mapped[str] = mapped_column(String(1000))
