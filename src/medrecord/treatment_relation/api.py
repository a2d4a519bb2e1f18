from __future__ import annotations

from fastapi import APIRouter, status

from medrecord.access.permissions import Permission
from medrecord.http import ActorDep, DeclaredPurposeDep, SessionDep, problem_responses, requires
from medrecord.medication.api import CprPath
from medrecord.treatment_relation import service
from medrecord.treatment_relation.schemas import TreatmentRelationCreate, TreatmentRelationRead

router = APIRouter(prefix="/citizens/{cpr}", tags=["access"])


@router.get(
    "/treatment-relations",
    response_model=list[TreatmentRelationRead],
    responses=problem_responses(401, 403, 404, 422),
    **requires(Permission.relation_read),
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
    responses=problem_responses(401, 403, 404, 422),
    **requires(Permission.relation_declare),
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
