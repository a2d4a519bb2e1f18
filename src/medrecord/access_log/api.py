from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query

from medrecord import problems
from medrecord.access.permissions import Permission
from medrecord.access.policy import own_cpr
from medrecord.access_log import service as access_log
from medrecord.access_log.schemas import AccessLogPage, EmergencyAccess, EmergencyReviewCreate
from medrecord.audit.denials import denials_recorded
from medrecord.http import (
    CITIZEN_PROBLEMS,
    ActorDep,
    CprPath,
    DeclaredPurposeDep,
    OffsetQuery,
    SessionDep,
    documented,
)

router = APIRouter(tags=["access"])

Limit = Annotated[int, Query(ge=1, le=100, description="Page size (at most 100).")]
Cursor = Annotated[
    str | None, Query(max_length=200, description="`next_cursor` of the previous page.")
]


@router.get(
    "/citizens/{cpr}/access-log",
    response_model=AccessLogPage,
    **documented(Permission.access_log_read, *CITIZEN_PROBLEMS, problems.InvalidCursor),
)
def read_access_log(
    cpr: CprPath,
    session: SessionDep,
    actor: ActorDep,
    declared: DeclaredPurposeDep,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> AccessLogPage:
    """Who accessed the citizen's data, newest first (admins; the citizen via /me)."""
    return access_log.read_access_log(
        session, actor, cpr=cpr, declared=declared, limit=limit, cursor=cursor
    )


@router.get(
    "/me/access-log",
    response_model=AccessLogPage,
    **documented(
        Permission.access_log_read, *CITIZEN_PROBLEMS, problems.InvalidCursor, own_only=True
    ),
)
def read_my_access_log(
    session: SessionDep,
    actor: ActorDep,
    declared: DeclaredPurposeDep,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> AccessLogPage:
    """Your own access log ("Min Log"): who looked at your data, when, and why."""
    with denials_recorded(session, actor, action="access-log.read", resource_type="audit_event"):
        cpr = own_cpr(actor)
    return access_log.read_access_log(
        session, actor, cpr=cpr, declared=declared, limit=limit, cursor=cursor
    )


@router.get(
    "/admin/emergency-accesses",
    response_model=list[EmergencyAccess],
    **documented(Permission.admin_manage, problems.InvalidToken, problems.RoleNotAllowed),
)
def list_emergency_accesses(
    session: SessionDep,
    actor: ActorDep,
    reviewed: Annotated[
        bool | None, Query(description="false: the review queue; true: reviewed ones.")
    ] = False,
    limit: Limit = 50,
    offset: OffsetQuery = 0,
) -> list[EmergencyAccess]:
    """Emergency accesses for review, oldest first."""
    return access_log.list_emergency_accesses(
        session, actor, reviewed=reviewed, limit=limit, offset=offset
    )


@router.post(
    "/admin/emergency-accesses/{audit_event_id}/review",
    response_model=EmergencyAccess,
    **documented(
        Permission.admin_manage,
        problems.AlreadyReviewed,
        problems.EmergencyAccessNotFound,
        problems.InvalidToken,
        problems.RoleNotAllowed,
    ),
)
def review_emergency_access(
    audit_event_id: Annotated[uuid.UUID, Path()],
    body: EmergencyReviewCreate,
    session: SessionDep,
    actor: ActorDep,
) -> EmergencyAccess:
    """Record the review of an emergency access, with a conclusion."""
    return access_log.review_emergency_access(
        session, actor, audit_event_id=audit_event_id, conclusion=body.conclusion
    )
