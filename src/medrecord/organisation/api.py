from __future__ import annotations

from fastapi import APIRouter, status

from medrecord.access.permissions import Permission
from medrecord.http import ActorDep, SessionDep, problem_responses, requires
from medrecord.organisation import service
from medrecord.organisation.schemas import OrganisationCreate, OrganisationRead

router = APIRouter(tags=["registry"])


@router.post(
    "/organisations",
    response_model=OrganisationRead,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(401, 403, 409, 422),
    **requires(Permission.admin_manage),
)
def register_organisation(
    body: OrganisationCreate, session: SessionDep, actor: ActorDep
) -> OrganisationRead:
    """Register an organisation (admins)."""
    return service.register_organisation(session, actor, command=body)
