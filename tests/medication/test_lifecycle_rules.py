"""What each step of a medication's life cycle allows (pure rules, no database)."""

from __future__ import annotations

from datetime import date

import pytest

from medrecord import problems
from medrecord.medication.rules import (
    change_problem,
    pause_problem,
    private_marking_problem,
    resume_problem,
)

MONDAY, FRIDAY = date(2026, 11, 23), date(2026, 11, 27)


@pytest.mark.parametrize("status", ["active", "paused"])
def test_a_live_medication_can_be_changed(status: str) -> None:
    assert change_problem(status) is None


def test_a_withdrawn_medication_is_final() -> None:
    assert isinstance(change_problem("withdrawn"), problems.MedicationWithdrawn)


def test_an_active_medication_pauses_for_a_window() -> None:
    assert pause_problem("active", paused_from=MONDAY, paused_to=FRIDAY) is None
    assert pause_problem("active", paused_from=MONDAY, paused_to=None) is None


def test_a_pause_cannot_end_before_it_starts() -> None:
    problem = pause_problem("active", paused_from=FRIDAY, paused_to=MONDAY)

    assert isinstance(problem, problems.InvalidPause)


@pytest.mark.parametrize(
    ("status", "expected"),
    [("paused", problems.MedicationNotActive), ("withdrawn", problems.MedicationWithdrawn)],
)
def test_only_an_active_medication_pauses(status: str, expected: type) -> None:
    assert isinstance(pause_problem(status, paused_from=MONDAY, paused_to=None), expected)


def test_only_a_paused_medication_resumes() -> None:
    assert resume_problem("paused") is None
    assert isinstance(resume_problem("active"), problems.MedicationNotPaused)
    assert isinstance(resume_problem("withdrawn"), problems.MedicationWithdrawn)


def test_marking_private_twice_or_unmarking_a_visible_one_conflicts() -> None:
    mark_again = private_marking_problem(
        private=True, wanted=True, marked_by="A", organisation_id="A"
    )
    unmark_visible = private_marking_problem(
        private=False, wanted=False, marked_by=None, organisation_id="A"
    )

    assert isinstance(mark_again, problems.AlreadyPrivate)
    assert isinstance(unmark_visible, problems.NotPrivate)


def test_only_the_marking_organisation_unmarks() -> None:
    assert (
        private_marking_problem(private=True, wanted=False, marked_by="A", organisation_id="A")
        is None
    )
    other = private_marking_problem(private=True, wanted=False, marked_by="A", organisation_id="B")

    assert isinstance(other, problems.NotMarkingOrganisation)


def test_any_prescribing_organisation_may_mark_private() -> None:
    assert (
        private_marking_problem(private=False, wanted=True, marked_by=None, organisation_id="B")
        is None
    )
