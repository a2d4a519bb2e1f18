"""A small, complete world for access tests: one citizen with every kind of object."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import Session

from medrecord import clock
from medrecord.access.actor import Role
from medrecord.models import (
    AuditEvent,
    Citizen,
    Dispensing,
    Drug,
    DrugPackage,
    Medication,
    MedicationCard,
    Organisation,
    PharmacyOrder,
    Prescription,
)
from tests.support.factories import (
    make_citizen,
    make_drug,
    make_medication,
    make_organisation,
    make_prescription,
    snapshot,
)
from tests.support.tokens import Tokens

OPERATIONS_ORG = "medrecord-operations"


@dataclass
class World:
    gp: Organisation
    hospital: Organisation
    pharmacy: Organisation
    citizen: Citizen
    drug: Drug
    package: DrugPackage
    medication: Medication  # active
    paused: Medication
    private: Medication  # marked private by the GP practice
    prescription: Prescription  # open, unclaimed
    claimed: Prescription  # claimed by the world's pharmacy
    order: PharmacyOrder
    dispensing: Dispensing  # by the world's pharmacy, today
    emergency_event: AuditEvent

    @property
    def cpr(self) -> str:
        return self.citizen.cpr

    def org_of(self, role: Role) -> str | None:
        return {
            Role.doctor: self.gp.id,
            Role.nurse: self.gp.id,
            Role.pharmacist: self.pharmacy.id,
            Role.pharmacy_assistant: self.pharmacy.id,
            Role.admin: OPERATIONS_ORG,
            Role.citizen: None,
        }[role]

    def headers(self, tokens: Tokens, role: Role | None) -> dict[str, str]:
        if role is None:
            return {}
        cpr = self.cpr if role is Role.citizen else None
        return tokens.headers(role=str(role), org=self.org_of(role), cpr=cpr)


def build_world(db: Session, *, unique: str = "") -> World:
    gp = make_organisation(db, kind="gp_practice")
    hospital = make_organisation(db, kind="hospital")
    pharmacy = make_organisation(db, kind="pharmacy", name=f"World Apotek {unique}")
    citizen = make_citizen(db, gp=gp, name=f"World Citizen {unique}")
    drug, package = make_drug(db, name=f"Worlddrug {unique}", substitution_group=f"W{unique}")
    medication = make_medication(db, citizen=citizen, drug=drug)
    paused = make_medication(db, citizen=citizen, drug=drug, status="paused")
    private = make_medication(db, citizen=citizen, drug=drug, private_organisation=gp)
    prescription = make_prescription(db, medication=medication, package=package, iterations=5)
    claimed = make_prescription(db, medication=medication, package=package, iterations=5)
    order = PharmacyOrder(
        citizen_id=citizen.id,
        prescription_id=claimed.id,
        pharmacy_id=pharmacy.id,
        ordered_by=snapshot(role="pharmacist"),
    )
    db.add(order)
    dispensed = make_prescription(
        db, medication=medication, package=package, iterations=2, dispensed_iterations=1
    )
    dispensing = Dispensing(
        citizen_id=citizen.id,
        prescription_id=dispensed.id,
        iteration_number=1,
        pharmacy_id=pharmacy.id,
        pharmacist=snapshot(role="pharmacist", org=pharmacy.id),
        drug_id=drug.id,
        package_number=package.package_number,
        package_quantity=1,
        dispensed_at=clock.now() - timedelta(hours=1),
    )
    db.add(dispensing)
    event = AuditEvent(
        id=uuid.uuid4(),
        occurred_at=clock.now(),
        actor_subject="er-doc",
        actor_name="ER Doctor",
        actor_role="doctor",
        actor_organisation_id=hospital.id,
        citizen_id=citizen.id,
        action="medication-card.read",
        resource_type="medication_card",
        purpose="emergency",
        reason="Unconscious patient brought to the ER",
        outcome="success",
        request_id="seed",
    )
    db.add(event)
    db.flush()
    return World(
        gp,
        hospital,
        pharmacy,
        citizen,
        drug,
        package,
        medication,
        paused,
        private,
        prescription,
        claimed,
        order,
        dispensing,
        event,
    )


def card_version(db: Session, citizen: Citizen) -> int:
    card = db.get(MedicationCard, citizen.id)
    assert card is not None
    db.refresh(card)
    return card.version
