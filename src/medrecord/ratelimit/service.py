"""The two refusals that are counted: a failed authentication (per client address) and a
look-up of an unknown CPR number (per caller). Each counts the failure, adds its audit row and
commits both in one transaction; over the limit it raises ``RateLimitExceeded`` (429, with
Retry-After), otherwise the caller raises its own 401 or 404.

The limits come from the settings of the app that made the session (``configure``); sessions
made elsewhere (CLI, web UI) count against the process's settings.
"""

from __future__ import annotations

import math
from functools import lru_cache

from limits import RateLimitItem, parse
from limits.strategies import FixedWindowRateLimiter
from sqlalchemy.orm import Session

from medrecord import clock
from medrecord.access.actor import Actor
from medrecord.audit import service as audit
from medrecord.config import Settings, get_settings
from medrecord.models import Outcome, Purpose
from medrecord.problems import RateLimitExceeded
from medrecord.ratelimit.storage import PostgresStorage

_SETTINGS = "medrecord.settings"
FAILED_AUTHENTICATION = "failed-authentication"
UNKNOWN_CPR = "unknown-cpr"
# Addresses come from the socket or a trusted proxy's X-Forwarded-For; keep them short anyway.
MAX_ADDRESS = 100


def configure(session: Session, settings: Settings) -> None:
    """Count this session's refusals against ``settings``' limits (the app's)."""
    session.info[_SETTINGS] = settings


def _settings(session: Session) -> Settings:
    configured = session.info.get(_SETTINGS)
    return configured if isinstance(configured, Settings) else get_settings()


@lru_cache(maxsize=32)
def limit_of(notation: str) -> RateLimitItem:
    """A limit in limits' notation ("30/minute"); ValueError if it is not one."""
    return parse(notation)


def _count(session: Session, limit: RateLimitItem, *identifiers: str) -> int | None:
    """Count one failure; None while within the limit, else seconds until the window frees."""
    limiter = FixedWindowRateLimiter(PostgresStorage(session))
    if limiter.hit(limit, *identifiers):
        return None
    window_ends = limiter.get_window_stats(limit, *identifiers).reset_time
    return max(1, math.ceil(window_ends - clock.now().timestamp()))


def refuse_authentication(session: Session, *, client: str | None, why: str) -> None:
    """A request from ``client`` failed authentication (``why``): count it against the
    address, audit it (no actor, no citizen) and commit. Raises RateLimitExceeded once the
    address is over its limit; otherwise the caller answers 401."""
    address = (client or "unknown")[:MAX_ADDRESS]
    limit = limit_of(_settings(session).failed_authentication_limit)
    retry_after = _count(session, limit, FAILED_AUTHENTICATION, address)
    reason = f"client {address}: {why}"
    if retry_after is not None:
        reason = f"client {address}: rate limited ({limit} failed authentications): {why}"
    audit.record_unauthenticated(
        session, action="token.verify", resource_type="token", reason=reason
    )
    session.commit()
    if retry_after is not None:
        raise RateLimitExceeded(
            "Too many failed authentications from your address; fix the token and try again "
            "after Retry-After seconds.",
            retry_after=retry_after,
        )


def refuse_unknown_cpr(
    session: Session,
    actor: Actor,
    *,
    masked_cpr: str,
    action: str,
    resource_type: str,
    resource_id: object | None,
    purpose: Purpose | None,
) -> None:
    """``actor`` looked up a CPR number nobody is registered with: count it against the caller
    (subject and organisation), audit it without a citizen (the number masked) and commit.
    Raises RateLimitExceeded once the caller is over the limit; otherwise the caller answers
    404. Whatever the use case had done is rolled back, as for any refusal."""
    session.rollback()
    limit = limit_of(_settings(session).unknown_cpr_limit)
    retry_after = _count(session, limit, UNKNOWN_CPR, actor.organisation_id or "-", actor.subject)
    reason = f"unknown CPR number {masked_cpr}"
    if retry_after is not None:
        reason += f"; rate limited ({limit} unknown CPR numbers)"
    audit.record(
        session,
        actor,
        action=action,
        citizen_id=None,
        resource_type=resource_type,
        resource_id=resource_id,
        purpose=purpose or audit.default_purpose(actor),
        outcome=Outcome.failed if retry_after is None else Outcome.denied,
        reason=reason,
    )
    session.commit()
    if retry_after is not None:
        raise RateLimitExceeded(
            "Too many look-ups of CPR numbers that are not registered; check the number and "
            "try again after Retry-After seconds.",
            retry_after=retry_after,
        )
