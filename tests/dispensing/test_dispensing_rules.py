"""Which package may go out, how many, when, and when it can be undone (pure rules)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from medrecord import problems
from medrecord.dispensing.rules import (
    UNDO_WINDOW,
    PackageFacts,
    amount_problem,
    line_problem,
    once_problem,
    too_early_problem,
    undo_problem,
    whole_packages,
)
from medrecord.prescription.rules import Allowance, allowance

PRESCRIBED = PackageFacts("28100000001", "AMLO-5", Decimal(100), "tablet")
SAME_DRUG_OTHER_PACK = PackageFacts("28100000001", "AMLO-5", Decimal(30), "tablet")
SUBSTITUTE = PackageFacts("28100000002", "AMLO-5", Decimal(100), "tablet")
SUBSTITUTE_OTHER_SIZE = PackageFacts("28100000003", "AMLO-5", Decimal(98), "tablet")
OTHER_GROUP = PackageFacts("28100000004", "PARA-500", Decimal(100), "tablet")
OTHER_UNIT = PackageFacts("28100000001", "AMLO-5", Decimal(150), "ml")
NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize("offered", [PRESCRIBED, SAME_DRUG_OTHER_PACK])
def test_the_prescribed_drug_goes_out_in_any_of_its_sizes(offered: PackageFacts) -> None:
    """Amounts are counted in units: Pinex 2 x 50 for 1 x 100 (SPEC §2)."""
    assert line_problem(PRESCRIBED, offered, substitution_allowed=False) is None


@pytest.mark.parametrize("offered", [SUBSTITUTE, SUBSTITUTE_OTHER_SIZE])
def test_a_substitute_of_the_group_goes_out_in_any_size_when_allowed(
    offered: PackageFacts,
) -> None:
    assert line_problem(PRESCRIBED, offered, substitution_allowed=True) is None


@pytest.mark.parametrize(
    ("offered", "allowed", "expected"),
    [
        (SUBSTITUTE, False, problems.SubstitutionNotAllowed),
        (OTHER_GROUP, True, problems.NotInSubstitutionGroup),
        (OTHER_UNIT, True, problems.PackageUnitDiffers),
    ],
)
def test_a_line_is_refused_with_the_reason(
    offered: PackageFacts, allowed: bool, expected: type
) -> None:
    assert isinstance(line_problem(PRESCRIBED, offered, substitution_allowed=allowed), expected)


def test_a_drug_without_a_substitution_group_has_no_substitutes() -> None:
    lonely = PackageFacts("28100000009", None, Decimal(100), "tablet")
    also_lonely = PackageFacts("28100000010", None, Decimal(100), "tablet")

    assert isinstance(
        line_problem(lonely, also_lonely, substitution_allowed=True),
        problems.NotInSubstitutionGroup,
    )


def test_the_next_iteration_waits_for_the_interval() -> None:
    earliest = date(2026, 11, 23)

    problem = too_early_problem(earliest, date(2026, 11, 22))

    assert isinstance(problem, problems.TooEarly)
    assert problem.extra["earliest"] == "2026-11-23"
    assert problem.detail.endswith("from 23-11-2026.")  # a day, never an hour
    assert too_early_problem(earliest, earliest) is None
    assert too_early_problem(None, date(2026, 11, 22)) is None


def _allowance(prescribed: int, dispensed: int, per_iteration: int) -> Allowance:
    return allowance(
        prescribed_units=Decimal(prescribed),
        dispensed_units=Decimal(dispensed),
        units_per_iteration=Decimal(per_iteration),
    )


@pytest.mark.parametrize(
    ("prescribed", "dispensed", "per_iteration", "expected"),
    [
        (400, 0, 200, Allowance(Decimal(200), 1, True)),  # a whole iteration
        (400, 100, 200, Allowance(Decimal(100), 1, False)),  # the rest of the begun one
        (400, 200, 200, Allowance(Decimal(200), 2, True)),
        (400, 390, 200, Allowance(Decimal(10), 2, False)),
        (100, 0, 100, Allowance(Decimal(100), 1, True)),
    ],
)
def test_one_dispensing_hands_out_an_iteration_or_the_rest_of_a_begun_one(
    prescribed: int, dispensed: int, per_iteration: int, expected: Allowance
) -> None:
    assert _allowance(prescribed, dispensed, per_iteration) == expected


def test_never_more_units_than_may_go_out_now() -> None:
    rest = _allowance(400, 100, 200)

    assert amount_problem(Decimal(100), rest, unit="tablet") is None
    problem = amount_problem(Decimal(300), rest, unit="tablet")
    assert isinstance(problem, problems.ExceedsRemaining)
    assert problem.detail == (
        "This hands out 300 tablet; at most 100 tablet may go out now (the rest of the begun"
        " iteration 1)."
    )


def test_an_empty_body_fills_what_may_go_out_with_whole_prescribed_packages() -> None:
    assert whole_packages(_allowance(400, 0, 200), Decimal(100), unit="tablet") == 2
    assert whole_packages(_allowance(400, 100, 200), Decimal(100), unit="tablet") == 1
    too_small = whole_packages(_allowance(400, 390, 200), Decimal(100), unit="tablet")
    assert isinstance(too_small, problems.ExceedsRemaining)


def test_a_group_a4_prescription_goes_out_once_and_whole() -> None:
    assert once_problem("A§4", Decimal(20), Decimal(20)) is None
    assert isinstance(once_problem("A§4", Decimal(10), Decimal(20)), problems.DispensedOnce)
    assert once_problem("A", Decimal(10), Decimal(20)) is None


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
