"""Signing in (dev: pick a demo pharmacist; production: OpenID Connect, see ``oidc``) and out."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from medrecord.access.actor import Actor, Role
from medrecord.demo import people
from medrecord.web import sessions
from medrecord.web.deps import CheckedSessionDep, CsrfRejected, DbDep, settings_of
from medrecord.web.rendering import page, see_other

LOGIN_CSRF_COOKIE = "medrecord_login_csrf"
PHARMACY_ROLES = (Role.pharmacist, Role.pharmacy_assistant)

router = APIRouter()


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
    """Start a web session for ``actor`` and send them to the counter."""
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
