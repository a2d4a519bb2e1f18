from __future__ import annotations

from sqlalchemy.orm import Session

from medrecord.models import Organisation


def get(session: Session, organisation_id: str) -> Organisation | None:
    return session.get(Organisation, organisation_id)


def name_of(session: Session, organisation_id: str) -> str:
    """The organisation's name, or its id when it is not registered."""
    organisation = get(session, organisation_id)
    return organisation.name if organisation else organisation_id


def add(session: Session, organisation: Organisation) -> None:
    session.add(organisation)
    session.flush()
