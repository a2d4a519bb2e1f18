"""The pharmacy counter: find the citizen, claim, dispense, undo, today's list, the full card
with consent. Pages call the same use cases as the API and the same rules for what to offer."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from medrecord import clock
from medrecord.access.policy import DeclaredPurpose
from medrecord.card import service as card_service
from medrecord.citizen import service as citizen_service
from medrecord.citizen.rules import mask_cpr, normalise_cpr
from medrecord.dispensing import rules as dispensing_rules
from medrecord.dispensing import service as dispensing_service
from medrecord.dispensing.schemas import DispensingCreate, DispensingUndo
from medrecord.drug import service as drug_service
from medrecord.drug.schemas import DrugRead, PackageRead
from medrecord.errors import DomainError
from medrecord.http import status_of
from medrecord.models import Purpose, WebSession
from medrecord.prescription import orders as order_service
from medrecord.prescription import rules as prescription_rules
from medrecord.prescription import service as prescription_service
from medrecord.prescription.schemas import DispensaryView, PrescriptionRead
from medrecord.problems import CitizenNotFound, InvalidCpr, RateLimitExceeded
from medrecord.ratelimit import service as ratelimit
from medrecord.web import sessions
from medrecord.web.deps import CheckedSessionDep, DbDep, WebSessionDep, counter_cpr
from medrecord.web.rendering import page, see_other

router = APIRouter()


# --- the counter ----------------------------------------------------------------------------


@router.get("/", response_class=HTMLResponse)
def home(request: Request, db: DbDep, ws: WebSessionDep) -> Response:
    return page(request, "find.html", ws, db)


@router.post("/find")
def find_citizen(
    request: Request,
    db: DbDep,
    ws: CheckedSessionDep,
    cpr: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    try:
        # A person at a counter may type a space before or after; the API takes the exact forms.
        citizen = citizen_service.find_citizen(db, cpr.strip())
    except InvalidCpr:
        text = "That is not a valid CPR number. Write it as DDMMYY-NNNN, DDMMYY NNNN or 10 digits."
        return page(request, "find.html", ws, db, status_code=422, error=text, cpr=cpr)
    except CitizenNotFound:
        # As in the API: an unknown number is audited and counts against the caller's limit.
        try:
            ratelimit.refuse_unknown_cpr(
                db,
                sessions.actor_of(ws),
                masked_cpr=mask_cpr(normalise_cpr(cpr.strip())),
                action="citizen.find",
                resource_type="citizen",
                resource_id=None,
                purpose=None,
            )
        except RateLimitExceeded as refused:
            text = (
                "Too many CPR numbers that are not registered. Wait "
                f"{refused.retry_after} seconds, then check the number and try again."
            )
            return page(request, "find.html", ws, db, status_code=429, error=text, cpr=cpr)
        text = "No citizen has this CPR number. Check the number."
        return page(request, "find.html", ws, db, status_code=422, error=text, cpr=cpr)
    sessions.set_current_citizen(db, ws, citizen.cpr)
    return see_other("/ui/citizen")


@router.get("/citizen", response_class=HTMLResponse)
def citizen(request: Request, db: DbDep, ws: WebSessionDep) -> Response:
    return citizen_page(request, db, ws)


def citizen_page(
    request: Request, db: Session, ws: WebSession, error: str | None = None, status: int = 200
) -> Response:
    actor = sessions.actor_of(ws)
    view = prescription_service.dispensary_view(
        db, actor, cpr=counter_cpr(ws), declared=DeclaredPurpose()
    )
    # The same rule as the API: another pharmacy's claim stops us; our own or none does not.
    ours_to_dispense = {
        p.id
        for p in view.prescriptions
        if prescription_rules.claim_problem(
            holder_id=p.claimed_by.pharmacy_id if p.claimed_by else None,
            holder_name=p.claimed_by.pharmacy_name if p.claimed_by else None,
            organisation_id=actor.organisation_id,
        )
        is None
    }
    return page(request, "citizen.html", ws, db, view=view, error=error, status_code=status,
                ours_to_dispense=ours_to_dispense)  # fmt: skip


@router.post("/citizen/prescriptions/{prescription_id}/claim")
def claim(
    request: Request, db: DbDep, ws: CheckedSessionDep, prescription_id: uuid.UUID
) -> Response:
    try:
        order_service.order_prescription(
            db, sessions.actor_of(ws), cpr=counter_cpr(ws), prescription_id=prescription_id,
            declared=DeclaredPurpose(),
        )  # fmt: skip
    except DomainError as error:
        return citizen_page(request, db, ws, error=error.detail, status=status_of(error))
    return see_other("/ui/citizen?msg=claimed")


def _dispensable(
    db: Session, ws: WebSession, prescription_id: uuid.UUID
) -> tuple[DispensaryView, PrescriptionRead | None]:
    view = prescription_service.dispensary_view(
        db, sessions.actor_of(ws), cpr=counter_cpr(ws), declared=DeclaredPurpose()
    )
    found = next((p for p in view.prescriptions if p.id == prescription_id), None)
    return view, found


@dataclass(frozen=True)
class PackageOption:
    drug: DrugRead
    package: PackageRead
    substitute: bool


def _facts(drug: DrugRead, package: PackageRead) -> dispensing_rules.PackageFacts:
    return dispensing_rules.PackageFacts(
        drug_id=drug.id,
        substitution_group=drug.substitution_group,
        size=package.size,
        unit=package.unit,
    )


def _package_options(
    db: Session, ws: WebSession, prescription: PrescriptionRead
) -> list[PackageOption]:
    """The prescribed package first, then its other sizes and the substitutes the dispensing
    rules allow, cheapest first."""
    detail = drug_service.get_drug(db, sessions.actor_of(ws), drug_id=prescription.drug_id)
    prescribed = [
        PackageOption(detail, p, substitute=False)
        for p in detail.packages
        if p.package_number == prescription.package_number
    ]
    if not prescribed:
        return []
    wanted = _facts(detail, prescribed[0].package)
    others = [
        PackageOption(detail, p, substitute=False)
        for p in detail.packages
        if p.package_number != prescription.package_number
        and dispensing_rules.line_problem(
            wanted, _facts(detail, p), substitution_allowed=prescription.substitution_allowed
        )
        is None
    ]
    substitutes = others + [
        PackageOption(d, p, substitute=True)
        for d in detail.substitutes
        for p in d.packages
        if dispensing_rules.line_problem(
            wanted, _facts(d, p), substitution_allowed=prescription.substitution_allowed
        )
        is None
    ]
    substitutes.sort(key=lambda o: (o.package.price_dkk is None, o.package.price_dkk or 0))
    return prescribed + substitutes


def _most_packages(prescription: PrescriptionRead) -> int:
    """Packages of the prescribed size that fit what may go out now (at least one to offer)."""
    return max(1, min(999, int(prescription.dispensable_now_units // prescription.package_size)))


def _dispense_form(
    request: Request, db: Session, ws: WebSession, prescription_id: uuid.UUID, *,
    error: str | None = None, key: str | None = None, status_code: int = 200,
) -> Response:  # fmt: skip
    view, prescription = _dispensable(db, ws, prescription_id)
    if prescription is None:
        return citizen_page(request, db, ws, error="That prescription cannot be dispensed now.",
                            status=409)  # fmt: skip
    return page(
        request, "dispense.html", ws, db, status_code=status_code, view=view,
        prescription=prescription, options=_package_options(db, ws, prescription),
        quantities=list(range(_most_packages(prescription), 0, -1)),
        idempotency_key=key or str(uuid.uuid4()), error=error,
    )  # fmt: skip


@router.get("/citizen/prescriptions/{prescription_id}/dispense", response_class=HTMLResponse)
def dispense_form(
    request: Request, db: DbDep, ws: WebSessionDep, prescription_id: uuid.UUID
) -> Response:
    return _dispense_form(request, db, ws, prescription_id)


@router.post("/citizen/prescriptions/{prescription_id}/dispense")
def dispense(
    request: Request,
    db: DbDep,
    ws: CheckedSessionDep,
    prescription_id: uuid.UUID,
    idempotency_key: Annotated[str, Form(max_length=200)],
    package_number: Annotated[str, Form(pattern=r"^[0-9]{6}$")],
    package_quantity: Annotated[int, Form(ge=1, le=999)] = 1,
) -> Response:
    try:
        dispensing, _ = dispensing_service.dispense(
            db, sessions.actor_of(ws), cpr=counter_cpr(ws), prescription_id=prescription_id,
            declared=DeclaredPurpose(),
            command=DispensingCreate(package_number=package_number,
                                     package_quantity=package_quantity),
            idempotency_key=idempotency_key,
        )  # fmt: skip
    except DomainError as error:
        # Shown next to the form; the same key is kept, since a refused try stored nothing.
        return _dispense_form(request, db, ws, prescription_id, error=error.detail,
                              key=idempotency_key, status_code=status_of(error))  # fmt: skip
    return see_other(f"/ui/citizen/dispensings/{dispensing.id}")


@router.get("/citizen/dispensings/{dispensing_id}", response_class=HTMLResponse)
def dispensed(request: Request, db: DbDep, ws: WebSessionDep, dispensing_id: uuid.UUID) -> Response:
    return dispensing_page(request, db, ws, dispensing_id)


def dispensing_page(
    request: Request, db: Session, ws: WebSession, dispensing_id: uuid.UUID,
    error: str | None = None, status: int = 200,
) -> Response:  # fmt: skip
    actor = sessions.actor_of(ws)
    dispensing = dispensing_service.get_dispensing(
        db, actor, cpr=counter_cpr(ws), dispensing_id=dispensing_id, declared=DeclaredPurpose()
    )
    can_undo = (
        dispensing_rules.undo_problem(
            status=dispensing.status,
            dispensed_by=dispensing.pharmacy_id,
            organisation_id=actor.organisation_id,
            dispensed_at=dispensing.dispensed_at,
            now=clock.now(),
        )
        is None
    )
    return page(request, "dispensed.html", ws, db, dispensing=dispensing, can_undo=can_undo,
                error=error, status_code=status)  # fmt: skip


@router.post("/citizen/dispensings/{dispensing_id}/undo")
def undo(
    request: Request,
    db: DbDep,
    ws: CheckedSessionDep,
    dispensing_id: uuid.UUID,
    reason: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    try:
        command = DispensingUndo(reason=reason)
    except ValueError:
        return dispensing_page(request, db, ws, dispensing_id,
                               error="Give a reason for the undo (at least 3 characters).",
                               status=422)  # fmt: skip
    try:
        dispensing_service.undo_dispensing(
            db, sessions.actor_of(ws), cpr=counter_cpr(ws), dispensing_id=dispensing_id,
            declared=DeclaredPurpose(), command=command,
        )  # fmt: skip
    except DomainError as error:
        return dispensing_page(
            request, db, ws, dispensing_id, error=error.detail, status=status_of(error)
        )
    return see_other(f"/ui/citizen/dispensings/{dispensing_id}?msg=undone")


@router.post("/citizen/card", response_class=HTMLResponse)
def full_card(
    request: Request,
    db: DbDep,
    ws: CheckedSessionDep,
    consent: Annotated[str | None, Form()] = None,
) -> Response:
    if consent != "yes":
        return citizen_page(
            request, db, ws, status=422,
            error="Tick “the citizen consents” before opening the full medication card.",
        )  # fmt: skip
    card = card_service.get_medication_card(
        db, sessions.actor_of(ws), cpr=counter_cpr(ws),
        declared=DeclaredPurpose(purpose=Purpose.consent),
    )  # fmt: skip
    return page(request, "card.html", ws, db, card=card)


@router.get("/today", response_class=HTMLResponse)
def today(request: Request, db: DbDep, ws: WebSessionDep) -> Response:
    rows = dispensing_service.todays_dispensings(db, sessions.actor_of(ws))
    return page(request, "today.html", ws, db, rows=rows)
