from __future__ import annotations

from sqlalchemy.orm import Session

from medrecord.citizen import repository
from medrecord.citizen.rules import normalise_cpr
from medrecord.errors import NotFound
from medrecord.models import Citizen


def find_citizen(session: Session, raw_cpr: str) -> Citizen:
    """The citizen with this CPR number; 422 for a malformed number, 404 for an unknown one."""
    citizen = repository.get_by_cpr(session, normalise_cpr(raw_cpr))
    if citizen is None:
        raise NotFound("No citizen has this CPR number.", code="citizen-not-found")
    return citizen
