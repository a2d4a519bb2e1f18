"""Claims, cancellation and prescribing (pure prescription rules)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest

from medrecord import problems
from medrecord.prescription.rules import (
    add_months,
    cancel_problem,
    claim_problem,
    dispensable_problem,
    order_cancel_problem,
    prescribing_problem,
    status_after_undo,
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


@pytest.mark.parametrize(
    ("valid_from", "valid_to", "field"),
    [
        (date(2026, 11, 22), date(2028, 11, 22), None),  # 2 years from issue: the most
        (date(2027, 2, 22), date(2027, 3, 1), None),  # post-dated 3 months: the most
        (date(2026, 11, 21), date(2027, 1, 1), "body.valid_from"),  # back-dated
        (date(2001, 1, 1), date(2027, 1, 1), "body.valid_from"),
        (date(2027, 2, 23), date(2027, 3, 1), "body.valid_from"),  # post-dated too far
        (date(2027, 11, 22), date(2028, 1, 1), "body.valid_from"),
        (date(2026, 11, 22), date(2028, 11, 23), "body.valid_to"),  # beyond 2 years
        (date(2026, 11, 22), date(2099, 12, 31), "body.valid_to"),
    ],
)
def test_the_validity_window_follows_the_legal_limits(
    valid_from: date, valid_to: date, field: str | None
) -> None:
    problem = validity_problem(valid_from=valid_from, valid_to=valid_to, today=date(2026, 11, 22))

    if field is None:
        assert problem is None
    else:
        assert isinstance(problem, problems.InvalidValidity)
        assert [e["field"] for e in problem.extra["errors"]] == [field]


def test_months_are_added_to_the_calendar() -> None:
    assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)
    assert add_months(date(2026, 11, 22), 24) == date(2028, 11, 22)
    assert add_months(date(2028, 2, 29), 12) == date(2029, 2, 28)


@pytest.mark.parametrize(
    ("medication_status", "valid_to", "expected"),
    [
        ("active", date(2026, 11, 22), "open"),
        ("withdrawn", date(2027, 1, 1), "completed"),
        ("paused", date(2027, 1, 1), "open"),
        ("active", date(2026, 11, 21), "completed"),
    ],
)
def test_undo_reopens_only_a_prescription_that_could_be_dispensed(
    medication_status: str, valid_to: date, expected: str
) -> None:
    status = status_after_undo(
        "completed",
        medication_status=medication_status,
        valid_to=valid_to,
        today=date(2026, 11, 22),
    )

    assert status == expected
    assert (
        status_after_undo(
            "open", medication_status="withdrawn", valid_to=valid_to, today=date(2026, 11, 22)
        )
        == "open"
    )


def test_dispensability_reads_the_prescription_row() -> None:
    row = SimpleNamespace(
        status="open",
        valid_from=TODAY,
        valid_to=TODAY + timedelta(days=30),
        prescribed_units=Decimal(200),
        dispensed_units=Decimal(200),
    )

    problem = dispensable_problem(row, medication_status="active", today=TODAY)

    assert isinstance(problem, problems.NothingRemaining)
