"""Treatment relations: does the caller's organisation currently treat this citizen?"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session

from medrecord.models import Citizen, TreatmentRelation


def has_active_relation(
    session: Session, *, citizen: Citizen, organisation_id: str | None, at: datetime
) -> bool:
    if organisation_id is None:
        return False
    if citizen.gp_practice_id == organisation_id:
        return True  # the citizen's own GP practice has a standing relation
    stmt = select(
        exists().where(
            TreatmentRelation.citizen_id == citizen.id,
            TreatmentRelation.organisation_id == organisation_id,
            TreatmentRelation.valid_from <= at,
            or_(TreatmentRelation.valid_to.is_(None), TreatmentRelation.valid_to > at),
        )
    )
    return bool(session.execute(stmt).scalar_one())
