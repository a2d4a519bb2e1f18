from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, ForeignKeyConstraint, Index, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from medrecord.models.base import Base, new_id, one_of


class DispensingStatus(StrEnum):
    completed = "completed"
    undone = "undone"


class Dispensing(Base):
    """What a pharmacy handed out at once on a prescription (effektuering): one or more
    package lines, a whole iteration, the rest of one, or a part of one."""

    __tablename__ = "dispensing"
    __table_args__ = (
        ForeignKeyConstraint(
            ["citizen_id", "prescription_id"], ["prescription.citizen_id", "prescription.id"]
        ),
        CheckConstraint(one_of("status", tuple(DispensingStatus)), name="status"),
        CheckConstraint("iteration_number >= 1", name="iteration_positive"),
        CheckConstraint("units > 0", name="units_positive"),
        CheckConstraint(
            "status <> 'undone' OR (undone_at IS NOT NULL AND undo_reason IS NOT NULL)",
            name="undo_complete",
        ),
        Index("ix_dispensing_citizen_id_prescription_id", "citizen_id", "prescription_id"),
        Index("ix_dispensing_pharmacy_id_dispensed_at", "pharmacy_id", "dispensed_at"),
    )

    citizen_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("citizen.id"), primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    prescription_id: Mapped[uuid.UUID]
    order_id: Mapped[uuid.UUID | None]
    # The iteration it belongs to, and whether it began that iteration (the interval counts
    # from there; the rest of a begun iteration goes out without waiting).
    iteration_number: Mapped[int]
    starts_iteration: Mapped[bool] = mapped_column(default=True)
    pharmacy_id: Mapped[str] = mapped_column(ForeignKey("organisation.id"))
    pharmacist: Mapped[dict[str, Any]]
    units: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    dispensed_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(12), default=DispensingStatus.completed)
    undone_at: Mapped[datetime | None]
    undo_reason: Mapped[str | None] = mapped_column(String(500))

    lines: Mapped[list[DispensingLine]] = relationship(
        lazy="raise", order_by="DispensingLine.line_number"
    )


class DispensingLine(Base):
    """Packages of one product handed out in a dispensing (2 x 50 beside 1 x 100)."""

    __tablename__ = "dispensing_line"
    __table_args__ = (
        ForeignKeyConstraint(
            ["citizen_id", "dispensing_id"], ["dispensing.citizen_id", "dispensing.id"]
        ),
        CheckConstraint("line_number BETWEEN 1 AND 10", name="line_number_range"),
        CheckConstraint("package_quantity BETWEEN 1 AND 999", name="package_quantity_range"),
        CheckConstraint("units > 0", name="units_positive"),
    )

    citizen_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    dispensing_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    line_number: Mapped[int] = mapped_column(primary_key=True)
    drug_id: Mapped[str] = mapped_column(ForeignKey("drug.id"))
    package_number: Mapped[str] = mapped_column(ForeignKey("drug_package.package_number"))
    package_quantity: Mapped[int]
    units: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    substituted: Mapped[bool] = mapped_column(default=False)
