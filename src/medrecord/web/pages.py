"""The pharmacist's web UI: server-rendered pages that call the same use cases as the API."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session

from medrecord.access.actor import Actor, Role
from medrecord.access.policy import DeclaredPurpose
from medrecord.citizen import service as citizen_service
from medrecord.config import Settings
from medrecord.demo import people
from medrecord.dispensing import service as dispensing_service
from medrecord.dispensing.schemas import DispensingCreate, DispensingUndo
from medrecord.drug import service as drug_service
from medrecord.drug.schemas import DrugRead, PackageRead
from medrecord.errors import DomainError
from medrecord.http import domain_error_problem
from medrecord.medication import service as medication_service
from medrecord.models import Organisation, Purpose, WebSession
from medrecord.prescription import service as prescription_service
from medrecord.prescription.schemas import DispensaryView, PrescriptionRead
from medrecord.web import format as fmt
from medrecord.web import sessions
from medrecord.web.oidc import oidc_router

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=str(HERE / "templates"))
templates.env.filters["dkdate"] = fmt.danish_date
templates.env.filters["dktime"] = fmt.danish_datetime
templates.env.globals["days_until"] = fmt.days_until
templates.env.globals["EXPIRY_WARNING_DAYS"] = fmt.EXPIRY_WARNING_DAYS

LOGIN_CSRF_COOKIE = "medrecord_login_csrf"
PHARMACY_ROLES = (Role.pharmacist, Role.pharmacy_assistant)
MESSAGES = {
    "claimed": "The prescription is now claimed by your pharmacy.",
    "undone": "The dispensing is undone; the iteration is available again.",
    "signed-out": "You are signed out.",
    "expired": "Your session has ended. Please sign in again.",
}

router = APIRouter(prefix="/ui", include_in_schema=False)


class LoginRequired(Exception):
    """Raised by page dependencies; answered with a redirect to the login page."""


def db_session(request: Request) -> Iterator[Session]:
    session: Session = request.app.state.sessionmaker()
    try:
        yield session
    finally:
        session.close()


DbDep = Annotated[Session, Depends(db_session)]


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def web_session(request: Request, db: DbDep) -> WebSession:
    ws = sessions.load(db, request.cookies.get(sessions.COOKIE), settings_of(request))
    if ws is None:
        raise LoginRequired
    return ws


WebSessionDep = Annotated[WebSession, Depends(web_session)]


def checked_session(ws: WebSessionDep, csrf_token: Annotated[str, Form()] = "") -> WebSession:
    """The session of a form post whose CSRF token matches."""
    if not sessions.csrf_ok(ws, csrf_token):
        raise CsrfRejected
    return ws


class CsrfRejected(Exception):
    pass


CheckedSessionDep = Annotated[WebSession, Depends(checked_session)]


def page(
    request: Request,
    template: str,
    ws: WebSession | None,
    db: Session | None = None,
    *,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    actor = sessions.actor_of(ws) if ws else None
    pharmacy_name = None
    if actor and db is not None and actor.organisation_id:
        org = db.get(Organisation, actor.organisation_id)
        pharmacy_name = org.name if org else actor.organisation_id
    message = MESSAGES.get(request.query_params.get("msg", ""))
    response = templates.TemplateResponse(
        request,
        template,
        {
            "actor": actor,
            "pharmacy_name": pharmacy_name,
            "csrf_token": ws.csrf_token if ws else "",
            "message": message,
            **context,
        },
        status_code=status_code,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


# --- sign in and out ----------------------------------------------------------------------


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request) -> Response:
    settings = settings_of(request)
    token = secrets.token_urlsafe(24)
    staff_by_pharmacy: dict[str, list[people.DemoStaff]] = {}
    if settings.is_dev:
        names = {org_id: name for org_id, name, _ in people.ORGANISATIONS}
        for s in people.STAFF:
            if s.role in PHARMACY_ROLES:
                staff_by_pharmacy.setdefault(names[s.organisation_id], []).append(s)
    response = page(
        request,
        "login.html",
        None,
        login_csrf=token,
        staff_by_pharmacy=staff_by_pharmacy,
        oidc=settings.oidc_enabled,
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE, token, httponly=True, samesite="lax", secure=not settings.is_dev,
        path="/ui",
    )  # fmt: skip
    return response


def signed_in(request: Request, db: Session, actor: Actor) -> RedirectResponse:
    settings = settings_of(request)
    response = see_other("/ui")
    response.set_cookie(
        sessions.COOKIE,
        sessions.start(db, actor),
        httponly=True,
        samesite="lax",
        secure=not settings.is_dev,
        path="/ui",
        max_age=settings.ui_absolute_timeout_seconds,
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/ui")
    return response


@router.post("/login/dev")
def dev_login(
    request: Request,
    db: DbDep,
    username: Annotated[str, Form(max_length=100)],
    login_csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    settings = settings_of(request)
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not (cookie and secrets.compare_digest(cookie, login_csrf)):
        raise CsrfRejected
    staff = people.staff_by_username(username) if settings.is_dev else None
    if staff is None or staff.role not in PHARMACY_ROLES:
        return see_other("/ui/login")
    actor = Actor(subject=staff.username, name=staff.name, role=staff.role,
                  organisation_id=staff.organisation_id)  # fmt: skip
    return signed_in(request, db, actor)


@router.post("/logout")
def logout(request: Request, db: DbDep, ws: CheckedSessionDep) -> Response:
    sessions.end(db, request.cookies.get(sessions.COOKIE))
    response = see_other("/ui/login?msg=signed-out")
    response.delete_cookie(sessions.COOKIE, path="/ui")
    return response


# --- the counter ----------------------------------------------------------------------------


@router.get("", response_class=HTMLResponse)
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
        citizen = citizen_service.find_citizen(db, cpr)
    except DomainError as error:
        text = {
            "invalid-cpr": "That is not a valid CPR number. Write it as DDMMYY-NNNN or 10 digits.",
            "citizen-not-found": "No citizen has this CPR number. Check the number.",
        }.get(error.code, error.detail)
        return page(request, "find.html", ws, db, status_code=422, error=text, cpr=cpr)
    sessions.set_current_citizen(db, ws, citizen.cpr)
    return see_other("/ui/citizen")


def _counter_cpr(ws: WebSession) -> str:
    if ws.current_cpr is None:
        raise NoCitizen
    return ws.current_cpr


class NoCitizen(Exception):
    pass


@router.get("/citizen", response_class=HTMLResponse)
def citizen(request: Request, db: DbDep, ws: WebSessionDep) -> Response:
    return citizen_page(request, db, ws)


def citizen_page(
    request: Request, db: Session, ws: WebSession, error: str | None = None, status: int = 200
) -> Response:
    actor = sessions.actor_of(ws)
    view = prescription_service.dispensary_view(
        db, actor, cpr=_counter_cpr(ws), declared=DeclaredPurpose()
    )
    return page(request, "citizen.html", ws, db, view=view, error=error, status_code=status)


@router.post("/citizen/prescriptions/{prescription_id}/claim")
def claim(
    request: Request, db: DbDep, ws: CheckedSessionDep, prescription_id: uuid.UUID
) -> Response:
    try:
        prescription_service.order_prescription(
            db, sessions.actor_of(ws), cpr=_counter_cpr(ws), prescription_id=prescription_id,
            declared=DeclaredPurpose(),
        )  # fmt: skip
    except DomainError as error:
        return citizen_page(request, db, ws, error=error.detail, status=409)
    return see_other("/ui/citizen?msg=claimed")


def _dispensable(
    db: Session, ws: WebSession, prescription_id: uuid.UUID
) -> tuple[DispensaryView, PrescriptionRead | None]:
    view = prescription_service.dispensary_view(
        db, sessions.actor_of(ws), cpr=_counter_cpr(ws), declared=DeclaredPurpose()
    )
    found = next((p for p in view.prescriptions if p.id == prescription_id), None)
    return view, found


@dataclass(frozen=True)
class PackageOption:
    drug: DrugRead
    package: PackageRead
    substitute: bool


def _package_options(
    db: Session, ws: WebSession, prescription: PrescriptionRead
) -> list[PackageOption]:
    """The prescribed package first, then allowed substitutes of the same size, cheapest
    first."""
    detail = drug_service.get_drug(db, sessions.actor_of(ws), drug_id=prescription.drug_id)
    prescribed = [
        PackageOption(detail, p, substitute=False)
        for p in detail.packages
        if p.package_number == prescription.package_number
    ]
    if not (prescription.substitution_allowed and prescribed):
        return prescribed
    size = (prescribed[0].package.size, prescribed[0].package.unit)
    substitutes = [
        PackageOption(d, p, substitute=True)
        for d in detail.substitutes
        for p in d.packages
        if (p.size, p.unit) == size
    ]
    substitutes.sort(key=lambda o: (o.package.price_dkk is None, o.package.price_dkk or 0))
    return prescribed + substitutes


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
    package_quantity: Annotated[int, Form(ge=1, le=9999)] = 1,
) -> Response:
    try:
        dispensing, _ = dispensing_service.dispense(
            db, sessions.actor_of(ws), cpr=_counter_cpr(ws), prescription_id=prescription_id,
            declared=DeclaredPurpose(),
            command=DispensingCreate(package_number=package_number,
                                     package_quantity=package_quantity),
            idempotency_key=idempotency_key,
        )  # fmt: skip
    except DomainError as error:
        # Shown next to the form; the same key is kept, since a refused try stored nothing.
        return _dispense_form(request, db, ws, prescription_id, error=error.detail,
                              key=idempotency_key, status_code=409)  # fmt: skip
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
        db, actor, cpr=_counter_cpr(ws), dispensing_id=dispensing_id, declared=DeclaredPurpose()
    )
    can_undo = (
        dispensing.status == "completed"
        and dispensing.pharmacy_id == actor.organisation_id
        and dispensing_service.within_undo_window(dispensing.dispensed_at)
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
            db, sessions.actor_of(ws), cpr=_counter_cpr(ws), dispensing_id=dispensing_id,
            declared=DeclaredPurpose(), command=command,
        )  # fmt: skip
    except DomainError as error:
        return dispensing_page(request, db, ws, dispensing_id, error=error.detail, status=409)
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
    card = medication_service.get_medication_card(
        db, sessions.actor_of(ws), cpr=_counter_cpr(ws),
        declared=DeclaredPurpose(purpose=Purpose.consent),
    )  # fmt: skip
    return page(request, "card.html", ws, db, card=card)


@router.get("/today", response_class=HTMLResponse)
def today(request: Request, db: DbDep, ws: WebSessionDep) -> Response:
    rows = dispensing_service.todays_dispensings(db, sessions.actor_of(ws))
    return page(request, "today.html", ws, db, rows=rows)


router.include_router(oidc_router)


def install_web_handlers(app: FastAPI) -> None:
    """UI failures answer with pages and redirects, never JSON."""

    async def login_required(request: Request, _: Exception) -> Response:
        expired = sessions.COOKIE in request.cookies
        return see_other("/ui/login?msg=expired" if expired else "/ui/login")

    async def csrf_rejected(request: Request, _: Exception) -> Response:
        return page(request, "error.html", None, status_code=403,
                    error="This form has expired or did not come from this site. "
                    "Go back, reload the page and try again.")  # fmt: skip

    async def no_citizen(request: Request, _: Exception) -> Response:
        return see_other("/ui")

    async def domain_error(request: Request, exc: Exception) -> Response:
        if not request.url.path.startswith("/ui"):
            return await domain_error_problem(request, exc)
        detail = exc.detail if isinstance(exc, DomainError) else "Something went wrong."
        status = 403 if exc.__class__.__name__ in ("AccessDenied", "NoTreatmentRelation") else 409
        return page(request, "error.html", None, status_code=status, error=detail)

    app.add_exception_handler(LoginRequired, login_required)
    app.add_exception_handler(CsrfRejected, csrf_rejected)
    app.add_exception_handler(NoCitizen, no_citizen)
    app.add_exception_handler(DomainError, domain_error)
