"""Claims, cancellation and prescribing (pure prescription rules)."""

from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

import pytest

from medrecord import problems
from medrecord.prescription.rules import (
    cancel_problem,
    claim_problem,
    dispensable_problem,
    order_cancel_problem,
    prescribing_problem,
    validity_problem,
)

TODAY = date(2026, 11, 22)


def test_an_unclaimed_or_own_claim_lets_the_pharmacy_act() -> None:
    assert claim_problem(holder_id=None, holder_name=None, organisation_id="P1") is None
    assert claim_problem(holder_id="P1", holder_name="Apotek 1", organisation_id="P1") is None


def test_another_pharmacys_claim_names_the_holder() -> None:
    problem = claim_problem(holder_id="P2", holder_name="Apotek 2", organisation_id="P1")

    assert isinstance(problem, problems.PrescriptionClaimed)
    assert "Apotek 2" in problem.detail
    assert problem.extra["claimed_by"] == {"pharmacy_id": "P2", "pharmacy_name": "Apotek 2"}


@pytest.mark.parametrize("status", ["completed", "cancelled", "expired", "invalid"])
def test_only_an_open_prescription_is_cancelled(status: str) -> None:
    assert cancel_problem("open") is None
    assert isinstance(cancel_problem(status), problems.PrescriptionNotOpen)


def test_only_an_open_order_is_cancelled() -> None:
    assert order_cancel_problem("ordered") is None
    assert isinstance(order_cancel_problem("done"), problems.OrderNotOpen)
    assert isinstance(order_cancel_problem("cancelled"), problems.OrderNotOpen)


@pytest.mark.parametrize("status", ["paused", "withdrawn"])
def test_only_an_active_medication_is_prescribed(status: str) -> None:
    assert prescribing_problem("active") is None
    assert isinstance(prescribing_problem(status), problems.MedicationNotActive)


def test_a_window_that_has_ended_is_refused() -> None:
    assert validity_problem(valid_to=TODAY, today=TODAY) is None
    problem = validity_problem(valid_to=TODAY - timedelta(days=1), today=TODAY)

    assert isinstance(problem, problems.InvalidValidity)


def test_dispensability_reads_the_prescription_row() -> None:
    row = SimpleNamespace(
        status="open",
        valid_from=TODAY,
        valid_to=TODAY + timedelta(days=30),
        iterations=2,
        dispensed_iterations=2,
    )

    problem = dispensable_problem(row, medication_status="active", today=TODAY)

    assert isinstance(problem, problems.NothingRemaining)
