from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from sqlalchemy import case, delete, func, select, tuple_, update
from sqlalchemy.orm import Session

from medrecord.models import (
    Citizen,
    Dispensing,
    DispensingLine,
    DispensingStatus,
    IdempotencyRecord,
    Prescription,
    PrescriptionStatus,
)


def take_units(
    session: Session,
    prescription: Prescription,
    units: Decimal,
    *,
    starts_iteration: bool,
    at: datetime,
) -> bool:
    """Count ``units`` more as dispensed if that many remain (completing the prescription
    when nothing is left); False when they do not remain.

    Conditional on the row's current state, so it cannot over-dispense even without the row
    lock the use case already holds; the CHECK constraint is the last line.
    """
    row = session.execute(
        update(Prescription)
        .where(
            Prescription.citizen_id == prescription.citizen_id,
            Prescription.id == prescription.id,
            Prescription.status == PrescriptionStatus.open,
            Prescription.dispensed_units + units <= Prescription.prescribed_units,
        )
        .values(
            dispensed_units=Prescription.dispensed_units + units,
            status=case(
                (
                    Prescription.dispensed_units + units >= Prescription.prescribed_units,
                    PrescriptionStatus.completed.value,
                ),
                else_=Prescription.status,
            ),
            last_dispensed_at=at,
            iteration_started_at=at if starts_iteration else Prescription.iteration_started_at,
            modified_at=at,
            version=Prescription.version + 1,
        )
        .returning(Prescription.dispensed_units)
    ).first()
    session.refresh(prescription)
    return row is not None


def lines_of(
    session: Session, dispensings: Sequence[Dispensing]
) -> dict[uuid.UUID, list[DispensingLine]]:
    """The package lines of the dispensings, in line order, by dispensing id."""
    lines: dict[uuid.UUID, list[DispensingLine]] = {d.id: [] for d in dispensings}
    if not dispensings:
        return lines
    keys = [(d.citizen_id, d.id) for d in dispensings]
    for line in session.scalars(
        select(DispensingLine)
        .where(tuple_(DispensingLine.citizen_id, DispensingLine.dispensing_id).in_(keys))
        .order_by(DispensingLine.dispensing_id, DispensingLine.line_number)
    ):
        lines[line.dispensing_id].append(line)
    return lines


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


def pharmacy_dispensings_since(
    session: Session, pharmacy_id: str, since: datetime
) -> list[tuple[Dispensing, Prescription, Citizen]]:
    rows = session.execute(
        select(Dispensing, Prescription, Citizen)
        .join(
            Prescription,
            (Prescription.citizen_id == Dispensing.citizen_id)
            & (Prescription.id == Dispensing.prescription_id),
        )
        .join(Citizen, Citizen.id == Dispensing.citizen_id)
        .where(Dispensing.pharmacy_id == pharmacy_id, Dispensing.dispensed_at >= since)
        .order_by(Dispensing.dispensed_at.desc())
    )
    return [(d, p, c) for d, p, c in rows]


def purge_expired_idempotency_records(session: Session, *, now: datetime) -> int:
    """Forget idempotency keys past their retention. The caller commits."""
    deleted = session.scalars(
        delete(IdempotencyRecord)
        .where(IdempotencyRecord.expires_at < now)
        .returning(IdempotencyRecord.key)
    ).all()
    return len(deleted)


def last_dispensed_at(
    session: Session, citizen_id: uuid.UUID, prescription_id: uuid.UUID, *, starting: bool = False
) -> datetime | None:
    """When the prescription's latest completed dispensing went out (None: never); with
    ``starting``, the latest that began an iteration."""
    stmt = select(func.max(Dispensing.dispensed_at)).where(
        Dispensing.citizen_id == citizen_id,
        Dispensing.prescription_id == prescription_id,
        Dispensing.status == DispensingStatus.completed,
    )
    if starting:
        stmt = stmt.where(Dispensing.starts_iteration)
    return session.scalar(stmt)


def add(session: Session, dispensing: Dispensing, lines: Sequence[DispensingLine]) -> None:
    """A new dispensing with its lines; flushed, so a violated constraint raises here."""
    session.add(dispensing)
    session.flush()
    session.add_all(lines)
    session.flush()
