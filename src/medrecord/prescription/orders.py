"""Pharmacy-order use cases (bestillinger): a pharmacy claims an open prescription, or
releases its claim. At most one open order per prescription (a unique index backs it)."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from medrecord import clock
from medrecord.access.actor import Actor
from medrecord.access.permissions import Permission
from medrecord.access.policy import DeclaredPurpose, sees_private_prescriptions
from medrecord.access.schemas import PersonRef
from medrecord.citizen import repository as citizen_repository
from medrecord.db import map_integrity_errors
from medrecord.errors import raise_if
from medrecord.guard import guarded
from medrecord.models import OrderStatus, PharmacyOrder
from medrecord.organisation import repository as organisation_repository
from medrecord.organisation.rules import require_pharmacy
from medrecord.prescription import repository, rules
from medrecord.prescription.schemas import OrderCancel, OrderRead
from medrecord.problems import NotOrderHolder, OrderNotFound, PrescriptionClaimed

ONE_OPEN_ORDER = "uq_pharmacy_order_one_open_per_prescription"


def order_read(order: PharmacyOrder, pharmacy_name: str) -> OrderRead:
    return OrderRead(
        id=order.id,
        prescription_id=order.prescription_id,
        pharmacy_id=order.pharmacy_id,
        pharmacy_name=pharmacy_name,
        status=order.status,
        ordered_by=PersonRef.of(order.ordered_by),
        created_at=order.created_at,
    )


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
        prescription = repository.lock_dispensable(
            session,
            citizen.id,
            prescription_id,
            sees_all_private=sees_private_prescriptions(actor, access),
            organisation_id=actor.organisation_id,
            today=clock.today(),
        )
        caller, held = repository.claim_facts(
            session, citizen.id, prescription.id, actor.organisation_id
        )
        if held is not None:
            order, holder = held
            raise_if(
                rules.claim_problem(
                    holder_id=order.pharmacy_id,
                    holder_name=holder,
                    organisation_id=actor.organisation_id,
                )
            )
            result, created = order_read(order, holder), False
        else:
            pharmacy = require_pharmacy(caller)
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
            # The prescription row lock serialises claims; the unique index is the backstop.
            just_claimed = PrescriptionClaimed(
                "Another pharmacy has just claimed the prescription."
            )
            with map_integrity_errors({ONE_OPEN_ORDER: just_claimed}):
                repository.insert_order(session, order)
            # The card shows who holds the claim (``claimed_by``): its version (ETag) moves.
            citizen_repository.bump_card_version(session, citizen.id)
            result, created = order_read(order, pharmacy.name), True
        entry.resource_type, entry.resource_id = "pharmacy_order", result.id
    session.commit()
    return result, created


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
        order = repository.get_order(session, citizen.id, order_id)
        if order is None:
            raise OrderNotFound()
        # The prescription before the order, as claiming and dispensing lock them: no
        # deadlock, and a dispensing that fulfilled the claim while we waited is seen.
        repository.find_visible(
            session,
            citizen.id,
            order.prescription_id,
            sees_all_private=sees_private_prescriptions(actor, access),
            organisation_id=actor.organisation_id,
            lock=True,
        )
        order = repository.get_order(session, citizen.id, order_id, lock=True)
        if order is None:
            raise OrderNotFound()
        if order.pharmacy_id != actor.organisation_id:
            raise NotOrderHolder()
        raise_if(rules.order_cancel_problem(order.status))
        order.status = OrderStatus.cancelled
        order.cancellation_reason = command.reason
        order.modified_at = clock.now()
        session.flush()
        citizen_repository.bump_card_version(session, citizen.id)
        result = order_read(order, organisation_repository.name_of(session, order.pharmacy_id))
    session.commit()
    return result
