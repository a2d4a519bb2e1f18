"""The opening every citizen use case shares: find the citizen, open the audit trail,
authorise. One place, so no use case can skip a step.

It sits above ``citizen``, ``audit`` and ``access``: it gathers the facts (the citizen, whether
the caller's organisation treats them) and asks the pure policy in ``access`` for a decision.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import NamedTuple

from sqlalchemy.orm import Session

from medrecord import clock
from medrecord.access.actor import Actor
from medrecord.access.permissions import Permission
from medrecord.access.policy import Access, DeclaredPurpose, authorize
from medrecord.audit import service as audit
from medrecord.citizen import repository as citizen_repository
from medrecord.citizen import service as citizen_service
from medrecord.citizen.rules import mask_cpr, normalise_cpr
from medrecord.models import Citizen
from medrecord.problems import CitizenNotFound
from medrecord.ratelimit import service as ratelimit


class Guarded(NamedTuple):
    citizen: Citizen
    access: Access
    entry: audit.AuditTrail


@contextmanager
def guarded(
    session: Session,
    actor: Actor,
    *,
    cpr: str,
    declared: DeclaredPurpose,
    permission: Permission,
    action: str,
    resource_type: str,
    resource_id: object | None = None,
) -> Iterator[Guarded]:
    """Inside: the caller may exercise ``permission`` on the citizen, and one audit row will
    record the outcome (success on exit; denied/failed, committed alone, on a domain error).
    The use case commits after the block. An unknown CPR number leaves a row without a
    citizen and counts against the caller's limit (404, then 429)."""
    try:
        citizen = citizen_service.find_citizen(session, cpr)
    except CitizenNotFound:
        # Probing numbers is scanning: audited (no citizen to file it under) and rate limited.
        ratelimit.refuse_unknown_cpr(
            session,
            actor,
            masked_cpr=mask_cpr(normalise_cpr(cpr)),
            action=action,
            resource_type=resource_type,
            resource_id=resource_id,
            purpose=declared.purpose,
        )
        raise
    with audit.trail(
        session,
        actor,
        action=action,
        citizen_id=citizen.id,
        resource_type=resource_type,
        resource_id=resource_id,
        purpose=declared.purpose,
        reason=declared.reason,
    ) as entry:
        access = authorize(
            actor,
            citizen,
            permission,
            declared,
            has_relation=lambda: citizen_repository.has_active_relation(
                session, citizen=citizen, organisation_id=actor.organisation_id, at=clock.now()
            ),
        )
        entry.purpose = access.purpose
        yield Guarded(citizen, access, entry)
