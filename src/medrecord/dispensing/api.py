from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Response, status
from fastapi.concurrency import run_in_threadpool

from medrecord import problems
from medrecord.access.permissions import Permission
from medrecord.dispensing import service
from medrecord.dispensing.schemas import (
    DispensingCreate,
    DispensingRead,
    DispensingUndo,
    PharmacyDispensing,
)
from medrecord.http import (
    CITIZEN_PROBLEMS,
    ActorDep,
    CprPath,
    DeclaredPurposeDep,
    IdempotencyKeyDep,
    SessionDep,
    documented,
    idempotency_key_parameter,
)
from medrecord.openapi_links import READ_DISPENSING, UNDO, linked

router = APIRouter(prefix="/citizens/{cpr}", tags=["dispensings"])

IDEMPOTENCY_KEY = idempotency_key_parameter(
    required=True,
    description="A fresh key (e.g. a UUID) per dispensing. A retry with the same key and body "
    "gets the first answer; with another body, 422.",
)


@router.post(
    "/prescriptions/{prescription_id}/dispensings",
    response_model=DispensingRead,
    status_code=status.HTTP_201_CREATED,
    **documented(
        Permission.dispensing_write,
        *CITIZEN_PROBLEMS,
        problems.ExceedsRemaining,
        problems.IdempotencyInDoubt,
        problems.IdempotencyKeyRequired,
        problems.IdempotencyKeyReused,
        problems.InvalidIdempotencyKey,
        problems.MedicationPaused,
        problems.MedicationEnded,
        problems.MedicationWithdrawn,
        problems.NotAPharmacy,
        problems.NotInSubstitutionGroup,
        problems.NothingRemaining,
        problems.PrescriptionCancelled,
        problems.PrescriptionClaimed,
        problems.PrescriptionExpired,
        problems.PrescriptionNotFound,
        problems.PrescriptionNotOpen,
        problems.PrescriptionNotYetValid,
        problems.PackageUnitDiffers,
        problems.DuplicateDispensingLine,
        problems.DispensedOnce,
        problems.PrescriptionInvalid,
        problems.SubstitutionNotAllowed,
        problems.TooEarly,
        problems.UnknownPackage,
        parameters=[IDEMPOTENCY_KEY],
        responses=linked(201, "Dispensed", ReadDispensing=READ_DISPENSING, Undo=UNDO),
    ),
)
async def dispense(
    cpr: CprPath,
    prescription_id: Annotated[uuid.UUID, Path(description="The prescription's id.")],
    session: SessionDep,
    actor: ActorDep,
    declared: DeclaredPurposeDep,
    idempotency_key: IdempotencyKeyDep = None,
    body: DispensingCreate | None = None,
) -> Response:
    """Dispense one iteration of the prescription (Idempotency-Key required)."""
    # The hot write (issue 12): an async route makes one hand-off to the thread pool, for the
    # use case; a sync one made two (the route, then FastAPI's validation of what it returned).
    # The answer's JSON text is the one the use case stored for retries: serialised once.
    answer = await run_in_threadpool(
        service.dispense_answer, session, actor, cpr=cpr, prescription_id=prescription_id,
        declared=declared, command=body or DispensingCreate(), idempotency_key=idempotency_key,
    )  # fmt: skip
    return Response(
        answer.body,
        status_code=status.HTTP_201_CREATED,
        media_type="application/json",
        headers={"Location": f"/api/v1/citizens/{cpr}/dispensings/{answer.dispensing.id}"},
    )


@router.post(
    "/dispensings/{dispensing_id}/undo",
    response_model=DispensingRead,
    **documented(
        Permission.dispensing_write,
        *CITIZEN_PROBLEMS,
        problems.AlreadyUndone,
        problems.DispensingNotFound,
        problems.NotDispensingPharmacy,
        problems.PrescriptionNotFound,
        problems.UndoWindowPassed,
    ),
)
def undo_dispensing(
    cpr: CprPath,
    dispensing_id: Annotated[uuid.UUID, Path(description="The dispensing's id.")],
    body: DispensingUndo,
    session: SessionDep,
    actor: ActorDep,
    declared: DeclaredPurposeDep,
) -> DispensingRead:
    """Undo your pharmacy's dispensing within 7 days, with a reason; restores the iteration."""
    return service.undo_dispensing(
        session, actor, cpr=cpr, dispensing_id=dispensing_id, declared=declared, command=body
    )


@router.get(
    "/dispensings/{dispensing_id}",
    response_model=DispensingRead,
    **documented(
        Permission.dispensable_prescription_read,
        *CITIZEN_PROBLEMS,
        problems.DispensingNotFound,
        problems.PrescriptionNotFound,
    ),
)
def read_dispensing(
    cpr: CprPath,
    dispensing_id: Annotated[uuid.UUID, Path(description="The dispensing's id.")],
    session: SessionDep,
    actor: ActorDep,
    declared: DeclaredPurposeDep,
) -> DispensingRead:
    """One dispensing, with what remains on its prescription."""
    return service.get_dispensing(
        session, actor, cpr=cpr, dispensing_id=dispensing_id, declared=declared
    )


pharmacy_router = APIRouter(prefix="/pharmacy", tags=["dispensings"])


@pharmacy_router.get(
    "/dispensings/today",
    response_model=list[PharmacyDispensing],
    **documented(
        Permission.dispensing_write,
        problems.InvalidToken,
        problems.NotAPharmacy,
        problems.RoleNotAllowed,
    ),
)
def list_todays_dispensings(session: SessionDep, actor: ActorDep) -> list[PharmacyDispensing]:
    """Your pharmacy's dispensings today (Europe/Copenhagen), newest first."""
    return service.todays_dispensings(session, actor)
