from __future__ import annotations

import uuid
from typing import NoReturn

from sqlalchemy.orm import Session

from medrecord import clock, request_context
from medrecord.access.actor import Actor
from medrecord.errors import DomainError
from medrecord.models import AuditEvent, Outcome, Purpose


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
    session.add(event)
    return event


def deny(
    session: Session,
    actor: Actor,
    error: DomainError,
    *,
    action: str,
    citizen_id: uuid.UUID,
    resource_type: str,
    resource_id: object | None = None,
    purpose: Purpose,
    reason: str | None = None,
) -> NoReturn:
    """Record a denied access, commit that record on its own, then raise ``error``.

    Whatever the use case had added is rolled back first: a denied request changes nothing but
    the audit log.
    """
    session.rollback()
    record(
        session,
        actor,
        action=action,
        citizen_id=citizen_id,
        resource_type=resource_type,
        resource_id=resource_id,
        purpose=purpose,
        outcome=Outcome.denied,
        reason=reason,
    )
    session.commit()
    raise error
