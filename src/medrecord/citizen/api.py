from __future__ import annotations

from fastapi import APIRouter, Response, status

from medrecord import problems
from medrecord.access.permissions import Permission
from medrecord.audit.denials import denials_recorded
from medrecord.citizen import service
from medrecord.citizen.schemas import CitizenCreate, CitizenRead
from medrecord.http import ActorDep, SessionDep, documented

router = APIRouter(tags=["registry"])


@router.post(
    "/citizens",
    response_model=CitizenRead,
    status_code=status.HTTP_201_CREATED,
    **documented(
        Permission.admin_manage,
        problems.CitizenExists,
        problems.InvalidCpr,
        problems.InvalidToken,
        problems.RoleNotAllowed,
        problems.UnknownGpPractice,
    ),
)
def register_citizen(
    body: CitizenCreate, session: SessionDep, actor: ActorDep, response: Response
) -> CitizenRead:
    """Register a citizen with an empty medication card (admins)."""
    # The refusal of a non-admin names no citizen yet; it is audited all the same.
    with denials_recorded(session, actor, action="citizen.register", resource_type="citizen"):
        citizen = service.register_citizen(session, actor, command=body)
    response.headers["Location"] = f"/api/v1/citizens/{citizen.cpr}/medication-card"
    return citizen
