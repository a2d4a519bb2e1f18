"""Decide whether an actor may exercise a permission on one citizen, and on what footing, and
whether a private item exists for them. Pure: the caller brings the facts (the treatment
relation is looked up by the use-case opening, ``medrecord.guard``).

Denials are raised as AccessDenied problems; the use case's audit trail records them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from medrecord.access.actor import Actor, Role
from medrecord.access.permissions import EMERGENCY_ROLES, Permission, Scope, scope_of
from medrecord.models import Citizen, Purpose
from medrecord.problems import (
    ConsentRequired,
    EmergencyReasonRequired,
    InvalidAccessPurpose,
    NotOwnData,
    NoTreatmentRelation,
    RoleNotAllowed,
)

MIN_EMERGENCY_REASON = 20


@dataclass(frozen=True, slots=True)
class DeclaredPurpose:
    """What the caller declared in ``X-Access-Purpose`` / ``X-Access-Reason`` (may be nothing)."""

    purpose: Purpose | None = None
    reason: str | None = None

    def __post_init__(self) -> None:
        if self.purpose not in (None, Purpose.consent, Purpose.emergency):
            raise InvalidAccessPurpose()
        if self.purpose is Purpose.emergency and len((self.reason or "").strip()) < (
            MIN_EMERGENCY_REASON
        ):
            raise EmergencyReasonRequired(
                f"Emergency access needs X-Access-Reason of at least {MIN_EMERGENCY_REASON} "
                "characters."
            )


@dataclass(frozen=True, slots=True)
class Access:
    """A granted access: the purpose to audit, and whether private items may be shown."""

    purpose: Purpose
    reason: str | None
    sees_all_private: bool


def authorize(
    actor: Actor,
    citizen: Citizen,
    permission: Permission,
    declared: DeclaredPurpose,
    *,
    has_relation: Callable[[], bool],
) -> Access:
    """Grant ``permission`` on ``citizen`` or raise AccessDenied (the audit trail records it).

    ``has_relation()``: the caller's organisation has an active treatment relation with the
    citizen now (the standing GP relation included); asked only when the scope needs it."""
    scope = scope_of(actor.role, permission)
    # Consent and emergency both let the caller see items the citizen marked private.
    sees_private = declared.purpose in (Purpose.consent, Purpose.emergency)

    if scope is None:
        raise RoleNotAllowed(f"The role '{actor.role}' may not do this.")
    if scope is Scope.own:
        if actor.cpr != citizen.cpr:
            raise NotOwnData()
        return Access(purpose=Purpose.self, reason=None, sees_all_private=True)
    if scope is Scope.any:
        purpose = Purpose.admin if actor.role is Role.admin else Purpose.treatment
        if declared.purpose is Purpose.consent:
            purpose = Purpose.consent
        return Access(purpose=purpose, reason=declared.reason, sees_all_private=sees_private)
    if scope is Scope.consent:
        if declared.purpose is not Purpose.consent:
            raise ConsentRequired()
        return Access(purpose=Purpose.consent, reason=declared.reason, sees_all_private=True)
    # Scope.relation
    if has_relation():
        purpose = declared.purpose or Purpose.treatment
        return Access(purpose=purpose, reason=declared.reason, sees_all_private=sees_private)
    if declared.purpose is Purpose.emergency:
        if actor.role not in EMERGENCY_ROLES:
            raise RoleNotAllowed("Only doctors and nurses may use emergency access.")
        return Access(purpose=Purpose.emergency, reason=declared.reason, sees_all_private=True)
    raise NoTreatmentRelation(
        "Your organisation has no active treatment relation with this citizen. Declare one, "
        "or use emergency access."
    )


def own_cpr(actor: Actor) -> str:
    """The CPR number of a citizen caller (for /me routes); others have no /me."""
    if actor.role is not Role.citizen or actor.cpr is None:
        raise RoleNotAllowed("Only citizens have a /me.")
    return actor.cpr


def sees_private_item(
    access: Access, *, organisation_id: str | None, private: bool, marked_by: str | None
) -> bool:
    """A private item exists only for the citizen, the marking organisation, and access with
    consent or emergency; for everyone else it leaves no trace.

    SQL restates this for speed (``medication.repository``, the card statement); a test pins
    them to this function over a table of cases."""
    # An organisation that is not known (None) never matches, as NULL = NULL is not true in SQL.
    return (
        not private
        or access.sees_all_private
        or (marked_by is not None and marked_by == organisation_id)
    )


def sees_private_prescriptions(actor: Actor, access: Access) -> bool:
    """Pharmacy staff see every prescription they could dispense, private ones included: the
    citizen is at the counter to collect it (SPEC §3). The card itself stays behind consent;
    the prescription queries still show pharmacies only what can be dispensed."""
    return access.sees_all_private or scope_of(actor.role, Permission.dispensing_write) is Scope.any
