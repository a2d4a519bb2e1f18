"""Decide whether an actor may exercise a permission on one citizen, and on what footing.

Denials are raised as AccessDenied; the use case's audit trail records them.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from medrecord import clock
from medrecord.access.actor import Actor, Role
from medrecord.access.permissions import EMERGENCY_ROLES, Permission, Scope, scope_of
from medrecord.access.relations import has_active_relation
from medrecord.errors import AccessDenied, NoTreatmentRelation, RuleViolation
from medrecord.models import Citizen, Purpose

MIN_EMERGENCY_REASON = 20


@dataclass(frozen=True, slots=True)
class DeclaredPurpose:
    """What the caller declared in ``X-Access-Purpose`` / ``X-Access-Reason`` (may be nothing)."""

    purpose: Purpose | None = None
    reason: str | None = None

    def __post_init__(self) -> None:
        if self.purpose not in (None, Purpose.consent, Purpose.emergency):
            raise RuleViolation(
                "X-Access-Purpose must be 'consent' or 'emergency'.", code="invalid-access-purpose"
            )
        if self.purpose is Purpose.emergency and len((self.reason or "").strip()) < (
            MIN_EMERGENCY_REASON
        ):
            raise RuleViolation(
                f"Emergency access needs X-Access-Reason of at least {MIN_EMERGENCY_REASON} "
                "characters.",
                code="emergency-reason-required",
            )


@dataclass(frozen=True, slots=True)
class Access:
    """A granted access: the purpose to audit, and whether private items may be shown."""

    purpose: Purpose
    reason: str | None
    sees_all_private: bool


def authorize(
    session: Session,
    actor: Actor,
    citizen: Citizen,
    permission: Permission,
    declared: DeclaredPurpose,
) -> Access:
    """Grant ``permission`` on ``citizen`` or raise AccessDenied (the audit trail records it)."""
    scope = scope_of(actor.role, permission)
    # Consent and emergency both let the caller see items the citizen marked private.
    sees_private = declared.purpose in (Purpose.consent, Purpose.emergency)

    if scope is None:
        raise AccessDenied(f"The role '{actor.role}' may not do this.", code="role-not-allowed")
    if scope is Scope.own:
        if actor.cpr != citizen.cpr:
            raise AccessDenied("Citizens may only see their own data.", code="not-own-data")
        return Access(purpose=Purpose.self, reason=None, sees_all_private=True)
    if scope is Scope.any:
        purpose = Purpose.admin if actor.role is Role.admin else Purpose.treatment
        if declared.purpose is Purpose.consent:
            purpose = Purpose.consent
        return Access(purpose=purpose, reason=declared.reason, sees_all_private=sees_private)
    if scope is Scope.consent:
        if declared.purpose is not Purpose.consent:
            raise AccessDenied(
                "Reading the whole card needs the citizen's consent (X-Access-Purpose: consent).",
                code="consent-required",
            )
        return Access(purpose=Purpose.consent, reason=declared.reason, sees_all_private=True)
    # Scope.relation
    if has_active_relation(
        session, citizen=citizen, organisation_id=actor.organisation_id, at=clock.now()
    ):
        purpose = declared.purpose or Purpose.treatment
        return Access(purpose=purpose, reason=declared.reason, sees_all_private=sees_private)
    if declared.purpose is Purpose.emergency:
        if actor.role not in EMERGENCY_ROLES:
            raise AccessDenied("Only doctors and nurses may use emergency access.")
        return Access(purpose=Purpose.emergency, reason=declared.reason, sees_all_private=True)
    raise NoTreatmentRelation(
        "Your organisation has no active treatment relation with this citizen. Declare one, "
        "or use emergency access."
    )
