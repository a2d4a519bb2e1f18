from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, aliased

from medrecord.models import (
    OPEN_ORDER_STATUSES,
    Drug,
    Medication,
    OrderStatus,
    Organisation,
    PharmacyOrder,
    Prescription,
    PrescriptionStatus,
)


def get_prescription(
    session: Session, citizen_id: uuid.UUID, prescription_id: uuid.UUID, *, lock: bool = False
) -> Prescription | None:
    stmt = select(Prescription).where(
        Prescription.citizen_id == citizen_id, Prescription.id == prescription_id
    )
    if lock:
        stmt = stmt.with_for_update()
    return session.execute(stmt).scalar_one_or_none()


def visible_prescriptions(
    session: Session,
    citizen_id: uuid.UUID,
    *,
    sees_all_private: bool,
    organisation_id: str | None,
) -> list[tuple[Prescription, Drug, str, tuple[PharmacyOrder, str] | None]]:
    """The citizen's prescriptions with their medication's status and any open claim,
    leaving out those of private medications the caller may not see."""
    open_order = (
        select(PharmacyOrder).where(PharmacyOrder.status.in_(OPEN_ORDER_STATUSES)).subquery()
    )
    order = aliased(PharmacyOrder, open_order)
    stmt = (
        select(Prescription, Drug, Medication.status, order, Organisation.name)
        .join(
            Medication,
            (Medication.citizen_id == Prescription.citizen_id)
            & (Medication.id == Prescription.medication_id),
        )
        .outerjoin(
            order,
            (order.citizen_id == Prescription.citizen_id)
            & (order.prescription_id == Prescription.id),
        )
        .join(Drug, Drug.id == Prescription.drug_id)
        .outerjoin(Organisation, Organisation.id == order.pharmacy_id)
        .where(Prescription.citizen_id == citizen_id)
        .order_by(Prescription.created_at, Prescription.id)
    )
    if not sees_all_private:
        stmt = stmt.where(
            or_(~Medication.private, Medication.private_organisation_id == organisation_id)
        )
    return [
        (p, drug, status, None if o is None else (o, name or o.pharmacy_id))
        for p, drug, status, o, name in session.execute(stmt)
    ]


def open_order(
    session: Session, citizen_id: uuid.UUID, prescription_id: uuid.UUID
) -> tuple[PharmacyOrder, str] | None:
    row = session.execute(
        select(PharmacyOrder, Organisation.name)
        .join(Organisation, Organisation.id == PharmacyOrder.pharmacy_id)
        .where(
            PharmacyOrder.citizen_id == citizen_id,
            PharmacyOrder.prescription_id == prescription_id,
            PharmacyOrder.status.in_(OPEN_ORDER_STATUSES),
        )
    ).first()
    return None if row is None else (row[0], row[1])


def get_order(
    session: Session, citizen_id: uuid.UUID, order_id: uuid.UUID, *, lock: bool = False
) -> PharmacyOrder | None:
    stmt = select(PharmacyOrder).where(
        PharmacyOrder.citizen_id == citizen_id, PharmacyOrder.id == order_id
    )
    if lock:
        stmt = stmt.with_for_update()
    return session.execute(stmt).scalar_one_or_none()


def close_open_orders(
    session: Session,
    citizen_id: uuid.UUID,
    prescription_ids: Sequence[uuid.UUID],
    *,
    status: OrderStatus,
    at: datetime,
    reason: str | None = None,
) -> None:
    session.execute(
        update(PharmacyOrder)
        .where(
            PharmacyOrder.citizen_id == citizen_id,
            PharmacyOrder.prescription_id.in_(prescription_ids),
            PharmacyOrder.status.in_(OPEN_ORDER_STATUSES),
        )
        .values(status=status, modified_at=at, cancellation_reason=reason)
    )


def cancel_open_prescriptions_of(
    session: Session, citizen_id: uuid.UUID, medication_id: uuid.UUID, *, reason: str, at: datetime
) -> list[uuid.UUID]:
    """Cancel a medication's open prescriptions (withdrawal) and release their claims."""
    cancelled = list(
        session.scalars(
            update(Prescription)
            .where(
                Prescription.citizen_id == citizen_id,
                Prescription.medication_id == medication_id,
                Prescription.status == PrescriptionStatus.open,
            )
            .values(
                status=PrescriptionStatus.cancelled,
                cancellation_reason=reason,
                modified_at=at,
                version=Prescription.version + 1,
            )
            .returning(Prescription.id)
        )
    )
    if cancelled:
        close_open_orders(
            session, citizen_id, cancelled, status=OrderStatus.cancelled, at=at, reason=reason
        )
    return cancelled
