from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from medrecord.citizen.repository import relation_active_at
from medrecord.models import Organisation, TreatmentRelation


def active_relations(
    session: Session, citizen_id: uuid.UUID, at: datetime
) -> list[tuple[TreatmentRelation, str]]:
    """The citizen's declared relations active at ``at``, with the organisation's name."""
    rows = session.execute(
        select(TreatmentRelation, Organisation.name)
        .join(Organisation, Organisation.id == TreatmentRelation.organisation_id)
        .where(TreatmentRelation.citizen_id == citizen_id, relation_active_at(at))
        .order_by(TreatmentRelation.valid_from)
    )
    return [(relation, name) for relation, name in rows]


def add(session: Session, relation: TreatmentRelation) -> None:
    session.add(relation)
    session.flush()
