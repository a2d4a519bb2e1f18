from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from medrecord.models.base import Base, created_at_column, new_id, one_of


class PrescriptionStatus(StrEnum):
    open = "open"
    completed = "completed"
    cancelled = "cancelled"
    expired = "expired"
    invalid = "invalid"


class Prescription(Base):
    """A prescription (recept) made from a medication; dispensed in iterations.

    ``dispensed_iterations`` is maintained only by the dispensing use cases with a conditional
    UPDATE, and the CHECK below makes the database refuse over-dispensing even if code errs.
    """

    __tablename__ = "prescription"
    __table_args__ = (
        ForeignKeyConstraint(
            ["citizen_id", "medication_id"], ["medication.citizen_id", "medication.id"]
        ),
        CheckConstraint(one_of("status", tuple(PrescriptionStatus)), name="status"),
        CheckConstraint("package_quantity BETWEEN 1 AND 9999", name="package_quantity_range"),
        CheckConstraint("iterations BETWEEN 1 AND 999", name="iterations_range"),
        CheckConstraint(
            "iteration_interval_days IS NULL OR iteration_interval_days BETWEEN 1 AND 999",
            name="interval_range",
        ),
        CheckConstraint("valid_to >= valid_from", name="validity_ordered"),
        CheckConstraint(
            "dispensed_iterations BETWEEN 0 AND iterations", name="dispensed_within_iterations"
        ),
        CheckConstraint(
            "status <> 'cancelled' OR cancellation_reason IS NOT NULL", name="cancel_has_reason"
        ),
        Index("ix_prescription_citizen_id_status", "citizen_id", "status"),
        Index("ix_prescription_citizen_id_medication_id", "citizen_id", "medication_id"),
    )

    citizen_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("citizen.id"), primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    medication_id: Mapped[uuid.UUID]
    medication_version: Mapped[int]
    drug_id: Mapped[str] = mapped_column(ForeignKey("drug.id"))
    package_number: Mapped[str] = mapped_column(ForeignKey("drug_package.package_number"))
    package_quantity: Mapped[int]
    iterations: Mapped[int]
    iteration_interval_days: Mapped[int | None]
    valid_from: Mapped[date]
    valid_to: Mapped[date]
    substitution_allowed: Mapped[bool] = mapped_column(default=True)
    status: Mapped[str] = mapped_column(String(12), default=PrescriptionStatus.open)
    cancellation_reason: Mapped[str | None] = mapped_column(String(500))
    dispensed_iterations: Mapped[int] = mapped_column(default=0)
    last_dispensed_at: Mapped[datetime | None]
    prescriber: Mapped[dict[str, Any]]
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = created_at_column()
    modified_at: Mapped[datetime] = created_at_column()
