from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from medrecord.models.base import Base, created_at_column, new_id, one_of


class Purpose(StrEnum):
    treatment = "treatment"
    consent = "consent"
    emergency = "emergency"
    self = "self"
    admin = "admin"


class Outcome(StrEnum):
    success = "success"
    denied = "denied"
    failed = "failed"


class AuditEvent(Base):
    """Append-only record of one access to one citizen's data (the citizen's "Min Log").

    ``citizen_id`` is NULL only for events that touch no citizen (e.g. catalogue imports), so
    the key is ``id`` alone; citizen-scoped reads go through the (citizen_id, occurred_at) index.
    """

    __tablename__ = "audit_event"
    __table_args__ = (
        CheckConstraint(one_of("purpose", tuple(Purpose)), name="purpose"),
        CheckConstraint(one_of("outcome", tuple(Outcome)), name="outcome"),
        Index("ix_audit_event_citizen_id_occurred_at", "citizen_id", "occurred_at"),
        Index(
            "ix_audit_event_emergency",
            "occurred_at",
            postgresql_where=text("purpose = 'emergency'"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    occurred_at: Mapped[datetime] = created_at_column()
    actor_subject: Mapped[str] = mapped_column(String(200))
    actor_name: Mapped[str] = mapped_column(String(200))
    actor_role: Mapped[str] = mapped_column(String(30))
    actor_organisation_id: Mapped[str | None] = mapped_column(String(32))
    citizen_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("citizen.id"))
    action: Mapped[str] = mapped_column(String(60))
    resource_type: Mapped[str] = mapped_column(String(40))
    resource_id: Mapped[str | None] = mapped_column(String(64))
    purpose: Mapped[str] = mapped_column(String(12))
    reason: Mapped[str | None] = mapped_column(String(1000))
    outcome: Mapped[str] = mapped_column(String(10))
    request_id: Mapped[str | None] = mapped_column(String(64))
