from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Numeric,
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


class IntervalUnit(StrEnum):
    days = "days"
    weeks = "weeks"
    months = "months"


class Prescription(Base):
    """A prescription (recept) made from a medication: an amount in units, handed out in
    iterations of ``units_per_iteration`` (packages x package size), possibly in parts.

    ``dispensed_units`` is maintained only by the dispensing use cases with a conditional
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
            "iteration_interval IS NULL OR iteration_interval BETWEEN 1 AND 999",
            name="interval_range",
        ),
        CheckConstraint(
            "(iteration_interval IS NULL) = (iteration_interval_unit IS NULL)",
            name="interval_has_unit",
        ),
        CheckConstraint(
            "iteration_interval_unit IS NULL OR "
            + one_of("iteration_interval_unit", tuple(IntervalUnit)),
            name="interval_unit",
        ),
        CheckConstraint("valid_to >= valid_from", name="validity_ordered"),
        CheckConstraint("units_per_iteration > 0", name="units_per_iteration_positive"),
        CheckConstraint(
            "prescribed_units = units_per_iteration * iterations", name="prescribed_units"
        ),
        CheckConstraint(
            "dispensed_units BETWEEN 0 AND prescribed_units", name="dispensed_within_prescribed"
        ),
        CheckConstraint(
            "status <> 'cancelled' OR cancellation_reason IS NOT NULL", name="cancel_has_reason"
        ),
        CheckConstraint(
            "status <> 'invalid' OR invalid_reason IS NOT NULL", name="invalid_has_reason"
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
    iteration_interval: Mapped[int | None]
    iteration_interval_unit: Mapped[str | None] = mapped_column(String(6))
    # The amount in the package's unit (tablets, ml ...): prescribed = iterations x
    # units_per_iteration; what remains is prescribed - dispensed, never client-writable.
    unit: Mapped[str] = mapped_column(String(40))
    units_per_iteration: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    prescribed_units: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    dispensed_units: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal(0))
    # What the label needs, copied from the medication version it was made from.
    dosage_texts: Mapped[dict[str, Any]]
    indication_code: Mapped[str | None] = mapped_column(String(20))
    indication_text: Mapped[str | None] = mapped_column(String(500))
    supplementary_instructions: Mapped[str | None] = mapped_column(String(500))
    valid_from: Mapped[date]
    valid_to: Mapped[date]
    substitution_allowed: Mapped[bool] = mapped_column(default=True)
    status: Mapped[str] = mapped_column(String(12), default=PrescriptionStatus.open)
    cancellation_reason: Mapped[str | None] = mapped_column(String(500))
    invalid_reason: Mapped[str | None] = mapped_column(String(500))
    last_dispensed_at: Mapped[datetime | None]
    # When the iteration now running began; the interval counts from its day.
    iteration_started_at: Mapped[datetime | None]
    prescriber: Mapped[dict[str, Any]]
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = created_at_column()
    modified_at: Mapped[datetime] = created_at_column()

    @property
    def package_size(self) -> Decimal:
        """What one prescribed package holds, in ``unit``."""
        return self.units_per_iteration / self.package_quantity
