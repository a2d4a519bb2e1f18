"""Reading the audit: the citizen's access log, and the admins' emergency-access review."""

from __future__ import annotations

import base64
import uuid
from datetime import datetime

from sqlalchemy.orm import Session

from medrecord import clock
from medrecord.access.actor import Actor
from medrecord.access.permissions import Permission, scope_of
from medrecord.access.policy import DeclaredPurpose
from medrecord.access.schemas import PersonRef
from medrecord.access_log.schemas import AccessLogEntry, AccessLogPage, EmergencyAccess
from medrecord.audit import repository as audit_repository
from medrecord.audit import service as audit
from medrecord.audit.denials import denials_recorded
from medrecord.db import map_integrity_errors
from medrecord.guard import guarded
from medrecord.models import AuditEvent, EmergencyReview, Purpose
from medrecord.problems import (
    AlreadyReviewed,
    EmergencyAccessNotFound,
    InvalidCursor,
    RoleNotAllowed,
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
        raise InvalidCursor() from exc


def read_access_log(
    session: Session,
    actor: Actor,
    *,
    cpr: str,
    declared: DeclaredPurpose,
    limit: int,
    cursor: str | None,
) -> AccessLogPage:
    before = decode_cursor(cursor) if cursor else None
    with guarded(
        session,
        actor,
        cpr=cpr,
        declared=declared,
        permission=Permission.access_log_read,
        action="access-log.read",
        resource_type="audit_event",
    ) as (citizen, _access, _entry):
        rows = audit_repository.citizen_events(session, citizen.id, limit=limit + 1, before=before)
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
        raise RoleNotAllowed("Only admins review emergency accesses.")


def _emergency_access(
    event: AuditEvent, cpr: str, review: EmergencyReview | None
) -> EmergencyAccess:
    return EmergencyAccess(
        audit_event_id=event.id,
        occurred_at=event.occurred_at,
        citizen_cpr=cpr,
        actor_name=event.actor_name,
        actor_role=event.actor_role,
        organisation_id=event.actor_organisation_id,
        action=event.action,
        reason=event.reason,
        reviewed_at=review.reviewed_at if review else None,
        reviewed_by=PersonRef.of(review.reviewed_by) if review else None,
        conclusion=review.conclusion if review else None,
    )


def list_emergency_accesses(
    session: Session, actor: Actor, *, reviewed: bool | None, limit: int, offset: int
) -> list[EmergencyAccess]:
    """Emergency accesses, oldest first (the review queue). Each citizen shown is audited."""
    with denials_recorded(
        session, actor, action="emergency-access.list", resource_type="audit_event"
    ):
        _require_admin(actor)
    rows = audit_repository.emergency_accesses(
        session, reviewed=reviewed, limit=limit, offset=offset
    )
    for citizen_id in dict.fromkeys(e.citizen_id for e, _, _ in rows):
        audit.record(
            session,
            actor,
            action="emergency-access.list",
            citizen_id=citizen_id,
            resource_type="audit_event",
            purpose=Purpose.admin,
        )
    result = [_emergency_access(e, cpr, r) for e, cpr, r in rows]
    session.commit()
    return result


def review_emergency_access(
    session: Session, actor: Actor, *, audit_event_id: uuid.UUID, conclusion: str
) -> EmergencyAccess:
    with denials_recorded(
        session, actor, action="emergency-access.review", resource_type="audit_event"
    ):
        _require_admin(actor)
    found = audit_repository.emergency_access(session, audit_event_id)
    if found is None:
        raise EmergencyAccessNotFound()
    event, cpr, existing = found
    if existing is not None:
        raise AlreadyReviewed()
    review = EmergencyReview(
        audit_event_id=event.id,
        reviewed_at=clock.now(),
        reviewed_by=actor.snapshot(),
        conclusion=conclusion,
    )
    with map_integrity_errors({"pk_emergency_review": AlreadyReviewed()}):  # two admins at once
        audit_repository.add_review(session, review)
    audit.record(
        session,
        actor,
        action="emergency-access.review",
        citizen_id=event.citizen_id,
        resource_type="audit_event",
        resource_id=event.id,
        purpose=Purpose.admin,
    )
    result = _emergency_access(event, cpr, review)
    session.commit()
    return result
