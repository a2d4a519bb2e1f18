"""Dispensing use cases called directly, each on a session of its own as a request would be."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from medrecord import clock
from medrecord.access.actor import Actor, Role
from medrecord.access.policy import DeclaredPurpose
from medrecord.dispensing import service as dispensing_service
from medrecord.dispensing.schemas import DispensingCreate, DispensingRead, DispensingUndo
from medrecord.errors import AccessDenied, RuleViolation
from medrecord.models import Citizen, Dispensing, Prescription
from tests.support.factories import make_actor, make_organisation
from tests.support.queries import audit_rows, dispensed_iterations


def dispense(
    session_factory: sessionmaker[Session],
    actor: Actor,
    prescription: Prescription,
    citizen: Citizen,
    *,
    key: str | None = None,
    command: DispensingCreate | None = None,
) -> tuple[DispensingRead, bool]:
    with session_factory() as session:
        return dispensing_service.dispense(
            session,
            actor,
            cpr=citizen.cpr,
            prescription_id=prescription.id,
            declared=DeclaredPurpose(),
            command=command or DispensingCreate(),
            idempotency_key=key or str(uuid.uuid4()),
        )


def undo(
    session_factory: sessionmaker[Session],
    actor: Actor,
    dispensing: DispensingRead,
    citizen: Citizen,
) -> DispensingRead:
    with session_factory() as session:
        return dispensing_service.undo_dispensing(
            session,
            actor,
            cpr=citizen.cpr,
            dispensing_id=dispensing.id,
            declared=DeclaredPurpose(),
            command=DispensingUndo(reason="Wrong citizen at the counter"),
        )


def dispensings_of(db: Session, prescription: Prescription) -> int:
    count = select(func.count()).where(Dispensing.prescription_id == prescription.id)
    return db.scalar(count) or 0


def audited(db: Session, citizen: Citizen) -> list[tuple[str, str]]:
    return [(row.action, row.outcome) for row in audit_rows(db, citizen)]


def test_dispense_then_undo_restores_the_iteration(
    session_factory: sessionmaker[Session],
    db: Session,
    pharmacist_actor: Actor,
    citizen: Citizen,
    prescription: Prescription,
) -> None:
    dispensed, replayed = dispense(session_factory, pharmacist_actor, prescription, citizen)
    db.refresh(prescription)
    taken = (dispensed_iterations(prescription), prescription.last_dispensed_at)

    undone = undo(session_factory, pharmacist_actor, dispensed, citizen)

    assert (replayed, dispensed.remaining_iterations, dispensed.iteration_number) == (False, 1, 1)
    assert taken == (1, dispensed.dispensed_at)
    assert (undone.status, undone.remaining_iterations) == ("undone", 2)
    db.refresh(prescription)
    assert (dispensed_iterations(prescription), prescription.last_dispensed_at) == (0, None)
    assert prescription.status == "open"
    row = db.get_one(Dispensing, (citizen.id, dispensed.id))
    db.refresh(row)
    assert (row.status, row.undo_reason) == ("undone", "Wrong citizen at the counter")
    assert audited(db, citizen) == [
        ("dispensing.create", "success"),
        ("dispensing.undo", "success"),
    ]


def test_undoing_the_last_iteration_reopens_the_prescription_as_of_the_one_before(
    session_factory: sessionmaker[Session],
    db: Session,
    pharmacist_actor: Actor,
    citizen: Citizen,
    prescription: Prescription,
) -> None:
    first, _ = dispense(session_factory, pharmacist_actor, prescription, citizen)
    clock.freeze(clock.now() + timedelta(days=3))
    last, _ = dispense(session_factory, pharmacist_actor, prescription, citizen)

    undone = undo(session_factory, pharmacist_actor, last, citizen)

    assert last.prescription_status == "completed"
    assert (undone.remaining_iterations, undone.prescription_status) == (1, "open")
    db.refresh(prescription)
    assert dispensed_iterations(prescription) == 1
    assert prescription.last_dispensed_at == first.dispensed_at


def test_replay_with_the_same_idempotency_key_returns_the_same_dispensing(
    session_factory: sessionmaker[Session],
    db: Session,
    pharmacist_actor: Actor,
    citizen: Citizen,
    prescription: Prescription,
) -> None:
    first, first_replayed = dispense(
        session_factory, pharmacist_actor, prescription, citizen, key="counter-1"
    )
    retry, retry_replayed = dispense(
        session_factory, pharmacist_actor, prescription, citizen, key="counter-1"
    )

    assert (first_replayed, retry_replayed) == (False, True)
    assert retry == first
    assert dispensings_of(db, prescription) == 1
    db.refresh(prescription)
    assert dispensed_iterations(prescription) == 1
    assert audited(db, citizen) == [
        ("dispensing.create", "success"),
        ("dispensing.replay", "success"),
    ]


def test_the_same_key_for_another_request_is_refused_and_audited_as_failed(
    session_factory: sessionmaker[Session],
    db: Session,
    pharmacist_actor: Actor,
    citizen: Citizen,
    prescription: Prescription,
) -> None:
    dispense(session_factory, pharmacist_actor, prescription, citizen, key="counter-1")

    with pytest.raises(RuleViolation) as refused:
        dispense(
            session_factory,
            pharmacist_actor,
            prescription,
            citizen,
            key="counter-1",
            command=DispensingCreate(package_quantity=1),
        )

    assert refused.value.code == "idempotency-key-reused"
    assert dispensings_of(db, prescription) == 1
    assert audited(db, citizen) == [
        ("dispensing.create", "success"),
        ("dispensing.create", "failed"),
    ]


def test_only_the_dispensing_pharmacy_may_undo_and_a_refusal_changes_nothing(
    session_factory: sessionmaker[Session],
    db: Session,
    pharmacist_actor: Actor,
    citizen: Citizen,
    prescription: Prescription,
) -> None:
    dispensed, _ = dispense(session_factory, pharmacist_actor, prescription, citizen)
    other = make_actor(role=Role.pharmacist, organisation=make_organisation(db, kind="pharmacy"))

    with pytest.raises(AccessDenied):
        undo(session_factory, other, dispensed, citizen)

    row = db.get_one(Dispensing, (citizen.id, dispensed.id))
    db.refresh(row)
    assert row.status == "completed"
    db.refresh(prescription)
    assert dispensed_iterations(prescription) == 1
    assert audited(db, citizen)[-1] == ("dispensing.undo", "denied")
