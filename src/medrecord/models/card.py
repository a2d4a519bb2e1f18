from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from medrecord.models.base import Base


class MedicationCard(Base):
    """The citizen's one medication list. ``version`` bumps on any change to anything on it."""

    __tablename__ = "medication_card"
    __table_args__ = (CheckConstraint("version >= 1", name="version_positive"),)

    citizen_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("citizen.id"), primary_key=True)
    version: Mapped[int] = mapped_column(default=1)
    reviewed_at: Mapped[datetime | None]
    # Snapshot of who reviewed: {"subject", "name", "role", "organisation_id"}.
    reviewed_by: Mapped[dict[str, Any] | None]
