from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Body, Path, Response, status

from medrecord import problems
from medrecord.access.permissions import Permission
from medrecord.http import (
    CITIZEN_PROBLEMS,
    IF_MATCH_PROBLEMS,
    IF_MATCH_REQUIRED,
    ActorDep,
    CprPath,
    DeclaredPurposeDep,
    IdempotencyKeyDep,
    IfMatchDep,
    RequiredIfMatchDep,
    SessionDep,
    documented,
    idempotency_key_parameter,
    set_etag,
)
from medrecord.medication import service
from medrecord.medication.schemas import (
    WRITE_EXAMPLES,
    MedicationPause,
    MedicationRead,
    MedicationVersionRead,
    MedicationWithdraw,
    MedicationWrite,
)
from medrecord.openapi_links import PRESCRIBE, READ_MEDICATION, linked

router = APIRouter(prefix="/citizens/{cpr}", tags=["medications"])

IDEMPOTENCY_KEY = idempotency_key_parameter(
    required=False,
    description="Optional, and recommended: a fresh key (e.g. a UUID) per new medication. A "
    "retry with the same key and body gets the first answer instead of a second medication; "
    "with another body, 422.",
)

MedicationId = Annotated[uuid.UUID, Path(description="The medication's id.")]


@router.post(
    "/medications",
    response_model=MedicationRead,
    status_code=status.HTTP_201_CREATED,
    **documented(
        Permission.medication_write,
        *CITIZEN_PROBLEMS,
        *IF_MATCH_PROBLEMS,
        problems.UnknownDrug,
        problems.InvalidDosage,
        problems.IdempotencyInDoubt,
        problems.IdempotencyKeyReused,
        problems.InvalidIdempotencyKey,
        parameters=[IDEMPOTENCY_KEY],
        responses=linked(201, "Created", ReadMedication=READ_MEDICATION, Prescribe=PRESCRIBE),
    ),
)
def create_medication(
    cpr: CprPath,
    body: Annotated[MedicationWrite, Body(openapi_examples=WRITE_EXAMPLES)],
    session: SessionDep,
    actor: ActorDep,
    declared: DeclaredPurposeDep,
    if_match: IfMatchDep,
    response: Response,
    idempotency_key: IdempotencyKeyDep = None,
) -> MedicationRead:
    """Add a medication to the card (optional If-Match: card version; optional
    Idempotency-Key: a retry gets the first answer, not a second medication)."""
    medication = service.create_medication(
        session, actor, cpr=cpr, declared=declared, write=body,
        expected_card_version=if_match, idempotency_key=idempotency_key,
    )  # fmt: skip
    response.headers["Location"] = f"/api/v1/citizens/{cpr}/medications/{medication.id}"
    set_etag(response, medication.version)
    return medication


@router.get(
    "/medications/{medication_id}",
    response_model=MedicationRead,
    **documented(Permission.card_read, *CITIZEN_PROBLEMS, problems.MedicationNotFound),
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
    set_etag(response, medication.version)
    return medication


@router.put(
    "/medications/{medication_id}",
    response_model=MedicationRead,
    **documented(
        Permission.medication_write,
        *CITIZEN_PROBLEMS,
        *IF_MATCH_PROBLEMS,
        problems.MedicationNotFound,
        problems.MedicationWithdrawn,
        problems.UnknownDrug,
        problems.InvalidDosage,
        parameters=[IF_MATCH_REQUIRED],
    ),
)
def replace_medication(
    cpr: CprPath,
    medication_id: MedicationId,
    body: Annotated[MedicationWrite, Body(openapi_examples=WRITE_EXAMPLES)],
    session: SessionDep,
    actor: ActorDep,
    declared: DeclaredPurposeDep,
    if_match: RequiredIfMatchDep,
    response: Response,
) -> MedicationRead:
    """Replace the whole medication; omitted optional fields are cleared (If-Match required)."""
    medication = service.replace_medication(
        session, actor, cpr=cpr, medication_id=medication_id, declared=declared,
        expected_version=if_match, write=body,
    )  # fmt: skip
    set_etag(response, medication.version)
    return medication


@router.post(
    "/medications/{medication_id}/pause",
    response_model=MedicationRead,
    **documented(
        Permission.medication_write,
        *CITIZEN_PROBLEMS,
        *IF_MATCH_PROBLEMS,
        problems.InvalidPause,
        problems.MedicationNotActive,
        problems.MedicationNotFound,
        problems.MedicationWithdrawn,
        problems.UnknownDrug,
        parameters=[IF_MATCH_REQUIRED],
    ),
)
def pause_medication(
    cpr: CprPath,
    medication_id: MedicationId,
    session: SessionDep,
    actor: ActorDep,
    declared: DeclaredPurposeDep,
    if_match: RequiredIfMatchDep,
    response: Response,
    body: MedicationPause | None = None,
) -> MedicationRead:
    """Pause an active medication, from today or a given date (If-Match required)."""
    medication = service.pause_medication(
        session, actor, cpr=cpr, medication_id=medication_id, declared=declared,
        expected_version=if_match, pause=body or MedicationPause(),
    )  # fmt: skip
    set_etag(response, medication.version)
    return medication


@router.post(
    "/medications/{medication_id}/resume",
    response_model=MedicationRead,
    **documented(
        Permission.medication_write,
        *CITIZEN_PROBLEMS,
        *IF_MATCH_PROBLEMS,
        problems.MedicationNotFound,
        problems.MedicationNotPaused,
        problems.MedicationWithdrawn,
        problems.UnknownDrug,
        parameters=[IF_MATCH_REQUIRED],
    ),
)
def resume_medication(
    cpr: CprPath,
    medication_id: MedicationId,
    session: SessionDep,
    actor: ActorDep,
    declared: DeclaredPurposeDep,
    if_match: RequiredIfMatchDep,
    response: Response,
) -> MedicationRead:
    """Resume a paused medication (If-Match required)."""
    medication = service.resume_medication(
        session, actor, cpr=cpr, medication_id=medication_id, declared=declared,
        expected_version=if_match,
    )  # fmt: skip
    set_etag(response, medication.version)
    return medication


@router.post(
    "/medications/{medication_id}/withdraw",
    response_model=MedicationRead,
    **documented(
        Permission.medication_write,
        *CITIZEN_PROBLEMS,
        *IF_MATCH_PROBLEMS,
        problems.MedicationNotFound,
        problems.MedicationWithdrawn,
        problems.UnknownDrug,
        parameters=[IF_MATCH_REQUIRED],
    ),
)
def withdraw_medication(
    cpr: CprPath,
    medication_id: MedicationId,
    body: MedicationWithdraw,
    session: SessionDep,
    actor: ActorDep,
    declared: DeclaredPurposeDep,
    if_match: RequiredIfMatchDep,
    response: Response,
) -> MedicationRead:
    """Withdraw (seponere) a medication with a reason; cancels its open prescriptions."""
    medication = service.withdraw_medication(
        session, actor, cpr=cpr, medication_id=medication_id, declared=declared,
        expected_version=if_match, withdraw=body,
    )  # fmt: skip
    set_etag(response, medication.version)
    return medication


@router.post(
    "/medications/{medication_id}/mark-private",
    response_model=MedicationRead,
    **documented(
        Permission.medication_mark_private,
        *CITIZEN_PROBLEMS,
        *IF_MATCH_PROBLEMS,
        problems.AlreadyPrivate,
        problems.MedicationNotFound,
        problems.NotMarkingOrganisation,
        problems.NotPrivate,
        problems.UnknownDrug,
        parameters=[IF_MATCH_REQUIRED],
    ),
)
def mark_medication_private(
    cpr: CprPath,
    medication_id: MedicationId,
    session: SessionDep,
    actor: ActorDep,
    declared: DeclaredPurposeDep,
    if_match: RequiredIfMatchDep,
    response: Response,
) -> MedicationRead:
    """Hide the medication from all but the citizen and your organisation (If-Match)."""
    medication = service.mark_private(
        session, actor, cpr=cpr, medication_id=medication_id, declared=declared,
        expected_version=if_match, private=True,
    )  # fmt: skip
    set_etag(response, medication.version)
    return medication


@router.post(
    "/medications/{medication_id}/unmark-private",
    response_model=MedicationRead,
    **documented(
        Permission.medication_mark_private,
        *CITIZEN_PROBLEMS,
        *IF_MATCH_PROBLEMS,
        problems.AlreadyPrivate,
        problems.MedicationNotFound,
        problems.NotMarkingOrganisation,
        problems.NotPrivate,
        problems.UnknownDrug,
        parameters=[IF_MATCH_REQUIRED],
    ),
)
def unmark_medication_private(
    cpr: CprPath,
    medication_id: MedicationId,
    session: SessionDep,
    actor: ActorDep,
    declared: DeclaredPurposeDep,
    if_match: RequiredIfMatchDep,
    response: Response,
) -> MedicationRead:
    """Make a private medication visible again (marking organisation only; If-Match)."""
    medication = service.mark_private(
        session, actor, cpr=cpr, medication_id=medication_id, declared=declared,
        expected_version=if_match, private=False,
    )  # fmt: skip
    set_etag(response, medication.version)
    return medication


@router.get(
    "/medications/{medication_id}/versions",
    response_model=list[MedicationVersionRead],
    **documented(Permission.card_read, *CITIZEN_PROBLEMS, problems.MedicationNotFound),
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
