"""Dispensing use cases: dispense package lines from a prescription (idempotent), undo."""

from __future__ import annotations

import uuid
from datetime import datetime, time
from decimal import Decimal
from typing import NamedTuple

from sqlalchemy.orm import Session

from medrecord import clock
from medrecord.access.actor import Actor
from medrecord.access.permissions import Permission, scope_of
from medrecord.access.policy import Access, DeclaredPurpose, sees_private_prescriptions
from medrecord.access.schemas import PersonRef
from medrecord.audit import service as audit
from medrecord.audit.denials import denials_recorded
from medrecord.citizen import repository as citizen_repository
from medrecord.citizen.rules import mask_cpr
from medrecord.dispensing import idempotency, repository, rules
from medrecord.dispensing.schemas import (
    DispensingCreate,
    DispensingLineCreate,
    DispensingLineRead,
    DispensingRead,
    DispensingUndo,
    PharmacyDispensing,
)
from medrecord.drug import repository as drug_repository
from medrecord.drug.schemas import DrugSummary
from medrecord.errors import DomainError, raise_if
from medrecord.guard import guarded
from medrecord.models import (
    Citizen,
    Dispensing,
    DispensingLine,
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
from medrecord.prescription.rules import Allowance
from medrecord.problems import (
    DispensingNotFound,
    DuplicateDispensingLine,
    NothingRemaining,
    RoleNotAllowed,
    UnknownPackage,
)


def _drug(session: Session, drug_id: str) -> Drug:
    drug = drug_repository.get_drug(session, drug_id)  # usually in the identity map already
    assert drug is not None  # noqa: S101 - a foreign key holds it
    return drug


def dispensing_read(
    session: Session,
    d: Dispensing,
    prescription: Prescription,
    lines: list[DispensingLine] | None = None,
    drugs: dict[str, Drug] | None = None,
) -> DispensingRead:
    """The dispensing as the API shows it; ``drugs`` are those already read (by id)."""
    if lines is None:
        lines = repository.lines_of(session, [d])[d.id]
    drugs = drugs or {}
    remaining = prescription.prescribed_units - prescription.dispensed_units
    return DispensingRead(
        id=d.id,
        prescription_id=d.prescription_id,
        order_id=d.order_id,
        iteration_number=d.iteration_number,
        starts_iteration=d.starts_iteration,
        pharmacy_id=d.pharmacy_id,
        pharmacist=PersonRef.of(d.pharmacist),
        lines=[
            DispensingLineRead(
                line_number=line.line_number,
                drug_id=line.drug_id,
                drug=DrugSummary.model_validate(
                    drugs.get(line.drug_id) or _drug(session, line.drug_id)
                ),
                package_number=line.package_number,
                package_quantity=line.package_quantity,
                package_size=line.units / line.package_quantity,
                units=line.units,
                substituted=line.substituted,
            )
            for line in lines
        ],
        unit=prescription.unit,
        units=d.units,
        substituted=any(line.substituted for line in lines),
        dispensed_at=d.dispensed_at,
        status=d.status,
        undone_at=d.undone_at,
        undo_reason=d.undo_reason,
        remaining_units=remaining,
        remaining_iterations=prescription_rules.remaining_iterations(
            remaining, prescription.units_per_iteration
        ),
        prescription_status=prescription_rules.effective_status(
            prescription.status, prescription.valid_to, clock.today()
        ),
    )


def package_facts(package: DrugPackage, drug: Drug) -> rules.PackageFacts:
    return rules.PackageFacts(
        drug_id=drug.id,
        substitution_group=drug.substitution_group,
        size=package.size,
        unit=package.unit,
    )


def _requested_lines(
    command: DispensingCreate, prescription: Prescription, allowed: Allowance
) -> list[DispensingLineCreate]:
    """The lines asked for; the short form and the empty body are one line."""
    if command.lines is not None:
        numbers = [line.package_number for line in command.lines]
        if len(set(numbers)) != len(numbers):
            raise DuplicateDispensingLine()
        return command.lines
    number = command.package_number or prescription.package_number
    quantity = command.package_quantity
    if quantity is None and number == prescription.package_number:
        fits = rules.whole_packages(allowed, prescription.package_size, unit=prescription.unit)
        if isinstance(fits, DomainError):
            raise fits
        quantity = fits
    return [DispensingLineCreate(package_number=number, package_quantity=quantity or 1)]


def _lines_to_dispense(
    session: Session,
    citizen_id: uuid.UUID,
    dispensing_id: uuid.UUID,
    prescription: Prescription,
    requested: list[DispensingLineCreate],
) -> tuple[list[DispensingLine], dict[str, Drug]]:
    """Each line's package checked against the prescribed one (same drug in any size, or a
    substitute), counted in units; with the drugs read (by id) for the answer."""
    found = repository.packages_with_drugs(
        session, [prescription.package_number, *(line.package_number for line in requested)]
    )
    prescribed = found.get(prescription.package_number)
    assert prescribed is not None  # noqa: S101 - a foreign key holds it
    prescribed_facts = package_facts(*prescribed)
    lines = []
    for number, line in enumerate(requested, start=1):
        if line.package_number not in found:
            raise UnknownPackage(f"Line {number}: no package {line.package_number}.")
        package, drug = found[line.package_number]
        raise_if(
            rules.line_problem(
                prescribed_facts,
                package_facts(package, drug),
                substitution_allowed=prescription.substitution_allowed,
            )
        )
        lines.append(
            DispensingLine(
                citizen_id=citizen_id,
                dispensing_id=dispensing_id,
                line_number=number,
                drug_id=package.drug_id,
                package_number=package.package_number,
                package_quantity=line.package_quantity,
                units=package.size * line.package_quantity,
                substituted=package.drug_id != prescription.drug_id,
            )
        )
    return lines, {drug.id: drug for _, drug in found.values()}


class Dispensed(NamedTuple):
    """A dispensing's answer: the read model, its JSON text (serialised once: stored for a
    retry with the key and sent as the response body) and whether it is a replay."""

    dispensing: DispensingRead
    body: str
    replayed: bool


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
    """Hand out package lines: at most one iteration, or the rest of a begun one. Returns
    (dispensing, replayed)."""
    answer = dispense_answer(
        session, actor, cpr=cpr, prescription_id=prescription_id, declared=declared,
        command=command, idempotency_key=idempotency_key,
    )  # fmt: skip
    return answer.dispensing, answer.replayed


def dispense_answer(
    session: Session,
    actor: Actor,
    *,
    cpr: str,
    prescription_id: uuid.UUID,
    declared: DeclaredPurpose,
    command: DispensingCreate,
    idempotency_key: str | None,
) -> Dispensed:
    """``dispense`` with its answer as JSON text (the API sends it as it is)."""
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
        # Inside the opening, so an attempt without a key is on the citizen's log too.
        key = idempotency.checked_key(idempotency_key)
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
            answer = Dispensed(replay, replay.model_dump_json(), replayed=True)
        else:
            result = _dispense(session, actor, access, citizen, prescription_id, command, now)
            answer = Dispensed(result, result.model_dump_json(), replayed=False)
            idempotency.answered(session, record, status=201, body=answer.body)
            entry.resource_type, entry.resource_id = "dispensing", result.id
    session.commit()
    return answer


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
        sees_all_private=sees_private_prescriptions(actor, access),
        organisation_id=actor.organisation_id,
        today=clock.local_date(now),
    )
    # Locked, so a release committed while we waited is seen and not overwritten with "done".
    held = prescription_repository.open_order(session, citizen.id, prescription.id, lock=True)
    raise_if(
        prescription_rules.claim_problem(
            holder_id=held[0].pharmacy_id if held else None,
            holder_name=held[1] if held else None,
            organisation_id=actor.organisation_id,
        )
    )
    allowed = prescription_rules.allowance(
        prescribed_units=prescription.prescribed_units,
        dispensed_units=prescription.dispensed_units,
        units_per_iteration=prescription.units_per_iteration,
    )
    if allowed.starts_iteration:
        earliest = prescription_rules.earliest_next_iteration(
            prescription.iteration_started_at,
            prescription.iteration_interval,
            prescription.iteration_interval_unit,
        )
        raise_if(rules.too_early_problem(earliest, clock.local_date(now)))
    dispensing_id = uuid.uuid4()
    requested = _requested_lines(command, prescription, allowed)
    lines, drugs = _lines_to_dispense(session, citizen.id, dispensing_id, prescription, requested)
    units = sum((line.units for line in lines), Decimal(0))
    raise_if(rules.amount_problem(units, allowed, unit=prescription.unit))
    drug = drugs.get(prescription.drug_id) or _drug(session, prescription.drug_id)
    raise_if(rules.once_problem(drug.dispensing_group, units, prescription.prescribed_units))
    pharmacy = require_pharmacy(organisation_repository.get(session, actor.organisation_id or ""))
    taken = repository.take_units(
        session, prescription, units, starts_iteration=allowed.starts_iteration, at=now
    )
    if not taken:
        # A race the row lock should prevent; the conditional UPDATE is the backstop.
        raise NothingRemaining("Nothing remains on this prescription.")
    # Not added to the session: inserted as Core rows, and read only to build the answer.
    dispensing = Dispensing(
        id=dispensing_id,
        citizen_id=citizen.id,
        prescription_id=prescription.id,
        order_id=held[0].id if held else None,
        iteration_number=allowed.iteration_number,
        starts_iteration=allowed.starts_iteration,
        pharmacy_id=pharmacy.id,
        pharmacist=actor.snapshot(),
        units=units,
        dispensed_at=now,
        status=DispensingStatus.completed,
    )
    repository.insert_dispensing(session, dispensing, lines)
    if held is not None:
        # The claim is fulfilled; the next iteration is free.
        repository.fulfil_order(session, citizen.id, held[0].id, status=OrderStatus.done, at=now)
    # The card shows what remains and the latest dispensing: its version (ETag) moves.
    citizen_repository.bump_card_version(session, citizen.id)
    return dispensing_read(session, dispensing, prescription, lines, drugs)


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
        sees_all_private=sees_private_prescriptions(actor, access),
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
        prescription.dispensed_units -= dispensing.units
        prescription.status = prescription_rules.status_after_undo(
            prescription.status,
            medication_status=medication_status,
            valid_to=prescription.valid_to,
            today=clock.local_date(now),
        )
        prescription.last_dispensed_at = repository.last_dispensed_at(
            session, citizen.id, prescription.id
        )
        prescription.iteration_started_at = repository.last_dispensed_at(
            session, citizen.id, prescription.id, starting=True
        )
        prescription.modified_at = now
        prescription.version += 1
        session.flush()
        citizen_repository.bump_card_version(session, citizen.id)
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
        dispensing, prescription, _ = _dispensing_and_prescription(
            session, actor, access, citizen, dispensing_id
        )
        result = dispensing_read(session, dispensing, prescription)
    session.commit()
    return result


def todays_dispensings(session: Session, actor: Actor) -> list[PharmacyDispensing]:
    """The caller's pharmacy's dispensings today (Copenhagen), newest first. Every citizen on
    the list gets an audit row."""
    with denials_recorded(
        session, actor, action="dispensing.list-today", resource_type="dispensing"
    ):
        if scope_of(actor.role, Permission.dispensing_write) is None:
            raise RoleNotAllowed("Only pharmacy staff list dispensings.")
        pharmacy = require_pharmacy(
            organisation_repository.get(session, actor.organisation_id or "")
        )
    start = datetime.combine(clock.today(), time(0), tzinfo=clock.COPENHAGEN)
    rows = repository.pharmacy_dispensings_since(session, pharmacy.id, start)
    for citizen_id in dict.fromkeys(d.citizen_id for d, _, _ in rows):
        audit.record(
            session,
            actor,
            action="dispensing.list-today",
            citizen_id=citizen_id,
            resource_type="dispensing",
            purpose=Purpose.treatment,
        )
    lines = repository.lines_of(session, [d for d, _, _ in rows])
    result = [
        PharmacyDispensing(
            citizen_name=citizen.name,
            citizen_cpr_masked=mask_cpr(citizen.cpr),
            dispensing=dispensing_read(session, d, prescription, lines[d.id]),
        )
        for d, prescription, citizen in rows
    ]
    session.commit()
    return result
