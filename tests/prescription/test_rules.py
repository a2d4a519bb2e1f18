"""Dispensability as of a day: pure rules, no database."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from medrecord.prescription.rules import (
    earliest_next_dispensing,
    effective_status,
    why_not_dispensable,
)

TODAY = date(2026, 11, 21)


def check(**overrides: object) -> str | None:
    facts: dict[str, object] = {
        "status": "open",
        "valid_from": TODAY - timedelta(days=10),
        "valid_to": TODAY + timedelta(days=10),
        "iterations": 3,
        "dispensed_iterations": 1,
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
        ({"dispensed_iterations": 3}, "nothing-remaining"),
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
    assert earliest_next_dispensing(last, 30) == date(2026, 12, 1)
    # 23:30 UTC on 21 Nov is 00:30 on 22 Nov in Copenhagen: the day counted is the 22nd.
    assert earliest_next_dispensing(datetime(2026, 11, 21, 23, 30, tzinfo=UTC), 1) == date(
        2026, 11, 23
    )
    assert earliest_next_dispensing(None, 30) is None
    assert earliest_next_dispensing(last, None) is None
