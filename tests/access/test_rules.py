"""Access rules without a database: the permission table is the SPEC §3 table (a few rows
checked cell by cell), and what a caller may declare as the purpose of an access."""

from __future__ import annotations

import pytest

from medrecord.access.actor import Role
from medrecord.access.permissions import ROLE_PERMISSIONS, Permission, Scope, scope_of
from medrecord.access.policy import DeclaredPurpose
from medrecord.errors import RuleViolation
from medrecord.models import Purpose


def test_every_role_has_an_entry() -> None:
    assert set(ROLE_PERMISSIONS) == set(Role)


@pytest.mark.parametrize(
    ("role", "permission", "scope"),
    [
        (Role.doctor, Permission.medication_write, Scope.relation),
        (Role.nurse, Permission.medication_write, None),
        (Role.nurse, Permission.card_read, Scope.relation),
        (Role.pharmacist, Permission.card_read, Scope.consent),
        (Role.pharmacist, Permission.dispensing_write, Scope.any),
        (Role.pharmacy_assistant, Permission.card_read, None),
        (Role.citizen, Permission.card_read, Scope.own),
        (Role.citizen, Permission.access_log_read, Scope.own),
        (Role.admin, Permission.card_read, None),
        (Role.admin, Permission.admin_manage, Scope.any),
        (Role.doctor, Permission.dispensing_write, None),
    ],
)
def test_spec_table_cells(role: Role, permission: Permission, scope: Scope | None) -> None:
    assert scope_of(role, permission) == scope


def test_emergency_needs_a_reason_of_twenty_characters() -> None:
    with pytest.raises(RuleViolation):
        DeclaredPurpose(purpose=Purpose.emergency, reason="too short")
    ok = DeclaredPurpose(purpose=Purpose.emergency, reason="Unconscious patient in the ER")
    assert ok.purpose is Purpose.emergency


@pytest.mark.parametrize("purpose", [Purpose.treatment, Purpose.admin, Purpose.self])
def test_only_consent_or_emergency_can_be_declared(purpose: Purpose) -> None:
    with pytest.raises(RuleViolation):
        DeclaredPurpose(purpose=purpose)
