from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from medrecord.access.permissions import Permission
from medrecord.http import (
    ActorDep,
    DeclaredPurposeDep,
    IfMatchDep,
    SessionDep,
    problem_responses,
    requires,
)
from medrecord.medication import service
from medrecord.medication.schemas import (
    CardReviewRead,
    MedicationCardRead,
    MedicationPause,
    MedicationRead,
    MedicationVersionRead,
    MedicationWithdraw,
    MedicationWrite,
)

router = APIRouter(prefix="/citizens/{cpr}")

CprPath = Annotated[
    str,
    Path(
        description="The citizen's CPR number, DDMMYY-NNNN or 10 digits.",
        examples=["070354-1234"],
        max_length=11,
    ),
]
MedicationId = Annotated[uuid.UUID, Path(description="The medication's id.")]
READ_PROBLEMS = problem_responses(401, 403, 404, 422)
WRITE_PROBLEMS = problem_responses(401, 403, 404, 409, 412, 422, 428)


def _etag(response: Response, version: int) -> None:
    response.headers["ETag"] = f'"{version}"'
    response.headers["Cache-Control"] = "no-store"


@router.get(
    "/medication-card",
    response_model=MedicationCardRead,
    responses=READ_PROBLEMS,
    tags=["medication card"],
    **requires(Permission.card_read),
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
    _etag(response, card.version)
    return card


@router.post(
    "/medication-card/review",
    response_model=CardReviewRead,
    responses=WRITE_PROBLEMS,
    tags=["medication card"],
    **requires(Permission.card_review),
)
def review_medication_card(
    cpr: CprPath,
    session: SessionDep,
    actor: ActorDep,
    declared: DeclaredPurposeDep,
    if_match: IfMatchDep,
    response: Response,
) -> CardReviewRead:
    """Mark the card as reviewed and current (If-Match: card version)."""
    review = service.review_card(
        session, actor, cpr=cpr, declared=declared, expected_version=if_match
    )
    _etag(response, review.version)
    return review


@router.post(
    "/medications",
    response_model=MedicationRead,
    status_code=status.HTTP_201_CREATED,
    responses=WRITE_PROBLEMS,
    tags=["medications"],
    **requires(Permission.medication_write),
)
def create_medication(
    cpr: CprPath,
    body: MedicationWrite,
    session: SessionDep,
    actor: ActorDep,
    declared: DeclaredPurposeDep,
    if_match: IfMatchDep,
    response: Response,
) -> MedicationRead:
    """Add a medication to the card (optional If-Match: card version)."""
    medication = service.create_medication(
        session, actor, cpr=cpr, declared=declared, write=body, expected_card_version=if_match
    )
    response.headers["Location"] = f"/api/v1/citizens/{cpr}/medications/{medication.id}"
    _etag(response, medication.version)
    return medication


@router.get(
    "/medications/{medication_id}",
    response_model=MedicationRead,
    responses=READ_PROBLEMS,
    tags=["medications"],
    **requires(Permission.card_read),
)
def read_medication(
    cpr: CprPath,
    medication_id: MedicationId,
    session: SessionDep,
    actor: ActorDep,
    declared: DeclaredPurposeDep,
    response: Response,
) -> MedicationRead:
    """Read one medication (ETag = medication version)."""
    medication = service.get_medication(
        session, actor, cpr=cpr, medication_id=medication_id, declared=declared
    )
    _etag(response, medication.version)
    return medication


@router.put(
    "/medications/{medication_id}",
    response_model=MedicationRead,
    responses=WRITE_PROBLEMS,
    tags=["medications"],
    **requires(Permission.medication_write),
)
def replace_medication(
    cpr: CprPath,
    medication_id: MedicationId,
    body: MedicationWrite,
    session: SessionDep,
    actor: ActorDep,
    declared: DeclaredPurposeDep,
    if_match: IfMatchDep,
    response: Response,
) -> MedicationRead:
    """Replace the whole medication; omitted optional fields are cleared (If-Match required)."""
    medication = service.replace_medication(
        session, actor, cpr=cpr, medication_id=medication_id, declared=declared,
        expected_version=if_match, write=body,
    )  # fmt: skip
    _etag(response, medication.version)
    return medication


@router.post(
    "/medications/{medication_id}/pause",
    response_model=MedicationRead,
    responses=WRITE_PROBLEMS,
    tags=["medications"],
    **requires(Permission.medication_write),
)
def pause_medication(
    cpr: CprPath,
    medication_id: MedicationId,
    session: SessionDep,
    actor: ActorDep,
    declared: DeclaredPurposeDep,
    if_match: IfMatchDep,
    response: Response,
    body: MedicationPause | None = None,
) -> MedicationRead:
    """Pause an active medication, from today or a given date (If-Match required)."""
    medication = service.pause_medication(
        session, actor, cpr=cpr, medication_id=medication_id, declared=declared,
        expected_version=if_match, pause=body or MedicationPause(),
    )  # fmt: skip
    _etag(response, medication.version)
    return medication


@router.post(
    "/medications/{medication_id}/resume",
    response_model=MedicationRead,
    responses=WRITE_PROBLEMS,
    tags=["medications"],
    **requires(Permission.medication_write),
)
def resume_medication(
    cpr: CprPath,
    medication_id: MedicationId,
    session: SessionDep,
    actor: ActorDep,
    declared: DeclaredPurposeDep,
    if_match: IfMatchDep,
    response: Response,
) -> MedicationRead:
    """Resume a paused medication (If-Match required)."""
    medication = service.resume_medication(
        session, actor, cpr=cpr, medication_id=medication_id, declared=declared,
        expected_version=if_match,
    )  # fmt: skip
    _etag(response, medication.version)
    return medication


@router.post(
    "/medications/{medication_id}/withdraw",
    response_model=MedicationRead,
    responses=WRITE_PROBLEMS,
    tags=["medications"],
    **requires(Permission.medication_write),
)
def withdraw_medication(
    cpr: CprPath,
    medication_id: MedicationId,
    body: MedicationWithdraw,
    session: SessionDep,
    actor: ActorDep,
    declared: DeclaredPurposeDep,
    if_match: IfMatchDep,
    response: Response,
) -> MedicationRead:
    """Withdraw (seponere) a medication with a reason; cancels its open prescriptions."""
    medication = service.withdraw_medication(
        session, actor, cpr=cpr, medication_id=medication_id, declared=declared,
        expected_version=if_match, withdraw=body,
    )  # fmt: skip
    _etag(response, medication.version)
    return medication


@router.post(
    "/medications/{medication_id}/mark-private",
    response_model=MedicationRead,
    responses=WRITE_PROBLEMS,
    tags=["medications"],
    **requires(Permission.medication_mark_private),
)
def mark_medication_private(
    cpr: CprPath,
    medication_id: MedicationId,
    session: SessionDep,
    actor: ActorDep,
    declared: DeclaredPurposeDep,
    if_match: IfMatchDep,
    response: Response,
) -> MedicationRead:
    """Hide the medication from all but the citizen and your organisation (If-Match)."""
    medication = service.mark_private(
        session, actor, cpr=cpr, medication_id=medication_id, declared=declared,
        expected_version=if_match, private=True,
    )  # fmt: skip
    _etag(response, medication.version)
    return medication


@router.post(
    "/medications/{medication_id}/unmark-private",
    response_model=MedicationRead,
    responses=WRITE_PROBLEMS,
    tags=["medications"],
    **requires(Permission.medication_mark_private),
)
def unmark_medication_private(
    cpr: CprPath,
    medication_id: MedicationId,
    session: SessionDep,
    actor: ActorDep,
    declared: DeclaredPurposeDep,
    if_match: IfMatchDep,
    response: Response,
) -> MedicationRead:
    """Make a private medication visible again (marking organisation only; If-Match)."""
    medication = service.mark_private(
        session, actor, cpr=cpr, medication_id=medication_id, declared=declared,
        expected_version=if_match, private=False,
    )  # fmt: skip
    _etag(response, medication.version)
    return medication


@router.get(
    "/medications/{medication_id}/versions",
    response_model=list[MedicationVersionRead],
    responses=READ_PROBLEMS,
    tags=["medications"],
    **requires(Permission.card_read),
)
def read_medication_versions(
    cpr: CprPath,
    medication_id: MedicationId,
    session: SessionDep,
    actor: ActorDep,
    declared: DeclaredPurposeDep,
) -> list[MedicationVersionRead]:
    """The medication's version history, oldest first: what changed, when, by whom."""
    return service.list_medication_versions(
        session, actor, cpr=cpr, medication_id=medication_id, declared=declared
    )


me_router = APIRouter(prefix="/me", tags=["medication card"])


@me_router.get(
    "/medication-card",
    response_model=MedicationCardRead,
    responses=problem_responses(401, 403, 422),
    **requires(Permission.card_read, own_only=True),
)
def read_my_medication_card(
    session: SessionDep,
    actor: ActorDep,
    declared: DeclaredPurposeDep,
    response: Response,
    include: Annotated[
        str | None,
        Query(pattern="^withdrawn$", description="`withdrawn` adds withdrawn medications."),
    ] = None,
) -> MedicationCardRead:
    """Your own medication card (citizens)."""
    card = service.get_medication_card(
        session, actor, cpr=service.own_cpr(actor), declared=declared,
        include_withdrawn=include == "withdrawn",
    )  # fmt: skip
    _etag(response, card.version)
    return card
