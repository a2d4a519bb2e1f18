"""Reading the audit: the citizen's access log, and the admins' emergency-access review."""

from __future__ import annotations

import base64
import uuid
from datetime import datetime

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from medrecord import clock
from medrecord.access.actor import Actor
from medrecord.access.guard import guarded
from medrecord.access.permissions import Permission, scope_of
from medrecord.access.policy import DeclaredPurpose
from medrecord.audit import service as audit
from medrecord.audit.schemas import AccessLogEntry, AccessLogPage, EmergencyAccess
from medrecord.db import map_integrity_errors
from medrecord.errors import AccessDenied, Conflict, NotFound, RuleViolation
from medrecord.medication.service import person
from medrecord.models import (
    AuditEvent,
    Citizen,
    EmergencyReview,
    Organisation,
    Outcome,
    Purpose,
)


def encode_cursor(at: datetime, event_id: uuid.UUID) -> str:
    return base64.urlsafe_b64encode(f"{at.isoformat()}|{event_id}".encode()).decode()


def decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        at, _, event_id = base64.urlsafe_b64decode(cursor.encode()).decode().partition("|")
        parsed = datetime.fromisoformat(at)
        if parsed.tzinfo is None:
            raise ValueError("naive")
        return parsed, uuid.UUID(event_id)
    except ValueError as exc:  # binascii.Error and UnicodeDecodeError are ValueErrors
        raise RuleViolation("The cursor is not one this service gave out.",
                            code="invalid-cursor") from exc  # fmt: skip


def read_access_log(
    session: Session,
    actor: Actor,
    *,
    cpr: str,
    declared: DeclaredPurpose,
    limit: int,
    cursor: str | None,
) -> AccessLogPage:
    after = decode_cursor(cursor) if cursor else None
    with guarded(
        session,
        actor,
        cpr=cpr,
        declared=declared,
        permission=Permission.access_log_read,
        action="access-log.read",
        resource_type="audit_event",
    ) as (citizen, _access, _entry):
        stmt = (
            select(AuditEvent, Organisation.name)
            .outerjoin(Organisation, Organisation.id == AuditEvent.actor_organisation_id)
            .where(AuditEvent.citizen_id == citizen.id)
            .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
            .limit(limit + 1)
        )
        if after is not None:
            # Keyset pagination: pages stay stable while new look-ups are logged on top.
            stmt = stmt.where(tuple_(AuditEvent.occurred_at, AuditEvent.id) < after)
        rows = session.execute(stmt).all()
        entries = [
            AccessLogEntry(
                occurred_at=e.occurred_at,
                actor_name=e.actor_name,
                actor_role=e.actor_role,
                organisation_id=e.actor_organisation_id,
                organisation_name=name,
                action=e.action,
                resource_type=e.resource_type,
                purpose=e.purpose,
                emergency=e.purpose == Purpose.emergency,
                reason=e.reason,
                outcome=e.outcome,
            )
            for e, name in rows[:limit]
        ]
        last = rows[limit - 1][0] if len(rows) > limit else None
        result = AccessLogPage(
            entries=entries,
            next_cursor=encode_cursor(last.occurred_at, last.id) if last is not None else None,
        )
    session.commit()
    return result


def _require_admin(actor: Actor) -> None:
    if scope_of(actor.role, Permission.admin_manage) is None:
        raise AccessDenied("Only admins review emergency accesses.", code="role-not-allowed")


def list_emergency_accesses(
    session: Session, actor: Actor, *, reviewed: bool | None, limit: int, offset: int
) -> list[EmergencyAccess]:
    """Emergency accesses, oldest first (the review queue). Each citizen shown is audited."""
    _require_admin(actor)
    stmt = (
        select(AuditEvent, Citizen.cpr, EmergencyReview)
        .join(Citizen, Citizen.id == AuditEvent.citizen_id)
        .outerjoin(EmergencyReview, EmergencyReview.audit_event_id == AuditEvent.id)
        .where(AuditEvent.purpose == Purpose.emergency, AuditEvent.outcome == Outcome.success)
        .order_by(AuditEvent.occurred_at, AuditEvent.id)
        .limit(limit)
        .offset(offset)
    )
    if reviewed is True:
        stmt = stmt.where(EmergencyReview.audit_event_id.is_not(None))
    elif reviewed is False:
        stmt = stmt.where(EmergencyReview.audit_event_id.is_(None))
    rows = session.execute(stmt).all()
    for citizen_id in dict.fromkeys(e.citizen_id for e, _, _ in rows):
        audit.record(
            session,
            actor,
            action="emergency-access.list",
            citizen_id=citizen_id,
            resource_type="audit_event",
            purpose=Purpose.admin,
        )
    result = [
        EmergencyAccess(
            audit_event_id=e.id,
            occurred_at=e.occurred_at,
            citizen_cpr=cpr,
            actor_name=e.actor_name,
            actor_role=e.actor_role,
            organisation_id=e.actor_organisation_id,
            action=e.action,
            reason=e.reason,
            reviewed_at=r.reviewed_at if r else None,
            reviewed_by=person(r.reviewed_by) if r else None,
            conclusion=r.conclusion if r else None,
        )
        for e, cpr, r in rows
    ]
    session.commit()
    return result


def review_emergency_access(
    session: Session, actor: Actor, *, audit_event_id: uuid.UUID, conclusion: str
) -> EmergencyAccess:
    _require_admin(actor)
    row = session.execute(
        select(AuditEvent, Citizen.cpr)
        .join(Citizen, Citizen.id == AuditEvent.citizen_id)
        .where(
            AuditEvent.id == audit_event_id,
            AuditEvent.purpose == Purpose.emergency,
            AuditEvent.outcome == Outcome.success,
        )
    ).first()
    if row is None:
        raise NotFound("No emergency access has this id.", code="emergency-access-not-found")
    event, cpr = row
    already = Conflict("This emergency access is already reviewed.", code="already-reviewed")
    if session.get(EmergencyReview, event.id) is not None:
        raise already
    review = EmergencyReview(
        audit_event_id=event.id,
        reviewed_at=clock.now(),
        reviewed_by=actor.snapshot(),
        conclusion=conclusion,
    )
    session.add(review)
    with map_integrity_errors({"pk_emergency_review": already}):  # two admins at once
        session.flush()
    audit.record(
        session,
        actor,
        action="emergency-access.review",
        citizen_id=event.citizen_id,
        resource_type="audit_event",
        resource_id=event.id,
        purpose=Purpose.admin,
    )
    result = EmergencyAccess(
        audit_event_id=event.id,
        occurred_at=event.occurred_at,
        citizen_cpr=cpr,
        actor_name=event.actor_name,
        actor_role=event.actor_role,
        organisation_id=event.actor_organisation_id,
        action=event.action,
        reason=event.reason,
        reviewed_at=review.reviewed_at,
        reviewed_by=person(review.reviewed_by),
        conclusion=review.conclusion,
    )
    session.commit()
    return result
