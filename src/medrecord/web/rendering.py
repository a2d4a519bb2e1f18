"""Templates and the page every UI handler answers with."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session

from medrecord import clock
from medrecord.dosage.derive import display_text
from medrecord.dosage.wording import Language
from medrecord.medication.schemas import MedicationSummary
from medrecord.models import WebSession
from medrecord.organisation import repository as organisation_repository
from medrecord.web import format as fmt
from medrecord.web import sessions

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=str(HERE / "templates"))
templates.env.filters["dkdate"] = fmt.danish_date
templates.env.filters["dktime"] = fmt.danish_datetime
templates.env.globals["days_until"] = fmt.days_until
templates.env.globals["today"] = clock.today
templates.env.filters["num"] = fmt.number
templates.env.globals["EXPIRY_WARNING_DAYS"] = fmt.EXPIRY_WARNING_DAYS
# The counter speaks English until it is translated; texts derived in both languages (the
# dosage) follow the page's language.
LANGUAGE: Language = "en"
templates.env.globals["language"] = LANGUAGE


def dosage_text(medication: MedicationSummary, language: Language = LANGUAGE) -> str:
    """The medication's dosage line in the page's language."""
    return display_text(medication.dosage_derived, language)


templates.env.globals["dosage_text"] = dosage_text

MESSAGES = {
    "claimed": "The prescription is now claimed by your pharmacy.",
    "undone": "The dispensing is undone; the iteration is available again.",
    "signed-out": "You are signed out.",
    "expired": "Your session has ended. Please sign in again.",
}


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
        pharmacy_name = organisation_repository.name_of(db, actor.organisation_id)
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
