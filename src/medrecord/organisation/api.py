from __future__ import annotations

from fastapi import APIRouter, status

from medrecord import problems
from medrecord.access.permissions import Permission
from medrecord.http import ActorDep, SessionDep, documented
from medrecord.organisation import service
from medrecord.organisation.schemas import OrganisationCreate, OrganisationRead

router = APIRouter(tags=["registry"])


@router.post(
    "/organisations",
    response_model=OrganisationRead,
    status_code=status.HTTP_201_CREATED,
    **documented(
        Permission.admin_manage,
        problems.InvalidToken,
        problems.OrganisationExists,
        problems.RoleNotAllowed,
    ),
)
def register_organisation(
    body: OrganisationCreate, session: SessionDep, actor: ActorDep
) -> OrganisationRead:
    """Register an organisation (admins)."""
    return service.register_organisation(session, actor, command=body)
