"""Dispensing use cases: dispense one iteration (idempotent), undo."""

from __future__ import annotations

import uuid
from datetime import datetime, time

from sqlalchemy.orm import Session

from medrecord import clock
from medrecord.access.actor import Actor
from medrecord.access.permissions import Permission, scope_of
from medrecord.access.policy import Access, DeclaredPurpose
from medrecord.access.schemas import PersonRef
from medrecord.audit import service as audit
from medrecord.citizen import repository as citizen_repository
from medrecord.citizen.rules import mask_cpr
from medrecord.db import map_integrity_errors
from medrecord.dispensing import idempotency, repository, rules
from medrecord.dispensing.schemas import (
    DispensingCreate,
    DispensingRead,
    DispensingUndo,
    PharmacyDispensing,
)
from medrecord.drug import repository as drug_repository
from medrecord.drug.schemas import DrugSummary
from medrecord.errors import raise_if
from medrecord.guard import guarded
from medrecord.models import (
    Citizen,
    Dispensing,
    DispensingStatus,
    Drug,
    DrugPackage,
    OrderStatus,
    Prescription,
    Purpose,
)
from medrecord.organisation import repository as organisation_repository
from medrecord.organisation.rules import require_pharmacy
from medrecord.prescription import repository as prescription_repository
from medrecord.prescription import rules as prescription_rules
from medrecord.problems import (
    DispensingNotFound,
    NothingRemaining,
    RoleNotAllowed,
    UnknownPackage,
)

ONE_PER_ITERATION = "uq_dispensing_one_per_iteration"


def _drug(session: Session, drug_id: str) -> Drug:
    drug = drug_repository.get_drug(session, drug_id)  # usually in the identity map already
    assert drug is not None  # noqa: S101 - a foreign key holds it
    return drug


def dispensing_read(d: Dispensing, prescription: Prescription, drug: Drug) -> DispensingRead:
    return DispensingRead(
        id=d.id,
        prescription_id=d.prescription_id,
        order_id=d.order_id,
        iteration_number=d.iteration_number,
        pharmacy_id=d.pharmacy_id,
        pharmacist=PersonRef.of(d.pharmacist),
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


def package_facts(session: Session, package: DrugPackage) -> rules.PackageFacts:
    drug = _drug(session, package.drug_id)
    return rules.PackageFacts(
        drug_id=drug.id,
        substitution_group=drug.substitution_group,
        size=package.size,
        unit=package.unit,
    )


def _package_to_dispense(
    session: Session, prescription: Prescription, package_number: str | None
) -> tuple[DrugPackage, bool]:
    """The package handed out and whether it substitutes the prescribed drug."""
    package = drug_repository.get_package(session, package_number or prescription.package_number)
    if package is None:
        raise UnknownPackage()
    prescribed = drug_repository.get_package(session, prescription.package_number)
    assert prescribed is not None  # noqa: S101 - a foreign key holds it
    raise_if(
        rules.package_problem(
            package_facts(session, prescribed),
            package_facts(session, package),
            substitution_allowed=prescription.substitution_allowed,
        )
    )
    return package, package.drug_id != prescription.drug_id


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
    key = idempotency.checked_key(idempotency_key)
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
        record = idempotency.new_record(
            citizen_id=citizen.id,
            subject=actor.subject,
            key=key,
            fingerprint=idempotency.fingerprint(prescription_id, command),
            now=now,
        )
        replay = idempotency.claim_key(session, record)
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
    prescription = prescription_repository.lock_dispensable(
        session,
        citizen.id,
        prescription_id,
        sees_all_private=access.sees_all_private,
        organisation_id=actor.organisation_id,
        today=clock.today(),
    )
    held = prescription_repository.open_order(session, citizen.id, prescription.id)
    raise_if(
        prescription_rules.claim_problem(
            holder_id=held[0].pharmacy_id if held else None,
            holder_name=held[1] if held else None,
            organisation_id=actor.organisation_id,
        )
    )
    earliest = prescription_rules.earliest_next_dispensing(
        prescription.last_dispensed_at, prescription.iteration_interval_days
    )
    raise_if(rules.too_early_problem(earliest, now.astimezone(clock.COPENHAGEN).date()))
    package, substituted = _package_to_dispense(session, prescription, command.package_number)
    quantity = command.package_quantity or prescription.package_quantity
    raise_if(rules.quantity_problem(quantity, prescription.package_quantity))
    pharmacy = require_pharmacy(organisation_repository.get(session, actor.organisation_id or ""))
    if repository.take_iteration(session, prescription, at=now) is None:
        # A race the row lock should prevent; the conditional UPDATE is the backstop.
        raise NothingRemaining("Nothing remains on this prescription.")
    used = set(repository.used_iteration_numbers(session, citizen.id, prescription.id))
    iteration = next(n for n in range(1, prescription.iterations + 1) if n not in used)
    dispensing = Dispensing(
        id=uuid.uuid4(),
        citizen_id=citizen.id,
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
    backstop = NothingRemaining("Nothing remains on this prescription.")
    with map_integrity_errors({ONE_PER_ITERATION: backstop}):
        repository.add(session, dispensing)
    if held is not None:
        held[0].status = OrderStatus.done  # the claim is fulfilled; the next iteration is free
        held[0].modified_at = now
    citizen_repository.bump_card_version(session, citizen.id)
    return dispensing_read(dispensing, prescription, _drug(session, dispensing.drug_id))


def _dispensing_and_prescription(
    session: Session,
    actor: Actor,
    access: Access,
    citizen: Citizen,
    dispensing_id: uuid.UUID,
    *,
    lock_prescription: bool = False,
) -> tuple[Dispensing, Prescription, str]:
    """The citizen's dispensing, its prescription and the status of the prescription's
    medication; 404 unless the caller may see both."""
    dispensing = repository.get_dispensing(session, citizen.id, dispensing_id)
    if dispensing is None:
        raise DispensingNotFound()
    prescription, medication_status = prescription_repository.find_visible(
        session,
        citizen.id,
        dispensing.prescription_id,
        sees_all_private=access.sees_all_private,
        organisation_id=actor.organisation_id,
        lock=lock_prescription,
    )
    return dispensing, prescription, medication_status


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
        # Lock order as in dispense: prescription first, then the dispensing.
        _, prescription, medication_status = _dispensing_and_prescription(
            session, actor, access, citizen, dispensing_id, lock_prescription=True
        )
        dispensing = repository.get_dispensing(session, citizen.id, dispensing_id, lock=True)
        assert dispensing is not None  # noqa: S101 - rows are never deleted
        now = clock.now()
        raise_if(
            rules.undo_problem(
                status=dispensing.status,
                dispensed_by=dispensing.pharmacy_id,
                organisation_id=actor.organisation_id,
                dispensed_at=dispensing.dispensed_at,
                now=now,
            )
        )
        dispensing.status = DispensingStatus.undone
        dispensing.undone_at = now
        dispensing.undo_reason = command.reason
        session.flush()
        prescription.dispensed_iterations -= 1
        prescription.status = prescription_rules.status_after_undo(
            prescription.status,
            medication_status=medication_status,
            valid_to=prescription.valid_to,
            today=now.astimezone(clock.COPENHAGEN).date(),
        )
        prescription.last_dispensed_at = repository.last_dispensed_at(
            session, citizen.id, prescription.id
        )
        prescription.modified_at = now
        prescription.version += 1
        session.flush()
        citizen_repository.bump_card_version(session, citizen.id)
        result = dispensing_read(dispensing, prescription, _drug(session, dispensing.drug_id))
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
        dispensing, prescription, _ = _dispensing_and_prescription(
            session, actor, access, citizen, dispensing_id
        )
        result = dispensing_read(dispensing, prescription, _drug(session, dispensing.drug_id))
    session.commit()
    return result


def todays_dispensings(session: Session, actor: Actor) -> list[PharmacyDispensing]:
    """The caller's pharmacy's dispensings today (Copenhagen), newest first. Every citizen on
    the list gets an audit row."""
    if scope_of(actor.role, Permission.dispensing_write) is None:
        raise RoleNotAllowed("Only pharmacy staff list dispensings.")
    pharmacy = require_pharmacy(organisation_repository.get(session, actor.organisation_id or ""))
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
            dispensing=dispensing_read(d, prescription, drug),
        )
        for d, prescription, drug, citizen in rows
    ]
    session.commit()
    return result
