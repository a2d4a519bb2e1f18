"""Only a registered pharmacy orders and dispenses (pure rule)."""

from __future__ import annotations

import pytest

from medrecord import problems
from medrecord.models import Organisation
from medrecord.organisation.rules import require_pharmacy


def test_a_pharmacy_is_a_pharmacy() -> None:
    pharmacy = Organisation(id="P1", name="Apotek", kind="pharmacy")

    assert require_pharmacy(pharmacy) is pharmacy


@pytest.mark.parametrize(
    "organisation", [None, Organisation(id="H1", name="Rigshospitalet", kind="hospital")]
)
def test_anything_else_is_not(organisation: Organisation | None) -> None:
    with pytest.raises(problems.NotAPharmacy):
        require_pharmacy(organisation)
