from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, ForeignKeyConstraint, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from medrecord.models.base import Base, new_id, one_of


class DispensingStatus(StrEnum):
    completed = "completed"
    undone = "undone"


class Dispensing(Base):
    """One iteration of a prescription handed out by a pharmacy (effektuering)."""

    __tablename__ = "dispensing"
    __table_args__ = (
        ForeignKeyConstraint(
            ["citizen_id", "prescription_id"], ["prescription.citizen_id", "prescription.id"]
        ),
        CheckConstraint(one_of("status", tuple(DispensingStatus)), name="status"),
        CheckConstraint("package_quantity BETWEEN 1 AND 9999", name="package_quantity_range"),
        CheckConstraint("iteration_number >= 1", name="iteration_positive"),
        CheckConstraint(
            "status <> 'undone' OR (undone_at IS NOT NULL AND undo_reason IS NOT NULL)",
            name="undo_complete",
        ),
        # Backstop against double dispensing: one live dispensing per iteration.
        Index(
            "uq_dispensing_one_per_iteration",
            "citizen_id",
            "prescription_id",
            "iteration_number",
            unique=True,
            postgresql_where=text("status = 'completed'"),
        ),
        Index("ix_dispensing_pharmacy_id_dispensed_at", "pharmacy_id", "dispensed_at"),
    )

    citizen_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("citizen.id"), primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    prescription_id: Mapped[uuid.UUID]
    order_id: Mapped[uuid.UUID | None]
    iteration_number: Mapped[int]
    pharmacy_id: Mapped[str] = mapped_column(ForeignKey("organisation.id"))
    pharmacist: Mapped[dict[str, Any]]
    drug_id: Mapped[str] = mapped_column(ForeignKey("drug.id"))
    package_number: Mapped[str] = mapped_column(ForeignKey("drug_package.package_number"))
    package_quantity: Mapped[int]
    substituted: Mapped[bool] = mapped_column(default=False)
    dispensed_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(12), default=DispensingStatus.completed)
    undone_at: Mapped[datetime | None]
    undo_reason: Mapped[str | None] = mapped_column(String(500))
