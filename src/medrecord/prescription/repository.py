from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import cast

from sqlalchemy import ColumnElement, Table, bindparam, insert, literal, select, text, update
from sqlalchemy.orm import Session, aliased

from medrecord import clock
from medrecord.errors import raise_if
from medrecord.models import (
    OPEN_ORDER_STATUSES,
    Drug,
    Medication,
    OrderStatus,
    Organisation,
    PharmacyOrder,
    Prescription,
    PrescriptionStatus,
    current_status,
)
from medrecord.prescription import rules
from medrecord.problems import PrescriptionNotFound


def medication_visible_sql(alias: str) -> str:
    """SQL for ``access.policy.sees_private_item`` over a medication row (binds
    :sees_all_private and :organisation_id). The card statement and the prescription queries
    use it; a test pins it to the Python rule."""
    return (
        f"(:sees_all_private OR NOT {alias}.private"
        f" OR {alias}.private_organisation_id = :organisation_id)"
    )


def effective_status_sql(alias: str) -> str:
    """SQL for ``prescription.rules.effective_status`` over a prescription row (binds :today):
    expiry is computed, never stored late. A test pins it to the Python rule."""
    return (
        f"CASE WHEN {alias}.status = 'open' AND {alias}.valid_to < :today"
        f" THEN 'expired' ELSE {alias}.status END"
    )


def _medication_visible(
    *, sees_all_private: bool, organisation_id: str | None
) -> ColumnElement[bool]:
    return text(medication_visible_sql(Medication.__tablename__)).bindparams(
        sees_all_private=sees_all_private, organisation_id=organisation_id
    )  # type: ignore[return-value]


def lock_medication(
    session: Session, citizen_id: uuid.UUID, medication_id: uuid.UUID
) -> Medication | None:
    """The medication a prescription is made from, locked: it cannot be withdrawn or changed
    while we prescribe from it."""
    return session.execute(
        select(Medication)
        .where(Medication.citizen_id == citizen_id, Medication.id == medication_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()


# The claim's and the dispensing's reads, built once with bind parameters (issue 12: the hot
# write; building a statement and its cache key per call is a measurable share of a request).
_PRESCRIPTION = select(Prescription).where(
    Prescription.citizen_id == bindparam("citizen_id"), Prescription.id == bindparam("id")
)
# A row read under lock overwrites any older copy in the session.
_LOCKED_PRESCRIPTION = _PRESCRIPTION.with_for_update().execution_options(populate_existing=True)
_VISIBLE_MEDICATION_STATUS = select(
    Medication.status, Medication.paused_from, Medication.paused_to, Medication.end_date
).where(
    Medication.citizen_id == bindparam("citizen_id"),
    Medication.id == bindparam("id"),
    text(medication_visible_sql(Medication.__tablename__)),
)


def get_visible(
    session: Session,
    citizen_id: uuid.UUID,
    prescription_id: uuid.UUID,
    *,
    sees_all_private: bool,
    organisation_id: str | None,
    lock: bool = False,
) -> tuple[Prescription, str] | None:
    """The prescription and its medication's status, if the caller may see it (a private
    medication's prescriptions leave no trace); ``lock`` locks the prescription row.

    Two statements on purpose: the medication is read *after* the prescription's lock is
    granted, so a pause, withdrawal or private marking committed while we waited is seen. (One
    joined ``FOR UPDATE OF prescription`` would re-read only the locked row after the wait.)"""
    stmt = _LOCKED_PRESCRIPTION if lock else _PRESCRIPTION
    prescription = session.execute(
        stmt, {"citizen_id": citizen_id, "id": prescription_id}
    ).scalar_one_or_none()
    if prescription is None:
        return None
    medication = session.execute(
        _VISIBLE_MEDICATION_STATUS,
        {
            "citizen_id": citizen_id,
            "id": prescription.medication_id,
            "sees_all_private": sees_all_private,
            "organisation_id": organisation_id,
        },
    ).first()
    if medication is None:
        return None
    status, paused_from, paused_to, end_date = medication
    today = clock.today()
    return prescription, current_status(
        status, paused_from=paused_from, paused_to=paused_to, end_date=end_date, today=today
    )


def find_visible(
    session: Session,
    citizen_id: uuid.UUID,
    prescription_id: uuid.UUID,
    *,
    sees_all_private: bool,
    organisation_id: str | None,
    lock: bool = False,
) -> tuple[Prescription, str]:
    """As ``get_visible``, but a prescription the caller may not see is not found (404)."""
    found = get_visible(
        session,
        citizen_id,
        prescription_id,
        sees_all_private=sees_all_private,
        organisation_id=organisation_id,
        lock=lock,
    )
    if found is None:
        raise PrescriptionNotFound()
    return found


def lock_dispensable(
    session: Session,
    citizen_id: uuid.UUID,
    prescription_id: uuid.UUID,
    *,
    sees_all_private: bool,
    organisation_id: str | None,
    today: date,
) -> Prescription:
    """The prescription, locked for claiming or dispensing: 404 when the caller may not see
    it, and the dispensability rule's problem when nothing may go out today."""
    prescription, medication_status = find_visible(
        session,
        citizen_id,
        prescription_id,
        sees_all_private=sees_all_private,
        organisation_id=organisation_id,
        lock=True,
    )
    raise_if(
        rules.dispensable_problem(prescription, medication_status=medication_status, today=today)
    )
    return prescription


def visible_prescriptions(
    session: Session,
    citizen_id: uuid.UUID,
    *,
    sees_all_private: bool,
    organisation_id: str | None,
) -> list[tuple[Prescription, Drug, str, tuple[PharmacyOrder, str] | None]]:
    """The citizen's prescriptions with their medication's current status and any open claim,
    leaving out those of private medications the caller may not see."""
    open_order = (
        select(PharmacyOrder).where(PharmacyOrder.status.in_(OPEN_ORDER_STATUSES)).subquery()
    )
    order = aliased(PharmacyOrder, open_order)
    stmt = (
        select(Prescription, Drug, Medication, order, Organisation.name)
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
    stmt = stmt.where(
        _medication_visible(sees_all_private=sees_all_private, organisation_id=organisation_id)
    )
    today = clock.today()
    return [
        (p, drug, m.status_on(today), None if o is None else (o, name or o.pharmacy_id))
        for p, drug, m, o, name in session.execute(stmt)
    ]


_OPEN_ORDER = (
    select(PharmacyOrder, Organisation.name)
    .join(Organisation, Organisation.id == PharmacyOrder.pharmacy_id)
    .where(
        PharmacyOrder.citizen_id == bindparam("citizen_id"),
        PharmacyOrder.prescription_id == bindparam("prescription_id"),
        PharmacyOrder.status.in_(OPEN_ORDER_STATUSES),
    )
)
_LOCKED_OPEN_ORDER = _OPEN_ORDER.with_for_update(of=PharmacyOrder).execution_options(
    populate_existing=True
)


def open_order(
    session: Session, citizen_id: uuid.UUID, prescription_id: uuid.UUID, *, lock: bool = False
) -> tuple[PharmacyOrder, str] | None:
    """The prescription's open claim and its pharmacy's name; ``lock`` locks the order row
    (always after the prescription's: the one lock order of claims, releases, dispensings)."""
    row = session.execute(
        _LOCKED_OPEN_ORDER if lock else _OPEN_ORDER,
        {"citizen_id": citizen_id, "prescription_id": prescription_id},
    ).first()
    return None if row is None else (row[0], row[1])


_HOLDER = aliased(Organisation)
# One row always: the caller's organisation (None when unknown) beside the prescription's open
# claim, if any, and its holder's name. A claim needs both; one round trip, not two.
_CLAIM_FACTS = (
    select(Organisation, PharmacyOrder, _HOLDER.name)
    .select_from(select(literal(1).label("one")).subquery())
    .outerjoin(Organisation, Organisation.id == bindparam("organisation_id"))
    .outerjoin(
        PharmacyOrder,
        (PharmacyOrder.citizen_id == bindparam("citizen_id"))
        & (PharmacyOrder.prescription_id == bindparam("prescription_id"))
        & PharmacyOrder.status.in_(OPEN_ORDER_STATUSES),
    )
    .outerjoin(_HOLDER, _HOLDER.id == PharmacyOrder.pharmacy_id)
)


def claim_facts(
    session: Session,
    citizen_id: uuid.UUID,
    prescription_id: uuid.UUID,
    organisation_id: str | None,
) -> tuple[Organisation | None, tuple[PharmacyOrder, str] | None]:
    """The caller's organisation and the prescription's open claim with its pharmacy's name
    (as ``open_order``, unlocked: the prescription's lock serialises claims)."""
    caller, order, holder = session.execute(
        _CLAIM_FACTS,
        {
            "organisation_id": organisation_id,
            "citizen_id": citizen_id,
            "prescription_id": prescription_id,
        },
    ).one()
    return caller, None if order is None else (order, holder or order.pharmacy_id)


def get_order(
    session: Session, citizen_id: uuid.UUID, order_id: uuid.UUID, *, lock: bool = False
) -> PharmacyOrder | None:
    stmt = select(PharmacyOrder).where(
        PharmacyOrder.citizen_id == citizen_id, PharmacyOrder.id == order_id
    )
    if lock:
        # A row read under lock overwrites any older copy in the session.
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
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


def close_open_prescriptions_of(
    session: Session,
    citizen_id: uuid.UUID,
    medication_id: uuid.UUID,
    *,
    status: PrescriptionStatus,
    reason: str,
    at: datetime,
) -> list[uuid.UUID]:
    """Close a medication's open prescriptions, cancelled (withdrawal) or invalid (its drug
    changed), with the reason, and release their claims."""
    reason_column = (
        "invalid_reason" if status == PrescriptionStatus.invalid else "cancellation_reason"
    )
    cancelled = list(
        session.scalars(
            update(Prescription)
            .where(
                Prescription.citizen_id == citizen_id,
                Prescription.medication_id == medication_id,
                Prescription.status == PrescriptionStatus.open,
            )
            .values(
                {
                    reason_column: reason,
                    "status": status,
                    "modified_at": at,
                    "version": Prescription.version + 1,
                }
            )
            .returning(Prescription.id)
        )
    )
    if cancelled:
        close_open_orders(
            session, citizen_id, cancelled, status=OrderStatus.cancelled, at=at, reason=reason
        )
    return cancelled


_ORDER = cast(Table, PharmacyOrder.__table__)


def insert_order(session: Session, order: PharmacyOrder) -> None:
    """A new pharmacy order, inserted now (a violated constraint raises here). Core on the
    session's connection: a claim is on the hot path (issue 12) and its row is never read back
    through the session, so the ORM's flush would be pure cost."""
    session.connection().execute(
        insert(_ORDER), {column.key: getattr(order, column.key) for column in _ORDER.columns}
    )


def add(session: Session, row: Prescription | PharmacyOrder) -> None:
    """A new prescription or order; flushed, so a violated constraint raises here."""
    session.add(row)
    session.flush()
