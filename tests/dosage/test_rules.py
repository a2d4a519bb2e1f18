"""Every contradiction SPEC §2.1 names is refused with the field it concerns; shapes that are
merely unusual are accepted."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from pydantic import ValidationError

from medrecord.dosage.examples import SHAPES, daily, parse
from medrecord.dosage.rules import contradictions, dosage_end, dosage_problem

TABLET = ["tablet"]


def day(*doses: dict[str, Any], number: int = 1) -> dict[str, Any]:
    return {"day": number, "doses": list(doses)}


def one_period(**period: Any) -> dict[str, Any]:
    return {"unit": "tablet", "periods": [period]}


@pytest.mark.parametrize(
    ("dosage", "field", "message"),
    [
        pytest.param(
            one_period(as_needed={"quantity": 2, "max_quantity_per_day": 1}),
            ("periods", 0, "as_needed", "max_quantity_per_day"),
            "below the smallest single dose",
            id="as-needed maximum below the dose",
        ),
        pytest.param(
            one_period(as_needed={"min": 2, "max": 3, "max_quantity_per_day": 1}),
            ("periods", 0, "as_needed", "max_quantity_per_day"),
            "below the smallest single dose",
            id="as-needed maximum below the bottom of the range",
        ),
        pytest.param(
            one_period(as_needed={"min": 2, "max": 2}),
            ("periods", 0, "as_needed", "min"),
            "min below max",
            id="as-needed range with min = max",
        ),
        pytest.param(
            one_period(days=[day({"at": "morning", "min": 2, "max": 1})]),
            ("periods", 0, "days", 0, "doses", 0, "min"),
            "min below max",
            id="fixed range with min > max",
        ),
        pytest.param(
            one_period(days=[day({"at": "20:00", "quantity": 1}, {"at": "20:00", "quantity": 2})]),
            ("periods", 0, "days", 0, "doses", 1, "at"),
            "20:00 is given twice",
            id="duplicate clock time",
        ),
        pytest.param(
            one_period(
                days=[day({"at": "morning", "quantity": 1}, {"at": "morning", "quantity": 1})]
            ),
            ("periods", 0, "days", 0, "doses", 1, "at"),
            "morning is given twice",
            id="duplicate time of day",
        ),
        pytest.param(
            one_period(cycle_days=2, days=[day({"quantity": 1}, number=3)]),
            ("periods", 0, "days", 0, "day"),
            "outside the cycle of 2 days",
            id="day number outside the cycle",
        ),
        pytest.param(
            one_period(cycle_days=3, days=[day({"quantity": 1}), day({"quantity": 1})]),
            ("periods", 0, "days", 1, "day"),
            "1 is given twice",
            id="day given twice",
        ),
        pytest.param(
            one_period(
                length_days=3,
                cycle_days=7,
                days=[{"weekday": "friday", "doses": [{"quantity": 1}]}],
            ),
            ("periods", 0, "cycle_days"),
            "longer than the period's 3 days",
            id="cycle longer than the period",
        ),
        pytest.param(
            one_period(cycle_days=2, as_needed={"quantity": 1, "max_times_per_day": 2}),
            ("periods", 0, "cycle_days"),
            "as-needed limits are per day",
            id="cycle without fixed doses",
        ),
        pytest.param(
            one_period(cycle_days=1, days=[{"weekday": "monday", "doses": [{"quantity": 1}]}]),
            ("periods", 0, "days", 0, "weekday"),
            "weekly cycle",
            id="weekday in a daily cycle",
        ),
        pytest.param(
            one_period(
                cycle_days=7,
                days=[{"weekday": "friday", "doses": [{"quantity": 1}]}, day({"quantity": 1})],
            ),
            ("periods", 0, "days"),
            "not both",
            id="weekdays mixed with day numbers",
        ),
        pytest.param(
            {
                "unit": "tablet",
                "periods": [{"days": [day({"quantity": 2})]}, {"days": [day({"quantity": 1})]}],
            },
            ("periods", 0, "length_days"),
            "only the last period may be open-ended",
            id="open-ended period before the last",
        ),
        pytest.param(
            {"unit": "tablet", "periods": [{"length_days": 3, "days": [day({"quantity": 1})]}, {}]},
            ("periods", 1, "days"),
            "a break must end",
            id="open-ended break",
        ),
        pytest.param(
            one_period(length_days=7),
            ("periods",),
            "at least one dose",
            id="nothing but breaks",
        ),
    ],
)
def test_a_contradiction_is_named_by_its_field(
    dosage: dict[str, Any], field: tuple[str | int, ...], message: str
) -> None:
    errors = contradictions(parse(dosage), units=TABLET)

    assert [e.loc for e in errors] == [field]
    assert message in errors[0].message


def test_a_unit_the_form_does_not_allow_is_named() -> None:
    [error] = contradictions(parse(daily("ml", morning=1000)), units=TABLET)

    assert error.loc == ("unit",)
    assert "'ml' does not fit" in error.message and "tablet" in error.message


def test_a_dosage_that_outlasts_the_medication_is_refused() -> None:
    taper = parse(SHAPES["taper"].dosage)  # 9 days

    assert dosage_end(taper, date(2026, 12, 1)) == date(2026, 12, 9)
    [error] = contradictions(taper, start=date(2026, 12, 1), end=date(2026, 12, 8))
    assert error.loc == ("periods",) and "2026-12-09" in error.message
    assert contradictions(taper, start=date(2026, 12, 1), end=date(2026, 12, 9)) == []
    assert contradictions(taper, start=None, end=date(2026, 12, 1)) == []


def test_every_contradiction_is_reported_at_once_as_request_fields() -> None:
    dosage = parse(
        {
            "unit": "ml",
            "periods": [
                {
                    "cycle_days": 2,
                    "days": [
                        day(
                            {"at": "08:00", "quantity": 1}, {"at": "08:00", "quantity": 1}, number=3
                        )
                    ],
                    "as_needed": {"quantity": 2, "max_quantity_per_day": 1},
                }
            ],
        }
    )

    problem = dosage_problem(dosage, units=TABLET)

    assert problem is not None and problem.code == "invalid-dosage"
    assert [e["field"] for e in problem.extra["errors"]] == [
        "body.dosage.unit",
        "body.dosage.periods.0.days.0.day",
        "body.dosage.periods.0.days.0.doses.1.at",
        "body.dosage.periods.0.as_needed.max_quantity_per_day",
    ]


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_the_documented_shapes_contradict_nothing(name: str) -> None:
    assert contradictions(parse(SHAPES[name].dosage), start=date(2026, 12, 1)) == []


@pytest.mark.parametrize(
    "dosage",
    [
        pytest.param(one_period(days=[day({"at": "morning"})]), id="dose without quantity"),
        pytest.param(
            one_period(days=[day({"at": "morning", "quantity": 1, "min": 1, "max": 2})]),
            id="quantity and range",
        ),
        pytest.param(one_period(days=[day({"at": "morning", "min": 1})]), id="half a range"),
        pytest.param(one_period(days=[day({"at": "morning", "quantity": 0})]), id="zero quantity"),
        pytest.param(one_period(days=[day({"at": "25:00", "quantity": 1})]), id="no such hour"),
        pytest.param(one_period(days=[day({"at": "teatime", "quantity": 1})]), id="no such time"),
        pytest.param(one_period(days=[{"doses": [{"quantity": 1}]}]), id="day not given"),
        pytest.param(
            one_period(days=[{"day": 1, "weekday": "monday", "doses": [{"quantity": 1}]}]),
            id="day and weekday",
        ),
        pytest.param(one_period(days=[day()]), id="day without doses"),
        pytest.param(one_period(cycle_days=0), id="zero-day cycle"),
        pytest.param(one_period(cycle_days=366), id="cycle over a year"),
        pytest.param({"unit": "tablet", "periods": []}, id="no periods"),
        pytest.param({"unit": "tablet", "periods": [{"length_days": 1}] * 11}, id="11 periods"),
        pytest.param(daily("tablets", morning=1), id="unknown unit"),
        pytest.param({**daily(morning=1), "kind": "fixed"}, id="client-given type"),
        pytest.param({"free_text": ""}, id="empty free text"),
        pytest.param({"free_text": "   "}, id="blank free text"),
        pytest.param({"free_text": "x", "unit": "tablet"}, id="free text with a unit"),
        pytest.param(
            one_period(as_needed={"quantity": 1, "max_times_per_day": 0}), id="zero times a day"
        ),
    ],
)
def test_a_malformed_part_is_refused_by_the_schema(dosage: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        parse(dosage)


def test_unusual_but_meaningful_shapes_are_accepted() -> None:
    accepted = [
        one_period(days=[day({"at": "20:00", "quantity": 1}, {"at": "08:00", "quantity": 2})]),
        one_period(days=[day({"min": 0, "max": 1})]),
        one_period(days=[day({"quantity": 1}, {"quantity": 1}, {"quantity": 2})]),
        one_period(as_needed={"quantity": 1}),
        one_period(as_needed={"min": 1, "max": 2, "max_quantity_per_day": 1.5}),
        one_period(
            length_days=7, cycle_days=7, days=[{"weekday": "sunday", "doses": [{"quantity": 1}]}]
        ),
    ]
    assert [contradictions(parse(d), units=TABLET) for d in accepted] == [[]] * len(accepted)
