"""Which package may go out, how many, when, and when it can be undone (pure rules)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from medrecord import problems
from medrecord.dispensing.rules import (
    UNDO_WINDOW,
    PackageFacts,
    package_problem,
    quantity_problem,
    too_early_problem,
    undo_problem,
)

PRESCRIBED = PackageFacts("28100000001", "AMLO-5", Decimal(100), "tablet")
SAME_DRUG_OTHER_PACK = PackageFacts("28100000001", "AMLO-5", Decimal(30), "tablet")
SUBSTITUTE = PackageFacts("28100000002", "AMLO-5", Decimal(100), "tablet")
SUBSTITUTE_OTHER_SIZE = PackageFacts("28100000003", "AMLO-5", Decimal(98), "tablet")
OTHER_GROUP = PackageFacts("28100000004", "PARA-500", Decimal(100), "tablet")
NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)


def test_the_prescribed_drug_goes_out_in_the_prescribed_size() -> None:
    assert package_problem(PRESCRIBED, PRESCRIBED, substitution_allowed=False) is None
    other_size = package_problem(PRESCRIBED, SAME_DRUG_OTHER_PACK, substitution_allowed=False)
    assert isinstance(other_size, problems.PackageSizeDiffers)
    assert other_size.detail.endswith("packages of 100 tablet; this package holds 30.")


def test_a_same_size_substitute_of_the_group_goes_out_when_allowed() -> None:
    assert package_problem(PRESCRIBED, SUBSTITUTE, substitution_allowed=True) is None


@pytest.mark.parametrize(
    ("offered", "allowed", "expected"),
    [
        (SUBSTITUTE, False, problems.SubstitutionNotAllowed),
        (OTHER_GROUP, True, problems.NotInSubstitutionGroup),
        (SUBSTITUTE_OTHER_SIZE, True, problems.SubstituteSizeDiffers),
    ],
)
def test_a_substitute_is_refused_with_the_reason(
    offered: PackageFacts, allowed: bool, expected: type
) -> None:
    assert isinstance(package_problem(PRESCRIBED, offered, substitution_allowed=allowed), expected)


def test_a_drug_without_a_substitution_group_has_no_substitutes() -> None:
    lonely = PackageFacts("28100000009", None, Decimal(100), "tablet")
    also_lonely = PackageFacts("28100000010", None, Decimal(100), "tablet")

    assert isinstance(
        package_problem(lonely, also_lonely, substitution_allowed=True),
        problems.NotInSubstitutionGroup,
    )


def test_the_size_refusal_names_the_prescribed_amount() -> None:
    problem = package_problem(PRESCRIBED, SUBSTITUTE_OTHER_SIZE, substitution_allowed=True)

    assert problem is not None and "100 tablet" in problem.detail


def test_the_next_iteration_waits_for_the_interval() -> None:
    earliest = date(2026, 11, 23)

    problem = too_early_problem(earliest, date(2026, 11, 22))

    assert isinstance(problem, problems.TooEarly)
    assert problem.extra["earliest"] == "2026-11-23"
    assert problem.detail.endswith("from 23-11-2026.")  # a day, never an hour
    assert too_early_problem(earliest, earliest) is None
    assert too_early_problem(None, date(2026, 11, 22)) is None


def test_no_more_packages_than_one_iteration_holds() -> None:
    assert quantity_problem(2, 2) is None
    assert isinstance(quantity_problem(3, 2), problems.ExceedsRemaining)


def test_the_dispensing_pharmacy_undoes_within_the_window() -> None:
    dispensed_at = NOW - UNDO_WINDOW

    assert (
        undo_problem(
            status="completed",
            dispensed_by="P1",
            organisation_id="P1",
            dispensed_at=dispensed_at,
            now=NOW,
        )
        is None
    )


@pytest.mark.parametrize(
    ("status", "organisation_id", "age", "expected"),
    [
        ("completed", "P2", timedelta(0), problems.NotDispensingPharmacy),
        ("undone", "P1", timedelta(0), problems.AlreadyUndone),
        ("completed", "P1", UNDO_WINDOW + timedelta(seconds=1), problems.UndoWindowPassed),
        # Another pharmacy learns nothing about the state of a dispensing it did not make.
        ("undone", "P2", UNDO_WINDOW * 2, problems.NotDispensingPharmacy),
    ],
)
def test_an_undo_is_refused_with_the_reason(
    status: str, organisation_id: str, age: timedelta, expected: type
) -> None:
    problem = undo_problem(
        status=status,
        dispensed_by="P1",
        organisation_id=organisation_id,
        dispensed_at=NOW - age,
        now=NOW,
    )

    assert isinstance(problem, expected)
