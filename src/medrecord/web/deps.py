"""What UI handlers depend on: a database session, the signed-in web session, a checked CSRF
token, the citizen at the counter. Failures are exceptions the sub-application answers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Form, Request
from sqlalchemy.orm import Session

from medrecord.config import Settings
from medrecord.models import WebSession
from medrecord.ratelimit import service as ratelimit
from medrecord.web import sessions


class LoginRequired(Exception):
    """No live web session: answered with a redirect to the login page."""


class CsrfRejected(Exception):
    """A form without this session's CSRF token: answered with an error page."""


class NoCitizen(Exception):
    """A counter page with no citizen chosen: answered with a redirect to Find."""


def db_session(request: Request) -> Iterator[Session]:
    session: Session = request.app.state.sessionmaker()
    ratelimit.configure(session, request.app.state.settings)  # the app's limits, as the API's
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


CheckedSessionDep = Annotated[WebSession, Depends(checked_session)]


def counter_cpr(ws: WebSession) -> str:
    """The CPR number of the citizen at the counter (kept in the session, never in a URL)."""
    if ws.current_cpr is None:
        raise NoCitizen
    return ws.current_cpr
