from __future__ import annotations

from fastapi import APIRouter, status

from medrecord import problems
from medrecord.access.permissions import Permission
from medrecord.http import (
    CITIZEN_PROBLEMS,
    ActorDep,
    CprPath,
    DeclaredPurposeDep,
    SessionDep,
    documented,
)
from medrecord.treatment_relation import service
from medrecord.treatment_relation.schemas import TreatmentRelationCreate, TreatmentRelationRead

router = APIRouter(prefix="/citizens/{cpr}", tags=["access"])


@router.get(
    "/treatment-relations",
    response_model=list[TreatmentRelationRead],
    **documented(Permission.relation_read, *CITIZEN_PROBLEMS),
)
def list_treatment_relations(
    cpr: CprPath, session: SessionDep, actor: ActorDep, declared: DeclaredPurposeDep
) -> list[TreatmentRelationRead]:
    """The organisations treating the citizen now (the GP practice first)."""
    return service.list_relations(session, actor, cpr=cpr, declared=declared)


@router.post(
    "/treatment-relations",
    response_model=TreatmentRelationRead,
    status_code=status.HTTP_201_CREATED,
    **documented(
        Permission.relation_declare,
        *CITIZEN_PROBLEMS,
        problems.InvalidValidity,
        problems.ListedGpIsStanding,
        problems.NotOwnOrganisation,
        problems.OrganisationRequired,
        problems.RelationTooLong,
        problems.UnknownOrganisation,
    ),
)
def declare_treatment_relation(
    cpr: CprPath,
    body: TreatmentRelationCreate,
    session: SessionDep,
    actor: ActorDep,
    declared: DeclaredPurposeDep,
) -> TreatmentRelationRead:
    """Declare that your organisation treats the citizen, until `valid_to`."""
    return service.declare_relation(session, actor, cpr=cpr, declared=declared, command=body)
