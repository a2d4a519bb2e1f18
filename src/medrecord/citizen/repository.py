from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from medrecord.models import Citizen


def get_by_cpr(session: Session, cpr: str) -> Citizen | None:
    return session.execute(select(Citizen).where(Citizen.cpr == cpr)).scalar_one_or_none()
