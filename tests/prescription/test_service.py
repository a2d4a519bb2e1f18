"""Prescription and pharmacy-order use cases called directly, each on a session of its own."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from medrecord import clock
from medrecord.access.actor import Actor, Role
from medrecord.access.policy import DeclaredPurpose
from medrecord.errors import Conflict
from medrecord.models import (
    Citizen,
    DrugPackage,
    Medication,
    Organisation,
    PharmacyOrder,
    Prescription,
)
from medrecord.prescription import orders as order_service
from medrecord.prescription import service as prescription_service
from medrecord.prescription.schemas import (
    OrderCancel,
    OrderRead,
    PrescriptionCancel,
    PrescriptionCreate,
)
from tests.support.factories import make_actor, make_order, make_organisation
from tests.support.queries import audit_rows, card_version


def order(
    session_factory: sessionmaker[Session], actor: Actor, prescription: Prescription, cpr: str
) -> tuple[OrderRead, bool]:
    with session_factory() as session:
        return order_service.order_prescription(
            session, actor, cpr=cpr, prescription_id=prescription.id, declared=DeclaredPurpose()
        )


def orders_of(db: Session, prescription: Prescription) -> list[tuple[str, str]]:
    db.expire_all()
    return [
        (o.pharmacy_id, o.status)
        for o in db.scalars(
            select(PharmacyOrder)
            .where(PharmacyOrder.prescription_id == prescription.id)
            .order_by(PharmacyOrder.created_at)
        )
    ]


def test_order_then_cancel_order_frees_the_prescription_for_another_pharmacy(
    session_factory: sessionmaker[Session],
    db: Session,
    pharmacist_actor: Actor,
    pharmacy: Organisation,
    citizen: Citizen,
    prescription: Prescription,
) -> None:
    other_pharmacy = make_organisation(db, kind="pharmacy", name="Vesterbro Apotek")
    other = make_actor(role=Role.pharmacist, organisation=other_pharmacy)

    claimed, created = order(session_factory, pharmacist_actor, prescription, citizen.cpr)
    again, created_again = order(session_factory, pharmacist_actor, prescription, citizen.cpr)
    with session_factory() as session:
        cancelled = order_service.cancel_order(
            session,
            pharmacist_actor,
            cpr=citizen.cpr,
            order_id=claimed.id,
            declared=DeclaredPurpose(),
            command=OrderCancel(reason="Customer went elsewhere"),
        )
    taken_over, created_by_other = order(session_factory, other, prescription, citizen.cpr)

    assert (created, created_again, again.id) == (True, False, claimed.id)
    assert cancelled.status == "cancelled"
    assert created_by_other and taken_over.pharmacy_name == "Vesterbro Apotek"
    assert orders_of(db, prescription) == [
        (pharmacy.id, "cancelled"),
        (other_pharmacy.id, "ordered"),
    ]
    rows = audit_rows(db, citizen)
    assert [(r.action, r.outcome) for r in rows] == [
        ("pharmacy-order.create", "success"),
        ("pharmacy-order.create", "success"),
        ("pharmacy-order.cancel", "success"),
        ("pharmacy-order.create", "success"),
    ]
    assert {r.resource_id for r in rows[:3]} == {str(claimed.id)}


def test_a_claimed_prescription_is_refused_to_another_pharmacy_naming_the_holder(
    session_factory: sessionmaker[Session],
    db: Session,
    pharmacist_actor: Actor,
    pharmacy: Organisation,
    citizen: Citizen,
    prescription: Prescription,
) -> None:
    make_order(db, prescription=prescription, pharmacy=pharmacy)
    other = make_actor(role=Role.pharmacist, organisation=make_organisation(db, kind="pharmacy"))

    with pytest.raises(Conflict) as refused:
        order(session_factory, other, prescription, citizen.cpr)

    assert refused.value.code == "prescription-claimed"
    assert refused.value.extra["claimed_by"] == {
        "pharmacy_id": pharmacy.id,
        "pharmacy_name": "Nørrebro Apotek",
    }
    assert orders_of(db, prescription) == [(pharmacy.id, "ordered")]
    assert [(r.action, r.outcome) for r in audit_rows(db, citizen)] == [
        ("pharmacy-order.create", "failed")
    ]


def test_cancelling_a_prescription_cancels_its_open_order_and_bumps_the_card(
    session_factory: sessionmaker[Session],
    db: Session,
    doctor_actor: Actor,
    pharmacy: Organisation,
    citizen: Citizen,
    prescription: Prescription,
) -> None:
    claim = make_order(db, prescription=prescription, pharmacy=pharmacy)

    with session_factory() as session:
        cancelled = prescription_service.cancel_prescription(
            session,
            doctor_actor,
            cpr=citizen.cpr,
            prescription_id=prescription.id,
            declared=DeclaredPurpose(),
            command=PrescriptionCancel(reason="Dose changed"),
        )

    assert (cancelled.status, cancelled.cancellation_reason) == ("cancelled", "Dose changed")
    db.refresh(claim)
    assert (claim.status, claim.cancellation_reason) == (
        "cancelled",
        "Prescription cancelled: Dose changed",
    )
    assert card_version(db, citizen) == 2


def test_a_prescription_pins_the_medication_version_and_its_substitution_ban(
    session_factory: sessionmaker[Session],
    db: Session,
    doctor_actor: Actor,
    citizen: Citizen,
    medication: Medication,
    package: DrugPackage,
) -> None:
    medication.version, medication.substitution_allowed = 3, False
    db.flush()
    today = clock.today()
    command = PrescriptionCreate(
        medication_id=medication.id,
        package_number=package.package_number,
        iterations=3,
        iteration_interval_days=30,
        valid_from=today,
        valid_to=today + timedelta(days=365),
        substitution_allowed=True,
    )

    with session_factory() as session:
        prescribed = prescription_service.prescribe(
            session, doctor_actor, cpr=citizen.cpr, declared=DeclaredPurpose(), command=command
        )

    stored = db.get_one(Prescription, (citizen.id, prescribed.id))
    assert (stored.medication_version, stored.substitution_allowed) == (3, False)
    assert (prescribed.status, prescribed.remaining_iterations) == ("open", 3)
    assert prescribed.prescriber.name == "Dr. Karen Jensen"
