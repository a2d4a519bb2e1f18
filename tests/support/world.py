"""Whole worlds for sweeping tests: one citizen with every kind of object (access, audit, fuzz),
and the committed arrangement the race tests share."""

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
    DispensingLine,
    Drug,
    DrugPackage,
    Medication,
    Organisation,
    PharmacyOrder,
    Prescription,
)
from tests.support.factories import (
    make_citizen,
    make_drug,
    make_medication,
    make_order,
    make_organisation,
    make_package,
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
    drug = make_drug(db, name=f"Worlddrug {unique}", substitution_group=f"W{unique}")
    package = make_package(db, drug=drug)
    medication = make_medication(db, citizen=citizen, drug=drug)
    paused = make_medication(db, citizen=citizen, drug=drug, status="paused")
    private = make_medication(db, citizen=citizen, drug=drug, private_organisation=gp)
    prescription = make_prescription(db, medication=medication, package=package, iterations=5)
    claimed = make_prescription(db, medication=medication, package=package, iterations=5)
    order = make_order(db, prescription=claimed, pharmacy=pharmacy)
    dispensed = make_prescription(
        db, medication=medication, package=package, iterations=2, dispensed_iterations=1
    )
    dispensing = Dispensing(
        citizen_id=citizen.id,
        prescription_id=dispensed.id,
        iteration_number=1,
        pharmacy_id=pharmacy.id,
        pharmacist=snapshot(role="pharmacist", org=pharmacy.id),
        units=package.size,
        dispensed_at=clock.now() - timedelta(hours=1),
    )
    db.add(dispensing)
    db.flush()
    db.add(
        DispensingLine(
            citizen_id=citizen.id,
            dispensing_id=dispensing.id,
            line_number=1,
            drug_id=drug.id,
            package_number=package.package_number,
            package_quantity=1,
            units=package.size,
        )
    )
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


@dataclass
class RaceWorld:
    """A citizen at a GP practice, ten pharmacies and one active medication, committed."""

    citizen: Citizen
    gp: Organisation
    pharmacies: list[Organisation]
    drug: Drug
    package: DrugPackage
    medication: Medication


def build_race_world(session: Session) -> RaceWorld:
    gp = make_organisation(session, kind="gp_practice")
    pharmacies = [make_organisation(session, kind="pharmacy") for _ in range(10)]
    citizen = make_citizen(session, gp=gp)
    drug = make_drug(session)
    package = make_package(session, drug=drug)
    medication = make_medication(session, citizen=citizen, drug=drug)
    session.commit()
    return RaceWorld(citizen, gp, pharmacies, drug, package, medication)
