"""Refusals of use cases that name no citizen (admin queues, a pharmacy's day list, /me before
the CPR is known, registering citizens and organisations): they leave an audit row too.

Citizen use cases get theirs from ``audit.service.trail`` inside the shared opening
(``medrecord.guard``); this is the same promise where there is no citizen to open.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session

from medrecord.access.actor import Actor
from medrecord.audit.service import default_purpose, record
from medrecord.errors import AccessDenied
from medrecord.models import Outcome


@contextmanager
def denials_recorded(
    session: Session, actor: Actor, *, action: str, resource_type: str
) -> Iterator[None]:
    """Inside: an AccessDenied rolls back what was done, commits one denied row (no citizen)
    on its own, and propagates."""
    try:
        yield
    except AccessDenied:
        session.rollback()
        record(
            session,
            actor,
            action=action,
            citizen_id=None,
            resource_type=resource_type,
            purpose=default_purpose(actor),
            outcome=Outcome.denied,
        )
        session.commit()
        raise
