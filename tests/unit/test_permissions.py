"""The permission table is the SPEC §3 table; a few rows checked cell by cell."""

from __future__ import annotations

import pytest

from medrecord.access.actor import Role
from medrecord.access.permissions import ROLE_PERMISSIONS, Permission, Scope, scope_of


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
