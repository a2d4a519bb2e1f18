"""Dispensability as of a day: pure rules, no database."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from medrecord import problems
from medrecord.prescription.rules import (
    earliest_next_iteration,
    effective_status,
    iterations_problem,
    remaining_iterations,
    why_not_dispensable,
)

TODAY = date(2026, 11, 21)


def check(**overrides: object) -> str | None:
    facts: dict[str, object] = {
        "status": "open",
        "valid_from": TODAY - timedelta(days=10),
        "valid_to": TODAY + timedelta(days=10),
        "remaining_units": Decimal(200),
        "medication_status": "active",
        "today": TODAY,
    }
    facts.update(overrides)
    problem = why_not_dispensable(**facts)  # type: ignore[arg-type]
    return None if problem is None else problem.code


def test_an_open_valid_prescription_with_iterations_left_is_dispensable() -> None:
    assert check() is None


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"status": "cancelled"}, "prescription-cancelled"),
        ({"valid_to": TODAY - timedelta(days=1)}, "prescription-expired"),
        ({"status": "completed"}, "nothing-remaining"),
        ({"remaining_units": Decimal(0)}, "nothing-remaining"),
        ({"status": "invalid"}, "prescription-invalid"),
        ({"medication_status": "ended"}, "medication-ended"),
        ({"valid_from": TODAY + timedelta(days=1)}, "prescription-not-yet-valid"),
        ({"medication_status": "withdrawn"}, "medication-withdrawn"),
        ({"medication_status": "paused"}, "medication-paused"),
    ],
)
def test_each_reason_a_prescription_cannot_be_dispensed(
    overrides: dict[str, object], code: str
) -> None:
    assert check(**overrides) == code


def test_the_last_valid_day_still_counts() -> None:
    assert check(valid_to=TODAY) is None
    assert effective_status("open", TODAY, TODAY) == "open"
    assert effective_status("open", TODAY - timedelta(days=1), TODAY) == "expired"
    assert effective_status("cancelled", TODAY - timedelta(days=1), TODAY) == "cancelled"


def test_next_iteration_waits_for_the_interval_in_copenhagen_calendar_days() -> None:
    last = datetime(2026, 11, 1, 10, 0, tzinfo=UTC)
    assert earliest_next_iteration(last, 30, "days") == date(2026, 12, 1)
    # 23:30 UTC on 21 Nov is 00:30 on 22 Nov in Copenhagen: the day counted is the 22nd.
    late = datetime(2026, 11, 21, 23, 30, tzinfo=UTC)
    assert earliest_next_iteration(late, 1, "days") == date(2026, 11, 23)
    assert earliest_next_iteration(None, 30, "days") is None
    assert earliest_next_iteration(last, None, None) is None


@pytest.mark.parametrize(
    ("started", "interval", "unit", "earliest"),
    [
        (date(2026, 11, 1), 2, "weeks", date(2026, 11, 15)),
        (date(2026, 11, 30), 3, "months", date(2027, 2, 28)),  # the month's last day
        (date(2027, 1, 31), 1, "months", date(2027, 2, 28)),
        (date(2026, 3, 28), 1, "days", date(2026, 3, 29)),  # across the spring DST change
    ],
)
def test_intervals_in_weeks_and_calendar_months(
    started: date, interval: int, unit: str, earliest: date
) -> None:
    at = datetime(started.year, started.month, started.day, 9, 0, tzinfo=UTC)
    assert earliest_next_iteration(at, interval, unit) == earliest


def test_remaining_iterations_count_a_begun_one_until_its_rest_is_out() -> None:
    assert remaining_iterations(Decimal(400), Decimal(200)) == 2
    assert remaining_iterations(Decimal(300), Decimal(200)) == 2
    assert remaining_iterations(Decimal(0), Decimal(200)) == 0


def test_a_group_a4_drug_is_prescribed_without_iterations() -> None:
    """Receptbekendtgørelsen: A§4 is dispensed once (no reiteration)."""
    problem = iterations_problem("A§4", 10)

    assert isinstance(problem, problems.DispensedOnce)
    assert problem.extra["errors"][0]["field"] == "body.iterations"
    assert iterations_problem("A§4", 1) is None
    assert iterations_problem("A", 10) is None
