"""Medication use cases: each checks access, applies the rules, audits, and commits once."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from medrecord import clock
from medrecord.access.actor import Actor
from medrecord.access.permissions import Permission
from medrecord.access.policy import DeclaredPurpose, authorize
from medrecord.audit import service as audit
from medrecord.citizen import service as citizen_service
from medrecord.medication import repository
from medrecord.medication.schemas import (
    CardMedication,
    CardPrescription,
    CitizenSummary,
    Claim,
    DispensingSummary,
    DrugSummary,
    MedicationCardRead,
    PersonRef,
)
from medrecord.models import Prescription, PrescriptionStatus


def effective_prescription_status(prescription: Prescription, today: date) -> str:
    """Expiry is computed from the validity window, never stored late."""
    if prescription.status == PrescriptionStatus.open and prescription.valid_to < today:
        return PrescriptionStatus.expired
    return prescription.status


def _person(snapshot: dict[str, Any] | None) -> PersonRef | None:
    if not snapshot:
        return None
    return PersonRef(
        name=snapshot["name"],
        role=snapshot["role"],
        organisation_id=snapshot.get("organisation_id"),
    )


def get_medication_card(
    session: Session,
    actor: Actor,
    *,
    cpr: str,
    declared: DeclaredPurpose,
    include_withdrawn: bool = False,
) -> MedicationCardRead:
    citizen = citizen_service.find_citizen(session, cpr)
    access = authorize(
        session,
        actor,
        citizen,
        Permission.card_read,
        declared,
        action="medication-card.read",
        resource_type="medication_card",
    )
    rows = repository.load_card(
        session,
        citizen.id,
        include_withdrawn=include_withdrawn,
        sees_all_private=access.sees_all_private,
        organisation_id=actor.organisation_id,
    )
    today = clock.today()
    claims = {
        order.prescription_id: Claim(
            order_id=order.id,
            pharmacy_id=order.pharmacy_id,
            pharmacy_name=name,
            status=order.status,
        )
        for order, name in rows.open_orders
    }
    latest = {
        d.prescription_id: DispensingSummary(
            id=d.id,
            dispensed_at=d.dispensed_at,
            pharmacy_id=d.pharmacy_id,
            package_number=d.package_number,
            package_quantity=d.package_quantity,
            substituted=d.substituted,
            status=d.status,
        )
        for d in rows.latest_dispensings
    }
    by_medication: dict[Any, list[CardPrescription]] = {}
    for p in rows.prescriptions:
        remaining = p.iterations - p.dispensed_iterations
        by_medication.setdefault(p.medication_id, []).append(
            CardPrescription(
                id=p.id,
                drug_id=p.drug_id,
                package_number=p.package_number,
                package_quantity=p.package_quantity,
                iterations=p.iterations,
                remaining_iterations=remaining,
                remaining_packages=remaining * p.package_quantity,
                iteration_interval_days=p.iteration_interval_days,
                valid_from=p.valid_from,
                valid_to=p.valid_to,
                status=effective_prescription_status(p, today),
                claimed_by=claims.get(p.id),
                prescriber=_person(p.prescriber),
                latest_dispensing=latest.get(p.id),
            )
        )
    medications = [
        CardMedication(
            id=m.id,
            version=m.version,
            drug=DrugSummary.model_validate(drug),
            indication_code=m.indication_code,
            indication_text=m.indication_text,
            route=m.route,
            dosage=m.dosage,
            dosage_text=m.dosage_text,
            substitution_allowed=m.substitution_allowed,
            start_date=m.start_date,
            started_previously=m.started_previously,
            end_date=m.end_date,
            status=m.status,
            paused_from=m.paused_from,
            paused_to=m.paused_to,
            withdrawal_reason=m.withdrawal_reason,
            private=m.private,
            modified_at=m.modified_at,
            modified_by=_person(m.modified_by),
            prescriptions=by_medication.get(m.id, []),
        )
        for m, drug in rows.medications
    ]
    result = MedicationCardRead(
        citizen=CitizenSummary(
            cpr=citizen.cpr,
            name=citizen.name,
            birth_date=citizen.birth_date,
            gp_practice_id=citizen.gp_practice_id,
        ),
        version=rows.card.version,
        reviewed_at=rows.card.reviewed_at,
        reviewed_by=_person(rows.card.reviewed_by),
        medications=medications,
    )
    audit.record(
        session,
        actor,
        action="medication-card.read",
        citizen_id=citizen.id,
        resource_type="medication_card",
        purpose=access.purpose,
        reason=access.reason,
    )
    session.commit()
    return result
