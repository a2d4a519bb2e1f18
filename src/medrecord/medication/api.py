from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from medrecord.http import ActorDep, DeclaredPurposeDep, SessionDep, problem_responses
from medrecord.medication import service
from medrecord.medication.schemas import MedicationCardRead

router = APIRouter(prefix="/citizens/{cpr}", tags=["medication card"])

CprPath = Annotated[
    str,
    Path(
        description="The citizen's CPR number, DDMMYY-NNNN or 10 digits.",
        examples=["010170-1234"],
        max_length=11,
    ),
]


@router.get(
    "/medication-card",
    response_model=MedicationCardRead,
    responses=problem_responses(401, 403, 404, 422),
)
def read_medication_card(
    cpr: CprPath,
    session: SessionDep,
    actor: ActorDep,
    declared: DeclaredPurposeDep,
    response: Response,
    include: Annotated[
        str | None,
        Query(pattern="^withdrawn$", description="`withdrawn` adds withdrawn medications."),
    ] = None,
) -> MedicationCardRead:
    """Read the citizen's current medication card (ETag = card version)."""
    card = service.get_medication_card(
        session, actor, cpr=cpr, declared=declared, include_withdrawn=include == "withdrawn"
    )
    response.headers["ETag"] = f'"{card.version}"'
    response.headers["Cache-Control"] = "no-store"
    return card
