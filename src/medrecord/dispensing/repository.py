from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import case, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from medrecord.models import (
    Citizen,
    Dispensing,
    DispensingStatus,
    Drug,
    IdempotencyRecord,
    Prescription,
    PrescriptionStatus,
)


def take_iteration(session: Session, prescription: Prescription, *, at: datetime) -> int | None:
    """Count one more dispensed iteration if one remains (completing the prescription with the
    last); the new count, or None when nothing remains.

    Conditional on the row's current state, so it cannot over-dispense even without the row
    lock the use case already holds; the CHECK constraint is the last line.
    """
    row = session.execute(
        update(Prescription)
        .where(
            Prescription.citizen_id == prescription.citizen_id,
            Prescription.id == prescription.id,
            Prescription.status == PrescriptionStatus.open,
            Prescription.dispensed_iterations < Prescription.iterations,
        )
        .values(
            dispensed_iterations=Prescription.dispensed_iterations + 1,
            status=case(
                (
                    Prescription.dispensed_iterations + 1 >= Prescription.iterations,
                    PrescriptionStatus.completed.value,
                ),
                else_=Prescription.status,
            ),
            last_dispensed_at=at,
            modified_at=at,
            version=Prescription.version + 1,
        )
        .returning(Prescription.dispensed_iterations)
    ).first()
    session.refresh(prescription)
    return None if row is None else int(row[0])


def used_iteration_numbers(
    session: Session, citizen_id: uuid.UUID, prescription_id: uuid.UUID
) -> Sequence[int]:
    return session.scalars(
        select(Dispensing.iteration_number).where(
            Dispensing.citizen_id == citizen_id,
            Dispensing.prescription_id == prescription_id,
            Dispensing.status == DispensingStatus.completed,
        )
    ).all()


def get_dispensing(
    session: Session, citizen_id: uuid.UUID, dispensing_id: uuid.UUID, *, lock: bool = False
) -> Dispensing | None:
    stmt = select(Dispensing).where(
        Dispensing.citizen_id == citizen_id, Dispensing.id == dispensing_id
    )
    if lock:
        # A row read under lock overwrites any older copy in the session.
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return session.execute(stmt).scalar_one_or_none()


def get_idempotency_record(
    session: Session, citizen_id: uuid.UUID, subject: str, key: str
) -> IdempotencyRecord | None:
    """The stored record, re-read from the database (another transaction may just have
    committed it)."""
    return session.get(IdempotencyRecord, (citizen_id, subject, key), populate_existing=True)


def pharmacy_dispensings_since(
    session: Session, pharmacy_id: str, since: datetime
) -> list[tuple[Dispensing, Prescription, Drug, Citizen]]:
    rows = session.execute(
        select(Dispensing, Prescription, Drug, Citizen)
        .join(
            Prescription,
            (Prescription.citizen_id == Dispensing.citizen_id)
            & (Prescription.id == Dispensing.prescription_id),
        )
        .join(Drug, Drug.id == Dispensing.drug_id)
        .join(Citizen, Citizen.id == Dispensing.citizen_id)
        .where(Dispensing.pharmacy_id == pharmacy_id, Dispensing.dispensed_at >= since)
        .order_by(Dispensing.dispensed_at.desc())
    )
    return [(d, p, drug, c) for d, p, drug, c in rows]


def insert_idempotency_record(session: Session, record: IdempotencyRecord) -> bool:
    """Insert the key in a savepoint; False when the key exists (the unique index waits for a
    concurrent holder to commit or roll back first)."""
    try:
        with session.begin_nested():
            session.add(record)
            session.flush()
    except IntegrityError:
        return False
    return True


def purge_expired_idempotency_records(session: Session, *, now: datetime) -> int:
    """Forget idempotency keys past their retention. The caller commits."""
    deleted = session.scalars(
        delete(IdempotencyRecord)
        .where(IdempotencyRecord.expires_at < now)
        .returning(IdempotencyRecord.key)
    ).all()
    return len(deleted)


def last_dispensed_at(
    session: Session, citizen_id: uuid.UUID, prescription_id: uuid.UUID
) -> datetime | None:
    """When the prescription's latest completed dispensing went out (None: never)."""
    return session.scalar(
        select(func.max(Dispensing.dispensed_at)).where(
            Dispensing.citizen_id == citizen_id,
            Dispensing.prescription_id == prescription_id,
            Dispensing.status == DispensingStatus.completed,
        )
    )


def add(session: Session, dispensing: Dispensing) -> None:
    """A new dispensing; flushed, so a violated constraint raises here."""
    session.add(dispensing)
    session.flush()
