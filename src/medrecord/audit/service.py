"""Audit rows, written in the use case's own transaction.

Use cases wrap their work in ``trail(...)``: on success it adds the success row before the use
case commits; on a domain error it rolls back whatever was done, commits a denied/failed row on
its own, and re-raises. So every request that touches a citizen leaves exactly one row, and a
read returns no data unless its row commits with it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy.orm import Session

from medrecord import clock, request_context
from medrecord.access.actor import Actor, Role
from medrecord.audit import repository
from medrecord.errors import AccessDenied, DomainError
from medrecord.models import AuditEvent, Outcome, Purpose


def default_purpose(actor: Actor) -> Purpose:
    return {Role.citizen: Purpose.self, Role.admin: Purpose.admin}.get(
        actor.role, Purpose.treatment
    )


def record(
    session: Session,
    actor: Actor,
    *,
    action: str,
    citizen_id: uuid.UUID | None,
    resource_type: str,
    resource_id: object | None = None,
    purpose: Purpose,
    outcome: Outcome = Outcome.success,
    reason: str | None = None,
) -> AuditEvent:
    """Add an audit row to the caller's transaction (it commits with the use case)."""
    event = AuditEvent(
        occurred_at=clock.now(),
        actor_subject=actor.subject,
        actor_name=actor.name,
        actor_role=str(actor.role),
        actor_organisation_id=actor.organisation_id,
        citizen_id=citizen_id,
        action=action,
        resource_type=resource_type,
        resource_id=None if resource_id is None else str(resource_id),
        purpose=purpose,
        outcome=outcome,
        reason=reason,
        request_id=request_context.request_id.get(),
    )
    repository.add_event(session, event)
    return event


# The actor columns of a row about a caller we could not authenticate: no token told us who.
UNAUTHENTICATED = "unauthenticated"


def record_unauthenticated(
    session: Session,
    *,
    action: str,
    resource_type: str,
    reason: str,
    outcome: Outcome = Outcome.denied,
) -> AuditEvent:
    """Add a row about a caller we could not authenticate (no actor, no citizen) to the
    caller's transaction. Purpose ``admin``: the caller declared none we could trust, and the
    row is the service's own security record, not an access for care."""
    event = AuditEvent(
        occurred_at=clock.now(),
        actor_subject=UNAUTHENTICATED,
        actor_name=UNAUTHENTICATED,
        actor_role=UNAUTHENTICATED,
        actor_organisation_id=None,
        citizen_id=None,
        action=action,
        resource_type=resource_type,
        resource_id=None,
        purpose=Purpose.admin,
        outcome=outcome,
        reason=reason[:1000],
        request_id=request_context.request_id.get(),
    )
    repository.add_event(session, event)
    return event


@dataclass
class AuditTrail:
    """What the row will say; the use case may refine it as it learns more."""

    action: str
    citizen_id: uuid.UUID | None
    resource_type: str
    resource_id: object | None
    purpose: Purpose
    reason: str | None


@contextmanager
def trail(
    session: Session,
    actor: Actor,
    *,
    action: str,
    citizen_id: uuid.UUID | None,
    resource_type: str,
    resource_id: object | None = None,
    purpose: Purpose | None = None,
    reason: str | None = None,
) -> Iterator[AuditTrail]:
    entry = AuditTrail(
        action=action,
        citizen_id=citizen_id,
        resource_type=resource_type,
        resource_id=resource_id,
        purpose=purpose or default_purpose(actor),
        reason=reason,
    )

    def write(outcome: Outcome) -> None:
        record(
            session,
            actor,
            action=entry.action,
            citizen_id=entry.citizen_id,
            resource_type=entry.resource_type,
            resource_id=entry.resource_id,
            purpose=entry.purpose,
            outcome=outcome,
            reason=entry.reason,
        )

    try:
        yield entry
    except DomainError as error:
        # A refused request changes nothing but the audit log.
        session.rollback()
        write(Outcome.denied if isinstance(error, AccessDenied) else Outcome.failed)
        session.commit()
        raise
    write(Outcome.success)
