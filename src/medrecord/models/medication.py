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
    # Derived, never stored: the end date has passed (SPEC §2).
    ended = "ended"


# What the status column holds: the last life-cycle step a clinician took. What a reader sees
# today is ``current_status``: the dates decide (a pause from next week is not yet a pause).
STORED_STATUSES = (MedicationStatus.active, MedicationStatus.paused, MedicationStatus.withdrawn)


def current_status(
    status: str,
    *,
    paused_from: date | None,
    paused_to: date | None,
    end_date: date | None,
    today: date,
) -> MedicationStatus:
    """The status a clinician sees today: withdrawn is final; past its end date a medication
    has ended; a pause holds only inside its window. ``current_status_sql`` restates this for
    the card statement; a test pins the two together."""
    if status == MedicationStatus.withdrawn:
        return MedicationStatus.withdrawn
    if end_date is not None and end_date < today:
        return MedicationStatus.ended
    if (
        status == MedicationStatus.paused
        and (paused_from is None or paused_from <= today)
        and (paused_to is None or paused_to >= today)
    ):
        return MedicationStatus.paused
    return MedicationStatus.active


def current_status_sql(alias: str) -> str:
    """SQL for ``current_status`` over a medication row (binds :today)."""
    return (
        f"CASE WHEN {alias}.status = 'withdrawn' THEN 'withdrawn'"
        f" WHEN {alias}.end_date < :today THEN 'ended'"
        f" WHEN {alias}.status = 'paused' AND COALESCE({alias}.paused_from <= :today, true)"
        f" AND COALESCE({alias}.paused_to >= :today, true) THEN 'paused'"
        " ELSE 'active' END"
    )


class Medication(Base):
    """A treatment on the card (FMK: lægemiddelordination). Replaced whole on update."""

    __tablename__ = "medication"
    __table_args__ = (
        CheckConstraint(one_of("status", STORED_STATUSES), name="status"),
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

    def status_on(self, today: date) -> MedicationStatus:
        return current_status(
            self.status,
            paused_from=self.paused_from,
            paused_to=self.paused_to,
            end_date=self.end_date,
            today=today,
        )


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
