"""Who sees an item the citizen's doctor marked private (pure rule)."""

from __future__ import annotations

import pytest

from medrecord.access.policy import Access, sees_private_item
from medrecord.models import Purpose

PLAIN = Access(purpose=Purpose.treatment, reason=None, sees_all_private=False)
CONSENT = Access(purpose=Purpose.consent, reason=None, sees_all_private=True)


@pytest.mark.parametrize(
    ("access", "organisation_id", "private", "marked_by", "sees"),
    [
        (PLAIN, "H1", False, None, True),  # not private: everyone with access
        (PLAIN, "GP1", True, "GP1", True),  # the marking organisation
        (PLAIN, "H1", True, "GP1", False),  # anyone else: no trace
        (CONSENT, "H1", True, "GP1", True),  # consent (or emergency, or the citizen)
        (PLAIN, None, True, None, False),  # an unknown organisation never matches
    ],
)
def test_private_items_exist_only_for_the_marking_organisation_or_with_consent(
    access: Access, organisation_id: str | None, private: bool, marked_by: str | None, sees: bool
) -> None:
    assert (
        sees_private_item(
            access, organisation_id=organisation_id, private=private, marked_by=marked_by
        )
        is sees
    )
