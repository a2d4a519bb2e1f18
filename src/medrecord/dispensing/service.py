"""Dispensing use cases: dispense one iteration (idempotent), undo."""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from datetime import datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from medrecord import clock
from medrecord.access.actor import Actor
from medrecord.access.guard import guarded
from medrecord.access.permissions import Permission, scope_of
from medrecord.access.policy import Access, DeclaredPurpose
from medrecord.audit import service as audit
from medrecord.citizen.rules import mask_cpr
from medrecord.db import map_integrity_errors
from medrecord.dispensing import repository
from medrecord.dispensing.schemas import (
    DispensingCreate,
    DispensingRead,
    DispensingUndo,
    PharmacyDispensing,
)
from medrecord.errors import AccessDenied, BadRequest, Conflict, NotFound, RuleViolation
from medrecord.medication import repository as medication_repository
from medrecord.medication import service as medication_service
from medrecord.medication.schemas import DrugSummary
from medrecord.models import (
    Citizen,
    Dispensing,
    DispensingStatus,
    Drug,
    DrugPackage,
    IdempotencyRecord,
    OrderStatus,
    Prescription,
    PrescriptionStatus,
    Purpose,
)
from medrecord.prescription import repository as prescription_repository
from medrecord.prescription import rules as prescription_rules
from medrecord.prescription import service as prescription_service

UNDO_WINDOW = timedelta(days=7)
# Keys are kept at least 24 h (SPEC §4); a purge of older ones may run after this.
IDEMPOTENCY_TTL = timedelta(hours=48)
ONE_PER_ITERATION = "uq_dispensing_one_per_iteration"
_KEY = re.compile(r"^[\x21-\x7e]{1,200}$")


def within_undo_window(dispensed_at: datetime) -> bool:
    return clock.now() - dispensed_at <= UNDO_WINDOW


def dispensing_read(session: Session, d: Dispensing, prescription: Prescription) -> DispensingRead:
    drug = session.get_one(Drug, d.drug_id)  # usually already in the identity map
    return DispensingRead(
        id=d.id,
        prescription_id=d.prescription_id,
        order_id=d.order_id,
        iteration_number=d.iteration_number,
        pharmacy_id=d.pharmacy_id,
        pharmacist=medication_service.person(d.pharmacist),
        drug_id=d.drug_id,
        drug=DrugSummary.model_validate(drug),
        package_number=d.package_number,
        package_quantity=d.package_quantity,
        substituted=d.substituted,
        dispensed_at=d.dispensed_at,
        status=d.status,
        undone_at=d.undone_at,
        undo_reason=d.undo_reason,
        remaining_iterations=prescription.iterations - prescription.dispensed_iterations,
        prescription_status=prescription_rules.effective_status(
            prescription.status, prescription.valid_to, clock.today()
        ),
    )


def request_fingerprint(prescription_id: uuid.UUID, command: DispensingCreate) -> str:
    canonical = json.dumps(
        {"prescription_id": str(prescription_id), "body": command.model_dump(mode="json")},
        sort_keys=True,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def _claim_key(session: Session, record: IdempotencyRecord) -> DispensingRead | None:
    """Take the idempotency key for this request, or return the first request's answer.

    The insert of the key is the lock: a concurrent request with the same key waits on the
    unique index until the first commits (then replays it) or rolls back (then goes ahead).
    """
    try:
        with session.begin_nested():
            session.add(record)
            session.flush()
        return None
    except IntegrityError:
        pass
    first = repository.get_idempotency_record(
        session, record.citizen_id, record.caller_subject, record.key
    )
    if first is None:  # the other request rolled back after all: nothing to replay
        raise Conflict("A request with this key is in doubt; send it again.", code="retry")
    if first.request_hash != record.request_hash:
        raise RuleViolation(
            "This Idempotency-Key was already used for a different request.",
            code="idempotency-key-reused",
        )
    return DispensingRead.model_validate(first.response_body)


def _package_to_dispense(
    session: Session, prescription: Prescription, package_number: str | None
) -> tuple[DrugPackage, bool]:
    """The package handed out and whether it substitutes the prescribed drug."""
    number = package_number or prescription.package_number
    package = session.get(DrugPackage, number)
    if package is None:
        raise RuleViolation("No package in the catalogue has this number.", code="unknown-package")
    if package.drug_id == prescription.drug_id:
        return package, False
    if not prescription.substitution_allowed:
        raise RuleViolation(
            "The prescriber did not allow substitution.", code="substitution-not-allowed"
        )
    prescribed, substitute = (
        session.get(Drug, prescription.drug_id),
        session.get(Drug, package.drug_id),
    )
    group = prescribed.substitution_group if prescribed else None
    if group is None or substitute is None or substitute.substitution_group != group:
        raise RuleViolation(
            "The package is not in the prescribed drug's substitution group.",
            code="not-in-substitution-group",
        )
    prescribed_package = session.get_one(DrugPackage, prescription.package_number)
    if (package.size, package.unit) != (prescribed_package.size, prescribed_package.unit):
        # A substitute replaces the product, not the amount the prescriber chose.
        raise RuleViolation(
            f"A substitute must hold the prescribed {prescribed_package.size.normalize():f} "
            f"{prescribed_package.unit}.",
            code="substitute-size-differs",
        )
    return package, True


def dispense(
    session: Session,
    actor: Actor,
    *,
    cpr: str,
    prescription_id: uuid.UUID,
    declared: DeclaredPurpose,
    command: DispensingCreate,
    idempotency_key: str | None,
) -> tuple[DispensingRead, bool]:
    """Hand out one iteration. Returns (dispensing, replayed)."""
    if not idempotency_key:
        raise BadRequest(
            "Send an Idempotency-Key header (a fresh UUID per dispensing) so a retry can never "
            "dispense twice.",
            code="idempotency-key-required",
        )
    if not _KEY.match(idempotency_key):
        raise BadRequest(
            "Idempotency-Key must be 1 to 200 visible ASCII characters.",
            code="invalid-idempotency-key",
        )
    with guarded(
        session,
        actor,
        cpr=cpr,
        declared=declared,
        permission=Permission.dispensing_write,
        action="dispensing.create",
        resource_type="prescription",
        resource_id=prescription_id,
    ) as (citizen, access, entry):
        now = clock.now()
        record = IdempotencyRecord(
            citizen_id=citizen.id,
            caller_subject=actor.subject,
            key=idempotency_key,
            request_hash=request_fingerprint(prescription_id, command),
            response_status=0,
            response_body={},
            response_headers={},
            created_at=now,
            expires_at=now + IDEMPOTENCY_TTL,
        )
        replay = _claim_key(session, record)
        if replay is not None:
            entry.action, entry.resource_type, entry.resource_id = (
                "dispensing.replay", "dispensing", replay.id,
            )  # fmt: skip
            result = replay
        else:
            result = _dispense(session, actor, access, citizen, prescription_id, command, now)
            record.response_status = 201
            record.response_body = result.model_dump(mode="json")
            entry.resource_type, entry.resource_id = "dispensing", result.id
    session.commit()
    return result, replay is not None


def _dispense(
    session: Session,
    actor: Actor,
    access: Access,
    citizen: Citizen,
    prescription_id: uuid.UUID,
    command: DispensingCreate,
    now: datetime,
) -> DispensingRead:
    citizen_id = citizen.id
    prescription, _ = prescription_service.lock_dispensable(
        session, actor, access, citizen, prescription_id
    )
    held = prescription_repository.open_order(session, citizen_id, prescription.id)
    if held is not None and held[0].pharmacy_id != actor.organisation_id:
        raise prescription_service.claimed_by(*held)
    earliest = prescription_rules.earliest_next_dispensing(
        prescription.last_dispensed_at, prescription.iteration_interval_days
    )
    if earliest is not None and now < earliest:
        local = earliest.astimezone(clock.COPENHAGEN)
        raise Conflict(
            f"Too early: the next iteration may be dispensed from {local:%d-%m-%Y %H:%M}.",
            code="too-early",
            earliest=earliest.isoformat(),
        )
    package, substituted = _package_to_dispense(session, prescription, command.package_number)
    quantity = command.package_quantity or prescription.package_quantity
    if quantity > prescription.package_quantity:
        raise Conflict(
            f"At most {prescription.package_quantity} package(s) per iteration were prescribed.",
            code="exceeds-remaining",
        )
    pharmacy = prescription_service.pharmacy_of(session, actor)
    if repository.take_iteration(session, prescription, at=now) is None:
        raise Conflict("Nothing remains on this prescription.", code="nothing-remaining")
    used = set(repository.used_iteration_numbers(session, citizen_id, prescription.id))
    iteration = next(n for n in range(1, prescription.iterations + 1) if n not in used)
    dispensing = Dispensing(
        id=uuid.uuid4(),
        citizen_id=citizen_id,
        prescription_id=prescription.id,
        order_id=held[0].id if held else None,
        iteration_number=iteration,
        pharmacy_id=pharmacy.id,
        pharmacist=actor.snapshot(),
        drug_id=package.drug_id,
        package_number=package.package_number,
        package_quantity=quantity,
        substituted=substituted,
        dispensed_at=now,
        status=DispensingStatus.completed,
    )
    session.add(dispensing)
    with map_integrity_errors(
        {ONE_PER_ITERATION: Conflict("Nothing remains on this prescription.",
                                     code="nothing-remaining")}
    ):  # fmt: skip
        session.flush()
    if held is not None:
        held[0].status = OrderStatus.done  # the claim is fulfilled; the next iteration is free
        held[0].modified_at = now
    medication_repository.bump_card_version(session, citizen_id)
    return dispensing_read(session, dispensing, prescription)


def undo_dispensing(
    session: Session,
    actor: Actor,
    *,
    cpr: str,
    dispensing_id: uuid.UUID,
    declared: DeclaredPurpose,
    command: DispensingUndo,
) -> DispensingRead:
    with guarded(
        session,
        actor,
        cpr=cpr,
        declared=declared,
        permission=Permission.dispensing_write,
        action="dispensing.undo",
        resource_type="dispensing",
        resource_id=dispensing_id,
    ) as (citizen, access, _entry):
        found = repository.get_dispensing(session, citizen.id, dispensing_id)
        if found is None:
            raise NotFound("The citizen has no such dispensing.", code="dispensing-not-found")
        # Lock order as in dispense: prescription first, then the dispensing.
        prescription, _ = prescription_service.visible_prescription(
            session, actor, access, citizen, found.prescription_id, lock=True
        )
        dispensing = repository.get_dispensing(session, citizen.id, dispensing_id, lock=True)
        assert dispensing is not None  # noqa: S101 - rows are never deleted
        if dispensing.pharmacy_id != actor.organisation_id:
            raise AccessDenied(
                "Only the pharmacy that dispensed may undo it.", code="not-dispensing-pharmacy"
            )
        if dispensing.status == DispensingStatus.undone:
            raise Conflict("The dispensing is already undone.", code="already-undone")
        now = clock.now()
        if not within_undo_window(dispensing.dispensed_at):
            raise Conflict(
                "A dispensing can be undone only within 7 days.", code="undo-window-passed"
            )
        dispensing.status = DispensingStatus.undone
        dispensing.undone_at = now
        dispensing.undo_reason = command.reason
        session.flush()
        prescription.dispensed_iterations -= 1
        if prescription.status == PrescriptionStatus.completed:
            prescription.status = PrescriptionStatus.open
        prescription.last_dispensed_at = session.scalar(
            select(func.max(Dispensing.dispensed_at)).where(
                Dispensing.citizen_id == citizen.id,
                Dispensing.prescription_id == prescription.id,
                Dispensing.status == DispensingStatus.completed,
            )
        )
        prescription.modified_at = now
        prescription.version += 1
        session.flush()
        medication_repository.bump_card_version(session, citizen.id)
        result = dispensing_read(session, dispensing, prescription)
    session.commit()
    return result


def get_dispensing(
    session: Session,
    actor: Actor,
    *,
    cpr: str,
    dispensing_id: uuid.UUID,
    declared: DeclaredPurpose,
) -> DispensingRead:
    with guarded(
        session,
        actor,
        cpr=cpr,
        declared=declared,
        permission=Permission.dispensable_prescription_read,
        action="dispensing.read",
        resource_type="dispensing",
        resource_id=dispensing_id,
    ) as (citizen, access, _entry):
        dispensing = repository.get_dispensing(session, citizen.id, dispensing_id)
        if dispensing is None:
            raise NotFound("The citizen has no such dispensing.", code="dispensing-not-found")
        prescription, _ = prescription_service.visible_prescription(
            session, actor, access, citizen, dispensing.prescription_id
        )
        result = dispensing_read(session, dispensing, prescription)
    session.commit()
    return result


def todays_dispensings(session: Session, actor: Actor) -> list[PharmacyDispensing]:
    """The caller's pharmacy's dispensings today (Copenhagen), newest first. Every citizen on
    the list gets an audit row."""
    if scope_of(actor.role, Permission.dispensing_write) is None:
        raise AccessDenied("Only pharmacy staff list dispensings.", code="role-not-allowed")
    pharmacy = prescription_service.pharmacy_of(session, actor)
    start = datetime.combine(clock.today(), time(0), tzinfo=clock.COPENHAGEN)
    rows = repository.pharmacy_dispensings_since(session, pharmacy.id, start)
    for citizen_id in dict.fromkeys(d.citizen_id for d, _, _, _ in rows):
        audit.record(
            session,
            actor,
            action="dispensing.list-today",
            citizen_id=citizen_id,
            resource_type="dispensing",
            purpose=Purpose.treatment,
        )
    result = [
        PharmacyDispensing(
            citizen_name=citizen.name,
            citizen_cpr_masked=mask_cpr(citizen.cpr),
            dispensing=dispensing_read(session, d, prescription),
        )
        for d, prescription, _, citizen in rows
    ]
    session.commit()
    return result
