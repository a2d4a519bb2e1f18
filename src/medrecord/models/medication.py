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
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from medrecord.models.base import Base, created_at_column, new_id, one_of


class MedicationStatus(StrEnum):
    active = "active"
    paused = "paused"
    withdrawn = "withdrawn"


class Medication(Base):
    """A treatment on the card (FMK: lægemiddelordination). Replaced whole on update."""

    __tablename__ = "medication"
    __table_args__ = (
        CheckConstraint(one_of("status", tuple(MedicationStatus)), name="status"),
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint(
            "indication_code IS NOT NULL OR indication_text IS NOT NULL", name="indication_given"
        ),
        CheckConstraint("start_date IS NOT NULL OR started_previously", name="start_given"),
        CheckConstraint(
            "end_date IS NULL OR start_date IS NULL OR end_date >= start_date",
            name="end_after_start",
        ),
        CheckConstraint(
            "paused_to IS NULL OR paused_from IS NULL OR paused_to >= paused_from",
            name="pause_ordered",
        ),
        CheckConstraint(
            "status <> 'withdrawn' OR withdrawal_reason IS NOT NULL", name="withdrawal_has_reason"
        ),
        CheckConstraint("NOT private OR private_organisation_id IS NOT NULL", name="private_owner"),
        Index("ix_medication_citizen_id_status", "citizen_id", "status"),
    )

    citizen_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("citizen.id"), primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    drug_id: Mapped[str] = mapped_column(ForeignKey("drug.id"))
    indication_code: Mapped[str | None] = mapped_column(String(20))
    indication_text: Mapped[str | None] = mapped_column(String(500))
    route: Mapped[str] = mapped_column(String(60))
    # The dosage as the prescriber stated it (dosage.schemas.Dosage), what the server derived
    # from it (type, daily doses, texts), and the one line a list shows.
    dosage: Mapped[dict[str, Any]]
    dosage_derived: Mapped[dict[str, Any]]
    dosage_text: Mapped[str] = mapped_column(Text)
    substitution_allowed: Mapped[bool] = mapped_column(default=True)
    start_date: Mapped[date | None]
    started_previously: Mapped[bool] = mapped_column(default=False)
    end_date: Mapped[date | None]
    status: Mapped[str] = mapped_column(String(12), default=MedicationStatus.active)
    paused_from: Mapped[date | None]
    paused_to: Mapped[date | None]
    withdrawal_reason: Mapped[str | None] = mapped_column(String(500))
    withdrawn_at: Mapped[datetime | None]
    private: Mapped[bool] = mapped_column(default=False)
    private_organisation_id: Mapped[str | None] = mapped_column(ForeignKey("organisation.id"))
    version: Mapped[int] = mapped_column(default=1)
    # Snapshots of who: {"subject", "name", "role", "organisation_id", "on_behalf_of"}.
    created_by: Mapped[dict[str, Any]]
    modified_by: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = created_at_column()
    modified_at: Mapped[datetime] = created_at_column()


class MedicationVersion(Base):
    """One row per version of a medication: the full state after a change, who and why."""

    __tablename__ = "medication_version"
    __table_args__ = (
        ForeignKeyConstraint(
            ["citizen_id", "medication_id"], ["medication.citizen_id", "medication.id"]
        ),
    )

    citizen_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    medication_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(primary_key=True)
    change: Mapped[str] = mapped_column(String(30))  # created, updated, paused, withdrawn, ...
    state: Mapped[dict[str, Any]]
    changed_by: Mapped[dict[str, Any]]
    changed_at: Mapped[datetime] = created_at_column()
