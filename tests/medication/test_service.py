"""Medication use cases called directly, each on a session of its own as a request would be:
what one call changes, and that its audit row commits with it or not at all."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from medrecord.access.actor import Actor, Role
from medrecord.access.policy import DeclaredPurpose
from medrecord.audit import service as audit_service
from medrecord.dosage.examples import daily
from medrecord.errors import AccessDenied, PreconditionFailed
from medrecord.medication import service as medication_service
from medrecord.medication.schemas import MedicationRead, MedicationWithdraw, MedicationWrite
from medrecord.models import (
    Citizen,
    Drug,
    DrugPackage,
    Medication,
    MedicationVersion,
    Organisation,
    PharmacyOrder,
    Prescription,
)
from tests.support.factories import make_actor, make_order, make_prescription
from tests.support.http import medication_body
from tests.support.queries import audit_rows, card_version


def withdraw(
    session_factory: sessionmaker[Session],
    actor: Actor,
    medication: Medication,
    *,
    cpr: str,
    expected_version: int = 1,
) -> MedicationRead:
    with session_factory() as session:
        return medication_service.withdraw_medication(
            session,
            actor,
            cpr=cpr,
            medication_id=medication.id,
            declared=DeclaredPurpose(),
            expected_version=expected_version,
            withdraw=MedicationWithdraw(reason="Side effects"),
        )


def audited(db: Session, citizen: Citizen) -> list[tuple[str, str]]:
    return [(row.action, row.outcome) for row in audit_rows(db, citizen)]


def stored(db: Session, row: Medication | Prescription | PharmacyOrder) -> str:
    db.refresh(row)
    return row.status


def test_withdrawal_cancels_open_prescriptions_and_their_claims_with_one_audit_row(
    session_factory: sessionmaker[Session],
    db: Session,
    doctor_actor: Actor,
    citizen: Citizen,
    medication: Medication,
    prescription: Prescription,
    package: DrugPackage,
    pharmacy: Organisation,
) -> None:
    order = make_order(db, prescription=prescription, pharmacy=pharmacy)
    completed = make_prescription(
        db, medication=medication, package=package, iterations=1, dispensed_iterations=1
    )

    result = withdraw(session_factory, doctor_actor, medication, cpr=citizen.cpr)

    assert (result.status, result.version, result.withdrawal_reason) == (
        "withdrawn",
        2,
        "Side effects",
    )
    assert stored(db, prescription) == "cancelled"
    assert prescription.cancellation_reason == "Medication withdrawn: Side effects"
    assert stored(db, order) == "cancelled"
    assert stored(db, completed) == "completed"
    assert audited(db, citizen) == [("medication.withdrawn", "success")]
    assert card_version(db, citizen) == 2
    versions = db.scalars(
        select(MedicationVersion.change)
        .where(MedicationVersion.medication_id == medication.id)
        .order_by(MedicationVersion.version)
    ).all()
    assert versions == ["created", "withdrawn"]


def test_a_withdrawal_whose_audit_row_cannot_be_written_changes_nothing(
    session_factory: sessionmaker[Session],
    db: Session,
    doctor_actor: Actor,
    citizen: Citizen,
    medication: Medication,
    prescription: Prescription,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(audit_service, "record", broken)

    with pytest.raises(RuntimeError, match="audit store unavailable"):
        withdraw(session_factory, doctor_actor, medication, cpr=citizen.cpr)

    assert stored(db, medication) == "active"
    assert stored(db, prescription) == "open"
    assert card_version(db, citizen) == 1
    assert audited(db, citizen) == []


def test_a_stale_withdrawal_changes_nothing_and_leaves_one_failed_audit_row(
    session_factory: sessionmaker[Session],
    db: Session,
    doctor_actor: Actor,
    citizen: Citizen,
    medication: Medication,
    prescription: Prescription,
) -> None:
    with pytest.raises(PreconditionFailed):
        withdraw(session_factory, doctor_actor, medication, cpr=citizen.cpr, expected_version=7)

    assert stored(db, medication) == "active"
    assert stored(db, prescription) == "open"
    assert card_version(db, citizen) == 1
    assert audited(db, citizen) == [("medication.withdrawn", "failed")]


def test_a_nurse_may_not_withdraw_and_the_denial_is_audited(
    session_factory: sessionmaker[Session],
    db: Session,
    gp: Organisation,
    citizen: Citizen,
    medication: Medication,
) -> None:
    nurse = make_actor(role=Role.nurse, organisation=gp)

    with pytest.raises(AccessDenied):
        withdraw(session_factory, nurse, medication, cpr=citizen.cpr)

    assert stored(db, medication) == "active"
    assert audited(db, citizen) == [("medication.withdrawn", "denied")]


def test_creating_a_medication_writes_version_one_bumps_the_card_and_audits_it(
    session_factory: sessionmaker[Session],
    db: Session,
    doctor_actor: Actor,
    citizen: Citizen,
    drug: Drug,
) -> None:
    write = MedicationWrite.model_validate(medication_body(drug.id, dosage=daily(evening=2)))

    with session_factory() as session:
        created = medication_service.create_medication(
            session, doctor_actor, cpr=citizen.cpr, declared=DeclaredPurpose(), write=write
        )

    assert (created.version, created.status, created.dosage_text) == (
        1,
        "active",
        "2 tabletter aften",
    )
    assert created.created_by.name == "Dr. Karen Jensen"
    assert card_version(db, citizen) == 2
    [version] = db.scalars(
        select(MedicationVersion).where(MedicationVersion.medication_id == created.id)
    ).all()
    assert (version.version, version.change) == (1, "created")
    [row] = audit_rows(db, citizen)
    assert (row.action, row.outcome, row.resource_id) == (
        "medication.create",
        "success",
        str(created.id),
    )
