"""Prescription use cases: prescribe, list, the pharmacy counter's view, cancel."""

from __future__ import annotations

import uuid
from decimal import Decimal

from sqlalchemy.orm import Session

from medrecord import clock, idempotency
from medrecord.access.actor import Actor
from medrecord.access.permissions import Permission, Scope, scope_of
from medrecord.access.policy import (
    Access,
    DeclaredPurpose,
    sees_private_item,
    sees_private_prescriptions,
)
from medrecord.access.schemas import PersonRef
from medrecord.citizen import repository as citizen_repository
from medrecord.citizen.schemas import CitizenSummary
from medrecord.drug import repository as drug_repository
from medrecord.drug.schemas import DrugSummary
from medrecord.errors import raise_if
from medrecord.guard import guarded
from medrecord.models import (
    Citizen,
    Drug,
    OrderStatus,
    PharmacyOrder,
    Prescription,
    PrescriptionStatus,
)
from medrecord.prescription import repository, rules
from medrecord.prescription.schemas import (
    Claim,
    DispensaryView,
    PrescriptionCancel,
    PrescriptionCreate,
    PrescriptionRead,
)
from medrecord.problems import MedicationNotFound, PackageNotOfDrug


def prescription_read(
    p: Prescription, drug: Drug, claim: tuple[PharmacyOrder, str] | None = None
) -> PrescriptionRead:
    remaining = p.prescribed_units - p.dispensed_units
    status = rules.effective_status(p.status, p.valid_to, clock.today())
    now = rules.allowance(
        prescribed_units=p.prescribed_units,
        dispensed_units=p.dispensed_units,
        units_per_iteration=p.units_per_iteration,
    )
    dispensable = status == PrescriptionStatus.open and remaining > 0
    return PrescriptionRead(
        id=p.id,
        medication_id=p.medication_id,
        medication_version=p.medication_version,
        drug_id=p.drug_id,
        drug=DrugSummary.model_validate(drug),
        package_number=p.package_number,
        package_quantity=p.package_quantity,
        package_size=p.package_size,
        iterations=p.iterations,
        unit=p.unit,
        units_per_iteration=p.units_per_iteration,
        prescribed_units=p.prescribed_units,
        dispensed_units=p.dispensed_units,
        remaining_units=remaining,
        remaining_iterations=rules.remaining_iterations(remaining, p.units_per_iteration),
        dispensable_now_units=now.units if dispensable else Decimal(0),
        earliest_next_iteration=rules.earliest_next_iteration(
            p.iteration_started_at, p.iteration_interval, p.iteration_interval_unit
        )
        if dispensable and now.starts_iteration
        else None,
        iteration_interval=p.iteration_interval,
        iteration_interval_unit=p.iteration_interval_unit,
        dosage_texts=p.dosage_texts,
        indication_code=p.indication_code,
        indication_text=p.indication_text,
        supplementary_instructions=p.supplementary_instructions,
        valid_from=p.valid_from,
        valid_to=p.valid_to,
        substitution_allowed=p.substitution_allowed,
        status=status,
        cancellation_reason=p.cancellation_reason,
        invalid_reason=p.invalid_reason,
        last_dispensed_at=p.last_dispensed_at,
        prescriber=PersonRef.of(p.prescriber),
        claimed_by=None
        if claim is None
        else Claim(
            order_id=claim[0].id,
            pharmacy_id=claim[0].pharmacy_id,
            pharmacy_name=claim[1],
            status=claim[0].status,
        ),
        created_at=p.created_at,
    )


def prescribe(
    session: Session,
    actor: Actor,
    *,
    cpr: str,
    declared: DeclaredPurpose,
    command: PrescriptionCreate,
    idempotency_key: str | None = None,
) -> PrescriptionRead:
    """Prescribe from an active medication. With an Idempotency-Key, a retry whose first
    answer was lost gets that answer instead of a second prescription."""
    with guarded(
        session,
        actor,
        cpr=cpr,
        declared=declared,
        permission=Permission.prescription_write,
        action="prescription.create",
        resource_type="prescription",
    ) as (citizen, access, entry):
        record, first = idempotency.begin(
            session,
            citizen_id=citizen.id,
            subject=actor.subject,
            key=idempotency_key,
            request={"operation": "prescription.create", "body": command.model_dump(mode="json")},
            now=clock.now(),
        )
        if first is not None:
            result = PrescriptionRead.model_validate(first)
            entry.action = "prescription.replay"
        else:
            result = _prescribe(session, actor, access, citizen, command)
            idempotency.answered(record, 201, result.model_dump(mode="json"))
        entry.resource_id = result.id
    session.commit()
    return result


def _prescribe(
    session: Session, actor: Actor, access: Access, citizen: Citizen, command: PrescriptionCreate
) -> PrescriptionRead:
    medication = repository.lock_medication(session, citizen.id, command.medication_id)
    if medication is None or not sees_private_item(
        access,
        organisation_id=actor.organisation_id,
        private=medication.private,
        marked_by=medication.private_organisation_id,
    ):
        raise MedicationNotFound()
    raise_if(rules.prescribing_problem(medication.status_on(clock.today())))
    drug = drug_repository.get_drug(session, medication.drug_id)
    package = drug_repository.get_package(session, command.package_number)
    if drug is None or package is None or package.drug_id != drug.id:
        raise PackageNotOfDrug()
    raise_if(
        rules.validity_problem(
            valid_from=command.valid_from, valid_to=command.valid_to, today=clock.today()
        )
    )
    raise_if(rules.iterations_problem(drug.dispensing_group, command.iterations))
    now = clock.now()
    interval = command.interval()
    per_iteration = package.size * command.package_quantity
    prescription = Prescription(
        id=uuid.uuid4(),
        citizen_id=citizen.id,
        medication_id=medication.id,
        medication_version=medication.version,
        drug_id=drug.id,
        package_number=package.package_number,
        package_quantity=command.package_quantity,
        iterations=command.iterations,
        iteration_interval=interval[0] if interval else None,
        iteration_interval_unit=interval[1] if interval else None,
        unit=package.unit,
        units_per_iteration=per_iteration,
        prescribed_units=per_iteration * command.iterations,
        dispensed_units=Decimal(0),
        # The label's texts, as of the medication version prescribed from.
        dosage_texts=medication.dosage_derived["texts"],
        indication_code=medication.indication_code,
        indication_text=medication.indication_text,
        supplementary_instructions=command.supplementary_instructions,
        valid_from=command.valid_from,
        valid_to=command.valid_to,
        substitution_allowed=command.substitution_allowed and medication.substitution_allowed,
        status=PrescriptionStatus.open,
        prescriber=actor.snapshot(),
        version=1,
        created_at=now,
        modified_at=now,
    )
    repository.add(session, prescription)
    citizen_repository.bump_card_version(session, citizen.id)
    return prescription_read(prescription, drug)


def _visible_prescriptions(
    session: Session, actor: Actor, access: Access, citizen: Citizen, *, status: str | None
) -> list[PrescriptionRead]:
    """Prescriptions the caller may see. Pharmacies without consent see only what can be
    dispensed today, private ones included (SPEC §3)."""
    only_dispensable = (
        scope_of(actor.role, Permission.dispensable_prescription_read) is Scope.any
        and not access.sees_all_private
    )
    rows = repository.visible_prescriptions(
        session,
        citizen.id,
        sees_all_private=sees_private_prescriptions(actor, access),
        organisation_id=actor.organisation_id,
    )
    today = clock.today()
    result = []
    for prescription, drug, medication_status, claim in rows:
        if only_dispensable and rules.dispensable_problem(
            prescription, medication_status=medication_status, today=today
        ):
            continue
        read = prescription_read(prescription, drug, claim)
        if status is None or read.status == status:
            result.append(read)
    return result


def list_prescriptions(
    session: Session,
    actor: Actor,
    *,
    cpr: str,
    declared: DeclaredPurpose,
    status: str | None,
    limit: int,
    offset: int,
) -> list[PrescriptionRead]:
    with guarded(
        session,
        actor,
        cpr=cpr,
        declared=declared,
        permission=Permission.dispensable_prescription_read,
        action="prescription.list",
        resource_type="prescription",
    ) as (citizen, access, _entry):
        result = _visible_prescriptions(session, actor, access, citizen, status=status)
        result = result[offset : offset + limit]
    session.commit()
    return result


def dispensary_view(
    session: Session, actor: Actor, *, cpr: str, declared: DeclaredPurpose
) -> DispensaryView:
    """The pharmacy counter's view: the citizen's identity and what can be dispensed."""
    with guarded(
        session,
        actor,
        cpr=cpr,
        declared=declared,
        permission=Permission.dispensable_prescription_read,
        action="dispensary.view",
        resource_type="prescription",
    ) as (citizen, access, _entry):
        result = DispensaryView(
            citizen=CitizenSummary.model_validate(citizen),
            prescriptions=_visible_prescriptions(session, actor, access, citizen, status=None),
        )
    session.commit()
    return result


def cancel_prescription(
    session: Session,
    actor: Actor,
    *,
    cpr: str,
    prescription_id: uuid.UUID,
    declared: DeclaredPurpose,
    command: PrescriptionCancel,
) -> PrescriptionRead:
    with guarded(
        session,
        actor,
        cpr=cpr,
        declared=declared,
        permission=Permission.prescription_write,
        action="prescription.cancel",
        resource_type="prescription",
        resource_id=prescription_id,
    ) as (citizen, access, _entry):
        prescription, _ = repository.find_visible(
            session,
            citizen.id,
            prescription_id,
            sees_all_private=access.sees_all_private,
            organisation_id=actor.organisation_id,
            lock=True,
        )
        raise_if(rules.cancel_problem(prescription.status))
        now = clock.now()
        prescription.status = PrescriptionStatus.cancelled
        prescription.cancellation_reason = command.reason
        prescription.modified_at = now
        prescription.version += 1
        repository.close_open_orders(
            session,
            citizen.id,
            [prescription.id],
            status=OrderStatus.cancelled,
            at=now,
            reason=f"Prescription cancelled: {command.reason}",
        )
        session.flush()
        citizen_repository.bump_card_version(session, citizen.id)
        drug = drug_repository.get_drug(session, prescription.drug_id)
        assert drug is not None  # noqa: S101 - a foreign key holds it
        result = prescription_read(prescription, drug)
    session.commit()
    return result
