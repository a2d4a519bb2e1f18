from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Response, status
from fastapi.concurrency import run_in_threadpool

from medrecord import problems
from medrecord.access.permissions import Permission
from medrecord.http import (
    CITIZEN_PROBLEMS,
    ActorDep,
    CprPath,
    DeclaredPurposeDep,
    IdempotencyKeyDep,
    OffsetQuery,
    SessionDep,
    documented,
    idempotency_key_parameter,
    model_response,
)
from medrecord.openapi_links import DISPENSE, DISPENSE_ORDERED, ORDER, linked
from medrecord.prescription import orders, service
from medrecord.prescription.schemas import (
    OrderCancel,
    OrderRead,
    PrescriptionCancel,
    PrescriptionCreate,
    PrescriptionRead,
)

router = APIRouter(prefix="/citizens/{cpr}", tags=["prescriptions"])
PrescriptionId = Annotated[uuid.UUID, Path(description="The prescription's id.")]


IDEMPOTENCY_KEY = idempotency_key_parameter(
    required=False,
    description="Optional, and recommended: a fresh key (e.g. a UUID) per prescription. A "
    "retry with the same key and body gets the first answer instead of a second prescription; "
    "with another body, 422.",
)


@router.post(
    "/prescriptions",
    response_model=PrescriptionRead,
    status_code=status.HTTP_201_CREATED,
    **documented(
        Permission.prescription_write,
        *CITIZEN_PROBLEMS,
        problems.InvalidValidity,
        problems.DispensedOnce,
        problems.MedicationNotActive,
        problems.MedicationNotFound,
        problems.PackageNotOfDrug,
        problems.IdempotencyInDoubt,
        problems.IdempotencyKeyReused,
        problems.InvalidIdempotencyKey,
        parameters=[IDEMPOTENCY_KEY],
        responses=linked(201, "Created", Order=ORDER, Dispense=DISPENSE),
    ),
)
def create_prescription(
    cpr: CprPath,
    body: PrescriptionCreate,
    session: SessionDep,
    actor: ActorDep,
    declared: DeclaredPurposeDep,
    response: Response,
    idempotency_key: IdempotencyKeyDep = None,
) -> PrescriptionRead:
    """Prescribe from an active medication (optional Idempotency-Key: a retry gets the first
    answer, not a second prescription)."""
    prescription = service.prescribe(
        session, actor, cpr=cpr, declared=declared, command=body, idempotency_key=idempotency_key
    )
    response.headers["Location"] = f"/api/v1/citizens/{cpr}/prescriptions/{prescription.id}"
    return prescription


@router.get(
    "/prescriptions",
    response_model=list[PrescriptionRead],
    **documented(Permission.dispensable_prescription_read, *CITIZEN_PROBLEMS),
)
def list_prescriptions(
    cpr: CprPath,
    session: SessionDep,
    actor: ActorDep,
    declared: DeclaredPurposeDep,
    prescription_status: Annotated[
        Literal["open", "completed", "cancelled", "expired"] | None,
        Query(alias="status", description="Only prescriptions with this status."),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 100,
    offset: OffsetQuery = 0,
) -> list[PrescriptionRead]:
    """The citizen's prescriptions; pharmacies without consent see only dispensable ones."""
    return service.list_prescriptions(
        session, actor, cpr=cpr, declared=declared, status=prescription_status,
        limit=limit, offset=offset,
    )  # fmt: skip


@router.post(
    "/prescriptions/{prescription_id}/cancel",
    response_model=PrescriptionRead,
    **documented(
        Permission.prescription_write,
        *CITIZEN_PROBLEMS,
        problems.PrescriptionNotFound,
        problems.PrescriptionNotOpen,
    ),
)
def cancel_prescription(
    cpr: CprPath,
    prescription_id: PrescriptionId,
    body: PrescriptionCancel,
    session: SessionDep,
    actor: ActorDep,
    declared: DeclaredPurposeDep,
) -> PrescriptionRead:
    """Cancel an open prescription, with a reason; releases any pharmacy's claim."""
    return service.cancel_prescription(
        session, actor, cpr=cpr, prescription_id=prescription_id, declared=declared, command=body
    )


@router.post(
    "/prescriptions/{prescription_id}/order",
    response_model=OrderRead,
    status_code=status.HTTP_201_CREATED,
    **documented(
        Permission.dispensing_write,
        *CITIZEN_PROBLEMS,
        problems.MedicationPaused,
        problems.MedicationEnded,
        problems.MedicationWithdrawn,
        problems.NotAPharmacy,
        problems.NothingRemaining,
        problems.PrescriptionCancelled,
        problems.PrescriptionClaimed,
        problems.PrescriptionExpired,
        problems.PrescriptionNotFound,
        problems.PrescriptionNotOpen,
        problems.PrescriptionInvalid,
        problems.PrescriptionNotYetValid,
        responses={
            200: {"description": "Your pharmacy already holds the claim", "model": OrderRead},
            **linked(201, "Claimed", Dispense=DISPENSE_ORDERED),
        },
    ),
)
async def order_prescription(
    cpr: CprPath,
    prescription_id: PrescriptionId,
    session: SessionDep,
    actor: ActorDep,
    declared: DeclaredPurposeDep,
) -> Response:
    """Claim the prescription for your pharmacy (409 `prescription-claimed` if another holds it)."""
    # The first half of the hot write (issue 12): one hand-off to the thread pool, for the use
    # case (a sync route made a second, for FastAPI's validation of what it returned), and the
    # answer serialised once.
    order, created = await run_in_threadpool(
        orders.order_prescription,
        session,
        actor,
        cpr=cpr,
        prescription_id=prescription_id,
        declared=declared,
    )
    response = model_response(order)
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    return response


@router.post(
    "/orders/{order_id}/cancel",
    response_model=OrderRead,
    **documented(
        Permission.dispensing_write,
        *CITIZEN_PROBLEMS,
        problems.NotOrderHolder,
        problems.OrderNotFound,
        problems.OrderNotOpen,
        problems.PrescriptionNotFound,
    ),
)
def cancel_order(
    cpr: CprPath,
    order_id: Annotated[uuid.UUID, Path(description="The order's id.")],
    session: SessionDep,
    actor: ActorDep,
    declared: DeclaredPurposeDep,
    body: OrderCancel | None = None,
) -> OrderRead:
    """Release your pharmacy's claim on a prescription."""
    return orders.cancel_order(
        session, actor, cpr=cpr, order_id=order_id, declared=declared,
        command=body or OrderCancel(),
    )  # fmt: skip
