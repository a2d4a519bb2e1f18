"""The SPEC §3 access table as data: one place to review who may do what.

Beyond the SPEC table: reading a citizen's treatment relations follows reading the card
(doctor/nurse with a relation, the citizen, admins).

Each role maps a permission to the *scope* in which it holds; the policy module turns a scope
into a decision for one citizen.
"""

from __future__ import annotations

from enum import StrEnum

from medrecord.access.actor import Role


class Permission(StrEnum):
    card_read = "card:read"
    dispensable_prescription_read = "prescription:read-dispensable"
    medication_write = "medication:write"
    medication_mark_private = "medication:mark-private"
    card_review = "card:review"
    prescription_write = "prescription:write"
    dispensing_write = "dispensing:write"
    relation_declare = "treatment-relation:declare"
    relation_read = "treatment-relation:read"
    access_log_read = "access-log:read"
    admin_manage = "admin:manage"


class Scope(StrEnum):
    relation = "relation"  # an active treatment relation with the caller's organisation
    consent = "consent"  # only with X-Access-Purpose: consent
    own = "own"  # the citizen's own data
    any = "any"  # every citizen (the role's job, e.g. pharmacies)


ROLE_PERMISSIONS: dict[Role, dict[Permission, Scope]] = {
    Role.doctor: {
        Permission.card_read: Scope.relation,
        Permission.dispensable_prescription_read: Scope.relation,
        Permission.medication_write: Scope.relation,
        Permission.medication_mark_private: Scope.relation,
        Permission.card_review: Scope.relation,
        Permission.prescription_write: Scope.relation,
        Permission.relation_declare: Scope.any,
        Permission.relation_read: Scope.relation,
    },
    Role.nurse: {
        Permission.card_read: Scope.relation,
        Permission.dispensable_prescription_read: Scope.relation,
        Permission.relation_declare: Scope.any,
        Permission.relation_read: Scope.relation,
    },
    Role.pharmacist: {
        Permission.card_read: Scope.consent,
        Permission.dispensable_prescription_read: Scope.any,
        Permission.dispensing_write: Scope.any,
    },
    Role.pharmacy_assistant: {
        Permission.dispensable_prescription_read: Scope.any,
        Permission.dispensing_write: Scope.any,
    },
    Role.citizen: {
        Permission.card_read: Scope.own,
        Permission.dispensable_prescription_read: Scope.own,
        Permission.access_log_read: Scope.own,
        Permission.relation_read: Scope.own,
    },
    Role.admin: {
        Permission.relation_declare: Scope.any,
        Permission.relation_read: Scope.any,
        Permission.access_log_read: Scope.any,
        Permission.admin_manage: Scope.any,
    },
}

# Roles that may break the glass (værdispring) when they have no treatment relation.
EMERGENCY_ROLES = frozenset({Role.doctor, Role.nurse})


def scope_of(role: Role, permission: Permission) -> Scope | None:
    return ROLE_PERMISSIONS.get(role, {}).get(permission)
