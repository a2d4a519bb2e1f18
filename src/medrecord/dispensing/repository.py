from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import cast

from sqlalchemy import (
    Boolean,
    DateTime,
    Numeric,
    Table,
    bindparam,
    case,
    delete,
    func,
    insert,
    select,
    tuple_,
    update,
)
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from medrecord.models import (
    Citizen,
    Dispensing,
    DispensingLine,
    DispensingStatus,
    Drug,
    DrugPackage,
    IdempotencyRecord,
    PharmacyOrder,
    Prescription,
    PrescriptionStatus,
)

# The hot write's statements go to the session's connection as Core (issue 12): the rows are
# written once and never read back through the session, so the ORM's unit of work (flush
# planning, identity map, the ORM bulk paths that even a mapped UPDATE takes) is pure cost.
_PRESCRIPTION = cast(Table, Prescription.__table__)
_DISPENSING = cast(Table, Dispensing.__table__)
_LINE = cast(Table, DispensingLine.__table__)
_ORDER = cast(Table, PharmacyOrder.__table__)
# What take_units changes, returned by its UPDATE: the row needs no second read.
_TAKEN = (
    _PRESCRIPTION.c.dispensed_units,
    _PRESCRIPTION.c.status,
    _PRESCRIPTION.c.last_dispensed_at,
    _PRESCRIPTION.c.iteration_started_at,
    _PRESCRIPTION.c.modified_at,
    _PRESCRIPTION.c.version,
)


_P = _PRESCRIPTION.c
_units = bindparam("units", type_=Numeric(12, 2))
_at = bindparam("at", type_=DateTime(timezone=True))
# Built once with bind parameters (issue 12): building the statement and its cache key per
# call was half of this function's cost in the profile. Parameter names other than the
# columns': SQLAlchemy keeps those for SET.
_TAKE_UNITS = (
    update(_PRESCRIPTION)
    .where(
        _P.citizen_id == bindparam("row_citizen_id"),
        _P.id == bindparam("row_id"),
        _P.status == PrescriptionStatus.open.value,
        _P.dispensed_units + _units <= _P.prescribed_units,
    )
    .values(
        dispensed_units=_P.dispensed_units + _units,
        status=case(
            (
                _P.dispensed_units + _units >= _P.prescribed_units,
                PrescriptionStatus.completed.value,
            ),
            else_=_P.status,
        ),
        last_dispensed_at=_at,
        iteration_started_at=case(
            (bindparam("starts_iteration", type_=Boolean), _at), else_=_P.iteration_started_at
        ),
        modified_at=_at,
        version=_P.version + 1,
    )
    .returning(*_TAKEN)
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
    when nothing is left); False when they do not remain. ``prescription`` gets the row's new
    values.

    Conditional on the row's current state, so it cannot over-dispense even without the row
    lock the use case already holds; the CHECK constraint is the last line.
    """
    row = (
        session.connection()
        .execute(
            _TAKE_UNITS,
            {
                "row_citizen_id": prescription.citizen_id,
                "row_id": prescription.id,
                "units": units,
                "at": at,
                "starts_iteration": starts_iteration,
            },
        )
        .first()
    )
    if row is None:
        return False
    # RETURNING instead of a refresh (a second SELECT of the row we just wrote); committed
    # values, so the session has nothing to flush for them.
    for column, value in zip(_TAKEN, row, strict=True):
        set_committed_value(prescription, column.key, value)
    return True


def packages_with_drugs(
    session: Session, package_numbers: Sequence[str]
) -> dict[str, tuple[DrugPackage, Drug]]:
    """The packages (the prescribed one and those asked for) with their drugs, by package
    number, in one statement: each catalogue row read once per request (the identity map
    holds rows only as long as something refers to them, so repeated ``session.get`` calls
    read a drug three times)."""
    rows = session.execute(
        select(DrugPackage, Drug)
        .join(Drug, Drug.id == DrugPackage.drug_id)
        .where(DrugPackage.package_number.in_(sorted(set(package_numbers))))
    )
    return {package.package_number: (package, drug) for package, drug in rows}


def insert_dispensing(
    session: Session, dispensing: Dispensing, lines: Sequence[DispensingLine]
) -> None:
    """A new dispensing with its lines, inserted now (a violated constraint raises here)."""
    connection = session.connection()
    connection.execute(_INSERT_DISPENSING, _values(_DISPENSING, dispensing))
    connection.execute(_INSERT_LINE, [_values(_LINE, line) for line in lines])


_INSERT_DISPENSING = insert(_DISPENSING)
_INSERT_LINE = insert(_LINE)


def _values(table: Table, row: object) -> dict[str, object]:
    return {column.key: getattr(row, column.key) for column in table.columns}


_FULFIL_ORDER = (
    update(_ORDER)
    .where(_ORDER.c.citizen_id == bindparam("row_citizen_id"), _ORDER.c.id == bindparam("row_id"))
    # Parameter names other than the columns': SQLAlchemy keeps those for SET.
    .values(status=bindparam("new_status"), modified_at=bindparam("at"))
)


def fulfil_order(
    session: Session, citizen_id: uuid.UUID, order_id: uuid.UUID, *, status: str, at: datetime
) -> None:
    """The claim a dispensing fulfilled: its new status (the caller holds the row's lock)."""
    session.connection().execute(
        _FULFIL_ORDER,
        {"row_citizen_id": citizen_id, "row_id": order_id, "new_status": status, "at": at},
    )


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
