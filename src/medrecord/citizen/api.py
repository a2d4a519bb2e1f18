from __future__ import annotations

from fastapi import APIRouter, Response, status

from medrecord.access.permissions import Permission
from medrecord.citizen import service
from medrecord.citizen.schemas import CitizenCreate, CitizenRead
from medrecord.http import ActorDep, SessionDep, problem_responses, requires

router = APIRouter(tags=["registry"])


@router.post(
    "/citizens",
    response_model=CitizenRead,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(401, 403, 409, 422),
    **requires(Permission.admin_manage),
)
def register_citizen(
    body: CitizenCreate, session: SessionDep, actor: ActorDep, response: Response
) -> CitizenRead:
    """Register a citizen with an empty medication card (admins)."""
    citizen = service.register_citizen(session, actor, command=body)
    response.headers["Location"] = f"/api/v1/citizens/{citizen.cpr}/medication-card"
    return citizen
