from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from medrecord.models import Drug, Medication, MedicationStatus, MedicationVersion


def get_medication(
    session: Session, citizen_id: uuid.UUID, medication_id: uuid.UUID, *, lock: bool = False
) -> tuple[Medication, Drug] | None:
    stmt = (
        select(Medication, Drug)
        .join(Drug, Drug.id == Medication.drug_id)
        .where(Medication.citizen_id == citizen_id, Medication.id == medication_id)
    )
    if lock:
        stmt = stmt.with_for_update(of=Medication).execution_options(populate_existing=True)
    row = session.execute(stmt).first()
    return None if row is None else (row[0], row[1])


def add(session: Session, medication: Medication) -> None:
    session.add(medication)
    session.flush()


def state_of(m: Medication) -> dict[str, Any]:
    """The medication's clinical content, as kept in each version row."""
    return {
        "drug_id": m.drug_id,
        "indication_code": m.indication_code,
        "indication_text": m.indication_text,
        "route": m.route,
        "dosage": m.dosage,
        "dosage_derived": m.dosage_derived,
        "dosage_text": m.dosage_text,
        "substitution_allowed": m.substitution_allowed,
        "start_date": m.start_date.isoformat() if m.start_date else None,
        "started_previously": m.started_previously,
        "end_date": m.end_date.isoformat() if m.end_date else None,
        "status": m.status,
        "paused_from": m.paused_from.isoformat() if m.paused_from else None,
        "paused_to": m.paused_to.isoformat() if m.paused_to else None,
        "withdrawal_reason": m.withdrawal_reason,
        "private": m.private,
    }


def add_version(
    session: Session, medication: Medication, *, change: str, by: dict[str, Any], at: datetime
) -> None:
    session.add(
        MedicationVersion(
            citizen_id=medication.citizen_id,
            medication_id=medication.id,
            version=medication.version,
            change=change,
            state=state_of(medication),
            changed_by=by,
            changed_at=at,
        )
    )


def list_versions(
    session: Session, citizen_id: uuid.UUID, medication_id: uuid.UUID
) -> Sequence[MedicationVersion]:
    return session.scalars(
        select(MedicationVersion)
        .where(
            MedicationVersion.citizen_id == citizen_id,
            MedicationVersion.medication_id == medication_id,
        )
        .order_by(MedicationVersion.version)
    ).all()


def in_use_with_drugs(session: Session, citizen_id: uuid.UUID) -> list[tuple[Medication, Drug]]:
    """The citizen's medications not withdrawn, with their drugs (for duplicate warnings)."""
    rows = session.execute(
        select(Medication, Drug)
        .join(Drug, Drug.id == Medication.drug_id)
        .where(Medication.citizen_id == citizen_id, Medication.status != MedicationStatus.withdrawn)
    )
    return [(m, d) for m, d in rows]
