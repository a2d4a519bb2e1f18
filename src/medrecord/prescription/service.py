"""Prescription and pharmacy-order use cases."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from medrecord import clock
from medrecord.access.actor import Actor
from medrecord.access.guard import guarded
from medrecord.access.permissions import Permission, Scope, scope_of
from medrecord.access.policy import Access, DeclaredPurpose
from medrecord.db import map_integrity_errors
from medrecord.errors import AccessDenied, Conflict, NotFound, RuleViolation
from medrecord.medication import repository as medication_repository
from medrecord.medication import service as medication_service
from medrecord.medication.schemas import CitizenSummary, Claim, DrugSummary
from medrecord.models import (
    Citizen,
    Drug,
    DrugPackage,
    Medication,
    MedicationStatus,
    OrderStatus,
    Organisation,
    PharmacyOrder,
    Prescription,
    PrescriptionStatus,
)
from medrecord.prescription import repository, rules
from medrecord.prescription.schemas import (
    DispensaryView,
    OrderCancel,
    OrderRead,
    PrescriptionCancel,
    PrescriptionCreate,
    PrescriptionRead,
)

ONE_OPEN_ORDER = "uq_pharmacy_order_one_open_per_prescription"


def prescription_read(
    p: Prescription, drug: Drug, claim: tuple[PharmacyOrder, str] | None = None
) -> PrescriptionRead:
    remaining = p.iterations - p.dispensed_iterations
    return PrescriptionRead(
        id=p.id,
        medication_id=p.medication_id,
        medication_version=p.medication_version,
        drug_id=p.drug_id,
        drug=DrugSummary.model_validate(drug),
        package_number=p.package_number,
        package_quantity=p.package_quantity,
        iterations=p.iterations,
        remaining_iterations=remaining,
        remaining_packages=remaining * p.package_quantity,
        iteration_interval_days=p.iteration_interval_days,
        valid_from=p.valid_from,
        valid_to=p.valid_to,
        substitution_allowed=p.substitution_allowed,
        status=rules.effective_status(p.status, p.valid_to, clock.today()),
        cancellation_reason=p.cancellation_reason,
        last_dispensed_at=p.last_dispensed_at,
        prescriber=medication_service.person(p.prescriber),
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


def order_read(order: PharmacyOrder, pharmacy_name: str) -> OrderRead:
    return OrderRead(
        id=order.id,
        prescription_id=order.prescription_id,
        pharmacy_id=order.pharmacy_id,
        pharmacy_name=pharmacy_name,
        status=order.status,
        ordered_by=medication_service.person(order.ordered_by),
        created_at=order.created_at,
    )


def visible_prescription(
    session: Session,
    actor: Actor,
    access: Access,
    citizen: Citizen,
    prescription_id: uuid.UUID,
    *,
    lock: bool = False,
) -> tuple[Prescription, Medication]:
    """The prescription and its medication, or 404 when it does not exist for this caller."""
    prescription = repository.get_prescription(session, citizen.id, prescription_id, lock=lock)
    found = (
        None
        if prescription is None
        else medication_repository.get_medication(session, citizen.id, prescription.medication_id)
    )
    if (
        prescription is None
        or found is None
        or not medication_service.visible(found[0], actor, access)
    ):
        raise NotFound("The citizen has no such prescription.", code="prescription-not-found")
    return prescription, found[0]


def not_dispensable_because(prescription: Prescription, medication_status: str) -> Conflict | None:
    """Why no iteration may go out today, or None."""
    return rules.why_not_dispensable(
        status=prescription.status,
        valid_from=prescription.valid_from,
        valid_to=prescription.valid_to,
        iterations=prescription.iterations,
        dispensed_iterations=prescription.dispensed_iterations,
        medication_status=medication_status,
        today=clock.today(),
    )


def lock_dispensable(
    session: Session, actor: Actor, access: Access, citizen: Citizen, prescription_id: uuid.UUID
) -> tuple[Prescription, Medication]:
    """The prescription, locked for claiming or dispensing; a Conflict when it cannot be."""
    prescription, medication = visible_prescription(
        session, actor, access, citizen, prescription_id, lock=True
    )
    problem = not_dispensable_because(prescription, medication.status)
    if problem is not None:
        raise problem
    return prescription, medication


def prescribe(
    session: Session,
    actor: Actor,
    *,
    cpr: str,
    declared: DeclaredPurpose,
    command: PrescriptionCreate,
) -> PrescriptionRead:
    with guarded(
        session,
        actor,
        cpr=cpr,
        declared=declared,
        permission=Permission.prescription_write,
        action="prescription.create",
        resource_type="prescription",
    ) as (citizen, access, entry):
        # Locked: the medication cannot be withdrawn or changed while we prescribe from it.
        found = medication_repository.get_medication(
            session, citizen.id, command.medication_id, lock=True
        )
        if found is None or not medication_service.visible(found[0], actor, access):
            raise NotFound("The citizen has no such medication.", code="medication-not-found")
        medication, drug = found
        if medication.status != MedicationStatus.active:
            raise Conflict(
                f"Only an active medication can be prescribed; this one is {medication.status}.",
                code="medication-not-active",
            )
        package = session.get(DrugPackage, command.package_number)
        if package is None or package.drug_id != drug.id:
            raise RuleViolation(
                "The package is not a package of the medication's drug.",
                code="package-not-of-drug",
            )
        if command.valid_to < clock.today():
            raise RuleViolation("The validity window has already ended.", code="invalid-validity")
        now = clock.now()
        prescription = Prescription(
            id=uuid.uuid4(),
            citizen_id=citizen.id,
            medication_id=medication.id,
            medication_version=medication.version,
            drug_id=drug.id,
            package_number=package.package_number,
            package_quantity=command.package_quantity,
            iterations=command.iterations,
            iteration_interval_days=command.iteration_interval_days,
            valid_from=command.valid_from,
            valid_to=command.valid_to,
            substitution_allowed=command.substitution_allowed and medication.substitution_allowed,
            status=PrescriptionStatus.open,
            dispensed_iterations=0,
            prescriber=actor.snapshot(),
            version=1,
            created_at=now,
            modified_at=now,
        )
        session.add(prescription)
        session.flush()
        medication_repository.bump_card_version(session, citizen.id)
        entry.resource_id = prescription.id
        result = prescription_read(prescription, drug)
    session.commit()
    return result


def _visible_prescriptions(
    session: Session, actor: Actor, access: Access, citizen: Citizen, *, status: str | None
) -> list[PrescriptionRead]:
    """Prescriptions the caller may see. Pharmacies without consent see only what can be
    dispensed today (SPEC §3)."""
    only_dispensable = (
        scope_of(actor.role, Permission.dispensable_prescription_read) is Scope.any
        and not access.sees_all_private
    )
    rows = repository.visible_prescriptions(
        session,
        citizen.id,
        sees_all_private=access.sees_all_private,
        organisation_id=actor.organisation_id,
    )
    result = []
    for prescription, drug, medication_status, claim in rows:
        if only_dispensable and not_dispensable_because(prescription, medication_status):
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
            citizen=CitizenSummary(
                cpr=citizen.cpr,
                name=citizen.name,
                birth_date=citizen.birth_date,
                gp_practice_id=citizen.gp_practice_id,
            ),
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
        prescription, _ = visible_prescription(
            session, actor, access, citizen, prescription_id, lock=True
        )
        if prescription.status != PrescriptionStatus.open:
            raise Conflict(
                f"Only an open prescription can be cancelled; this one is {prescription.status}.",
                code="prescription-not-open",
            )
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
        medication_repository.bump_card_version(session, citizen.id)
        result = prescription_read(prescription, session.get_one(Drug, prescription.drug_id))
    session.commit()
    return result


def order_prescription(
    session: Session,
    actor: Actor,
    *,
    cpr: str,
    prescription_id: uuid.UUID,
    declared: DeclaredPurpose,
) -> tuple[OrderRead, bool]:
    """Claim an open prescription for the caller's pharmacy. Returns (order, created)."""
    with guarded(
        session,
        actor,
        cpr=cpr,
        declared=declared,
        permission=Permission.dispensing_write,
        action="pharmacy-order.create",
        resource_type="prescription",
        resource_id=prescription_id,
    ) as (citizen, access, entry):
        prescription, _ = lock_dispensable(session, actor, access, citizen, prescription_id)
        held = repository.open_order(session, citizen.id, prescription.id)
        if held is not None:
            order, holder = held
            if order.pharmacy_id != actor.organisation_id:
                raise claimed_by(order, holder)
            result, created = order_read(order, holder), False
        else:
            pharmacy = pharmacy_of(session, actor)
            now = clock.now()
            order = PharmacyOrder(
                id=uuid.uuid4(),
                citizen_id=citizen.id,
                prescription_id=prescription.id,
                pharmacy_id=pharmacy.id,
                status=OrderStatus.ordered,
                ordered_by=actor.snapshot(),
                created_at=now,
                modified_at=now,
            )
            session.add(order)
            # The prescription row lock serialises claims; the unique index is the backstop.
            with map_integrity_errors(
                {ONE_OPEN_ORDER: Conflict("Another pharmacy has just claimed the prescription.",
                                          code="prescription-claimed")}
            ):  # fmt: skip
                session.flush()
            medication_repository.bump_card_version(session, citizen.id)
            result, created = order_read(order, pharmacy.name), True
        entry.resource_type, entry.resource_id = "pharmacy_order", result.id
    session.commit()
    return result, created


def claimed_by(order: PharmacyOrder, pharmacy_name: str) -> Conflict:
    return Conflict(
        f"The prescription is claimed by {pharmacy_name}.",
        code="prescription-claimed",
        claimed_by={"pharmacy_id": order.pharmacy_id, "pharmacy_name": pharmacy_name},
    )


def pharmacy_of(session: Session, actor: Actor) -> Organisation:
    pharmacy = session.get(Organisation, actor.organisation_id or "")
    if pharmacy is None or pharmacy.kind != "pharmacy":
        raise AccessDenied("Your organisation is not a registered pharmacy.", code="not-a-pharmacy")
    return pharmacy


def cancel_order(
    session: Session,
    actor: Actor,
    *,
    cpr: str,
    order_id: uuid.UUID,
    declared: DeclaredPurpose,
    command: OrderCancel,
) -> OrderRead:
    with guarded(
        session,
        actor,
        cpr=cpr,
        declared=declared,
        permission=Permission.dispensing_write,
        action="pharmacy-order.cancel",
        resource_type="pharmacy_order",
        resource_id=order_id,
    ) as (citizen, access, _entry):
        order = repository.get_order(session, citizen.id, order_id, lock=True)
        if order is None:
            raise NotFound("The citizen has no such order.", code="order-not-found")
        visible_prescription(session, actor, access, citizen, order.prescription_id)
        if order.pharmacy_id != actor.organisation_id:
            raise AccessDenied(
                "Only the pharmacy holding the order may cancel it.", code="not-order-holder"
            )
        if order.status not in (OrderStatus.ordered, OrderStatus.dispensing):
            raise Conflict(f"The order is already {order.status}.", code="order-not-open")
        order.status = OrderStatus.cancelled
        order.cancellation_reason = command.reason
        order.modified_at = clock.now()
        session.flush()
        medication_repository.bump_card_version(session, citizen.id)
        pharmacy = session.get(Organisation, order.pharmacy_id)
        result = order_read(order, pharmacy.name if pharmacy else order.pharmacy_id)
    session.commit()
    return result
