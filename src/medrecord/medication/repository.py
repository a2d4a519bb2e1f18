from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import or_, select
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
