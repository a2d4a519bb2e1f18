from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from medrecord.access.permissions import Permission
from medrecord.access.policy import own_cpr
from medrecord.audit.denials import denials_recorded
from medrecord.card import service
from medrecord.card.schemas import CardReviewRead, MedicationCardRead
from medrecord.http import (
    CITIZEN_PROBLEMS,
    IF_MATCH_PROBLEMS,
    IF_MATCH_REQUIRED,
    ActorDep,
    CprPath,
    DeclaredPurposeDep,
    RequiredIfMatchDep,
    SessionDep,
    documented,
    model_response,
    set_etag,
)

router = APIRouter(prefix="/citizens/{cpr}", tags=["medication card"])


@router.get(
    "/medication-card",
    response_model=MedicationCardRead,
    **documented(Permission.card_read, *CITIZEN_PROBLEMS),
)
def read_medication_card(
    cpr: CprPath,
    session: SessionDep,
    actor: ActorDep,
    declared: DeclaredPurposeDep,
    include: Annotated[
        str | None,
        Query(pattern="^withdrawn$", description="`withdrawn` adds withdrawn medications."),
    ] = None,
) -> Response:
    """Read the citizen's current medication card (ETag = card version)."""
    card = service.get_medication_card(
        session, actor, cpr=cpr, declared=declared, include_withdrawn=include == "withdrawn"
    )
    return model_response(card, version=card.version)


@router.post(
    "/medication-card/review",
    response_model=CardReviewRead,
    **documented(
        Permission.card_review,
        *CITIZEN_PROBLEMS,
        *IF_MATCH_PROBLEMS,
        parameters=[IF_MATCH_REQUIRED],
    ),
)
def review_medication_card(
    cpr: CprPath,
    session: SessionDep,
    actor: ActorDep,
    declared: DeclaredPurposeDep,
    if_match: RequiredIfMatchDep,
    response: Response,
) -> CardReviewRead:
    """Mark the card as reviewed and current (If-Match: card version)."""
    review = service.review_card(
        session, actor, cpr=cpr, declared=declared, expected_version=if_match
    )
    set_etag(response, review.version)
    return review


me_router = APIRouter(prefix="/me", tags=["medication card"])


@me_router.get(
    "/medication-card",
    response_model=MedicationCardRead,
    **documented(Permission.card_read, *CITIZEN_PROBLEMS, own_only=True),
)
def read_my_medication_card(
    session: SessionDep,
    actor: ActorDep,
    declared: DeclaredPurposeDep,
    include: Annotated[
        str | None,
        Query(pattern="^withdrawn$", description="`withdrawn` adds withdrawn medications."),
    ] = None,
) -> Response:
    """Your own medication card (citizens)."""
    with denials_recorded(
        session, actor, action="medication-card.read", resource_type="medication_card"
    ):
        cpr = own_cpr(actor)
    card = service.get_medication_card(
        session, actor, cpr=cpr, declared=declared,
        include_withdrawn=include == "withdrawn",
    )  # fmt: skip
    return model_response(card, version=card.version)
