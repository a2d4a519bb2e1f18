"""Queries on the web-session table (the UI's own state; it never commits)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.orm import Session

from medrecord.models import WebSession


def add(db: Session, web_session: WebSession) -> None:
    db.add(web_session)


def lock(db: Session, token_hash: str) -> WebSession | None:
    """The session row, locked: requests of one session are serialised."""
    return db.get(WebSession, token_hash, with_for_update=True)


def remove(db: Session, web_session: WebSession) -> None:
    db.delete(web_session)


def remove_by_hash(db: Session, token_hash: str) -> None:
    db.execute(delete(WebSession).where(WebSession.token_hash == token_hash))


def remove_idle_since(db: Session, cutoff: datetime) -> int:
    """Delete sessions last seen before ``cutoff``; how many there were."""
    deleted = db.scalars(
        delete(WebSession).where(WebSession.last_seen_at < cutoff).returning(WebSession.token_hash)
    ).all()
    return len(deleted)
