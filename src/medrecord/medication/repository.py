from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.orm import Session

from medrecord.models import (
    OPEN_ORDER_STATUSES,
    Dispensing,
    DispensingStatus,
    Drug,
    Medication,
    MedicationCard,
    MedicationStatus,
    MedicationVersion,
    Organisation,
    PharmacyOrder,
    Prescription,
)


@dataclass(frozen=True)
class CardRows:
    card: MedicationCard
    medications: Sequence[tuple[Medication, Drug]]
    prescriptions: Sequence[Prescription]
    open_orders: Sequence[tuple[PharmacyOrder, str]]
    latest_dispensings: Sequence[Dispensing]


def get_card(session: Session, citizen_id: uuid.UUID) -> MedicationCard:
    return session.execute(
        select(MedicationCard).where(MedicationCard.citizen_id == citizen_id)
    ).scalar_one()


def load_card(
    session: Session,
    citizen_id: uuid.UUID,
    *,
    include_withdrawn: bool,
    sees_all_private: bool,
    organisation_id: str | None,
) -> CardRows:
    card = get_card(session, citizen_id)
    stmt = (
        select(Medication, Drug)
        .join(Drug, Drug.id == Medication.drug_id)
        .where(Medication.citizen_id == citizen_id)
        .order_by(Medication.created_at, Medication.id)
    )
    if not include_withdrawn:
        stmt = stmt.where(Medication.status != MedicationStatus.withdrawn)
    if not sees_all_private:
        # Private items leave no trace for those who may not see them.
        stmt = stmt.where(
            or_(~Medication.private, Medication.private_organisation_id == organisation_id)
        )
    medications = [(m, d) for m, d in session.execute(stmt)]
    medication_ids = [m.id for m, _ in medications]
    if not medication_ids:
        return CardRows(card, medications, [], [], [])
    prescriptions = list(
        session.execute(
            select(Prescription)
            .where(
                Prescription.citizen_id == citizen_id,
                Prescription.medication_id.in_(medication_ids),
            )
            .order_by(Prescription.created_at, Prescription.id)
        ).scalars()
    )
    prescription_ids = [p.id for p in prescriptions]
    orders = [
        (o, name)
        for o, name in session.execute(
            select(PharmacyOrder, Organisation.name)
            .join(Organisation, Organisation.id == PharmacyOrder.pharmacy_id)
            .where(
                PharmacyOrder.citizen_id == citizen_id,
                PharmacyOrder.prescription_id.in_(prescription_ids),
                PharmacyOrder.status.in_(OPEN_ORDER_STATUSES),
            )
        )
    ]
    latest = list(
        session.execute(
            select(Dispensing)
            .ext(distinct_on(Dispensing.prescription_id))
            .where(
                Dispensing.citizen_id == citizen_id,
                Dispensing.prescription_id.in_(prescription_ids),
                Dispensing.status == DispensingStatus.completed,
            )
            .order_by(Dispensing.prescription_id, Dispensing.dispensed_at.desc())
        ).scalars()
    )
    return CardRows(card, medications, prescriptions, orders, latest)


def lock_card(session: Session, citizen_id: uuid.UUID) -> MedicationCard:
    """The card row, locked: card writes are serialised per citizen."""
    return session.execute(
        select(MedicationCard).where(MedicationCard.citizen_id == citizen_id).with_for_update()
    ).scalar_one()


def bump_card_version(session: Session, citizen_id: uuid.UUID) -> int:
    return session.execute(
        update(MedicationCard)
        .where(MedicationCard.citizen_id == citizen_id)
        .values(version=MedicationCard.version + 1)
        .returning(MedicationCard.version)
    ).scalar_one()


def get_medication(
    session: Session, citizen_id: uuid.UUID, medication_id: uuid.UUID, *, lock: bool = False
) -> tuple[Medication, Drug] | None:
    stmt = (
        select(Medication, Drug)
        .join(Drug, Drug.id == Medication.drug_id)
        .where(Medication.citizen_id == citizen_id, Medication.id == medication_id)
    )
    if lock:
        stmt = stmt.with_for_update(of=Medication)
    row = session.execute(stmt).first()
    return None if row is None else (row[0], row[1])


def get_drug(session: Session, drug_id: str) -> Drug | None:
    return session.get(Drug, drug_id)


def state_of(m: Medication) -> dict[str, Any]:
    """The medication's clinical content, as kept in each version row."""
    return {
        "drug_id": m.drug_id,
        "indication_code": m.indication_code,
        "indication_text": m.indication_text,
        "route": m.route,
        "dosage": m.dosage,
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
