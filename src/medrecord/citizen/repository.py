"""Citizens, the card row each one has, and who treats them now."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ColumnElement, and_, exists, or_, select, update
from sqlalchemy.orm import Session

from medrecord.models import Citizen, MedicationCard, TreatmentRelation


def get_by_cpr(session: Session, cpr: str) -> Citizen | None:
    return session.execute(select(Citizen).where(Citizen.cpr == cpr)).scalar_one_or_none()


def relation_active_at(at: datetime) -> ColumnElement[bool]:
    """A declared treatment relation is active from ``valid_from`` until ``valid_to``
    (open-ended when NULL). The one statement of that rule; every query uses it."""
    return and_(
        TreatmentRelation.valid_from <= at,
        or_(TreatmentRelation.valid_to.is_(None), TreatmentRelation.valid_to > at),
    )


def has_active_relation(
    session: Session, *, citizen: Citizen, organisation_id: str | None, at: datetime
) -> bool:
    """Does the organisation treat the citizen now (standing GP relation or a declared one)?"""
    if organisation_id is None:
        return False
    if citizen.gp_practice_id == organisation_id:
        return True  # the citizen's own GP practice has a standing relation
    stmt = select(
        exists().where(
            TreatmentRelation.citizen_id == citizen.id,
            TreatmentRelation.organisation_id == organisation_id,
            relation_active_at(at),
        )
    )
    return bool(session.execute(stmt).scalar_one())


def lock_card(session: Session, citizen_id: uuid.UUID) -> MedicationCard:
    """The citizen's card row, locked: card writes are serialised per citizen."""
    return session.execute(
        select(MedicationCard)
        .where(MedicationCard.citizen_id == citizen_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()


def bump_card_version(session: Session, citizen_id: uuid.UUID) -> int:
    """Anything on the card changed: a new card version (its ETag)."""
    return session.execute(
        update(MedicationCard)
        .where(MedicationCard.citizen_id == citizen_id)
        .values(version=MedicationCard.version + 1)
        .returning(MedicationCard.version)
    ).scalar_one()


def add(session: Session, citizen: Citizen) -> None:
    """A new citizen and their empty card (version 1); flushes, so a duplicate CPR raises."""
    session.add(citizen)
    session.flush()
    session.add(MedicationCard(citizen_id=citizen.id, version=1))
