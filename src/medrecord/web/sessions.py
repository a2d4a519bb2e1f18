"""Server-side web sessions: the cookie carries a random token; the row holds who is signed in.

Idle and absolute timeouts are enforced here, on every request, by the server.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from sqlalchemy.orm import Session

from medrecord import clock
from medrecord.access.actor import Actor, Role
from medrecord.config import Settings
from medrecord.models import WebSession
from medrecord.web import session_repository

COOKIE = "medrecord_session"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(db: Session, actor: Actor) -> str:
    """Sign ``actor`` in; returns the cookie token."""
    token = secrets.token_urlsafe(32)
    now = clock.now()
    session_repository.add(
        db,
        WebSession(
            token_hash=_hash(token),
            actor=actor.snapshot() | {"cpr": actor.cpr},
            csrf_token=secrets.token_urlsafe(32),
            created_at=now,
            last_seen_at=now,
        ),
    )
    db.commit()
    return token


def load(db: Session, token: str | None, settings: Settings) -> WebSession | None:
    """The live session for ``token``, its idle clock restarted; None when absent or expired
    (an expired one is deleted)."""
    if not token:
        return None
    ws = session_repository.lock(db, _hash(token))
    if ws is None:
        return None
    now = clock.now()
    idle = now - ws.last_seen_at > timedelta(seconds=settings.ui_idle_timeout_seconds)
    too_old = now - ws.created_at > timedelta(seconds=settings.ui_absolute_timeout_seconds)
    if idle or too_old:
        session_repository.remove(db, ws)
        db.commit()
        return None
    ws.last_seen_at = now
    db.commit()
    return ws


def end(db: Session, token: str | None) -> None:
    if token:
        session_repository.remove_by_hash(db, _hash(token))
        db.commit()


def set_current_citizen(db: Session, ws: WebSession, cpr: str | None) -> None:
    ws.current_cpr = cpr
    db.commit()


def csrf_ok(ws: WebSession, submitted: str | None) -> bool:
    return bool(submitted) and hmac.compare_digest(ws.csrf_token, submitted or "")


def actor_of(ws: WebSession) -> Actor:
    a = ws.actor
    return Actor(
        subject=a["subject"],
        name=a["name"],
        role=Role(a["role"]),
        organisation_id=a.get("organisation_id"),
        cpr=a.get("cpr"),
    )


def purge_expired(db: Session, settings: Settings) -> int:
    """Delete sessions past their idle timeout (housekeeping; load() enforces it anyway).
    The caller commits."""
    cutoff = clock.now() - timedelta(seconds=settings.ui_idle_timeout_seconds)
    return session_repository.remove_idle_since(db, cutoff)
