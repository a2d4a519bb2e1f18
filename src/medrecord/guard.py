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
from medrecord.models import Citizen


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
    The use case commits after the block."""
    citizen = citizen_service.find_citizen(session, cpr)
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
