from __future__ import annotations

import pytest

from medrecord.access.policy import DeclaredPurpose
from medrecord.errors import RuleViolation
from medrecord.models import Purpose


def test_emergency_needs_a_reason_of_twenty_characters() -> None:
    with pytest.raises(RuleViolation):
        DeclaredPurpose(purpose=Purpose.emergency, reason="too short")
    ok = DeclaredPurpose(purpose=Purpose.emergency, reason="Unconscious patient in the ER")
    assert ok.purpose is Purpose.emergency


@pytest.mark.parametrize("purpose", [Purpose.treatment, Purpose.admin, Purpose.self])
def test_only_consent_or_emergency_can_be_declared(purpose: Purpose) -> None:
    with pytest.raises(RuleViolation):
        DeclaredPurpose(purpose=purpose)
