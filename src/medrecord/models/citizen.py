from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from medrecord.models.base import Base, created_at_column, new_id


class Citizen(Base):
    """A person with a CPR number. ``id`` is the shard key of everything the citizen owns."""

    __tablename__ = "citizen"
    __table_args__ = (CheckConstraint("cpr ~ '^[0-9]{10}$'", name="cpr_digits"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    cpr: Mapped[str] = mapped_column(String(10), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    birth_date: Mapped[date]
    gp_practice_id: Mapped[str | None] = mapped_column(ForeignKey("organisation.id"))
    created_at: Mapped[datetime] = created_at_column()
