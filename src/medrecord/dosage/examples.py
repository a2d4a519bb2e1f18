"""Dosages of every shape, as a client sends them: the API documentation shows them, the demo
prescribes them, and tests reuse them."""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter

from medrecord.dosage.schemas import Dosage

JSON = dict[str, Any]
ADAPTER: TypeAdapter[Any] = TypeAdapter(Dosage)


def doses(**by_time: float) -> list[JSON]:
    """Doses by time of day: doses(morning=1, evening=2)."""
    return [{"at": at, "quantity": quantity} for at, quantity in by_time.items()]


def daily(unit: str = "tablet", *, note: str | None = None, **by_time: float) -> JSON:
    """One open-ended daily period: daily(morning=1, evening=1)."""
    dosage: JSON = {"unit": unit, "periods": [{"days": [{"day": 1, "doses": doses(**by_time)}]}]}
    if note:
        dosage["note"] = note
    return dosage


def parse(dosage: JSON) -> Any:
    return ADAPTER.validate_python(dosage)


# (summary, description, dosage): the shapes SPEC §2.1 names, with real regimens.
SHAPES: dict[str, tuple[str, str, JSON]] = {
    "daily": (
        "Daily: 1 tablet morning and evening",
        "Metformin. One open-ended period of one day repeated daily.",
        daily(morning=1, evening=1),
    ),
    "clock_time": (
        "Clock time: 24 units at 22:00",
        "Insulin glargine (Lantus) in units at a clock time.",
        {
            "unit": "unit",
            "periods": [{"days": [{"day": 1, "doses": [{"at": "22:00", "quantity": 24}]}]}],
        },
    ),
    "range": (
        "Range: 4-8 units at meals",
        "Insulin aspart (NovoRapid) by range with each main meal.",
        {
            "unit": "unit",
            "periods": [
                {
                    "days": [
                        {
                            "day": 1,
                            "doses": [
                                {"at": "morning", "min": 4, "max": 8},
                                {"at": "noon", "min": 4, "max": 8},
                                {"at": "evening", "min": 4, "max": 8},
                            ],
                        }
                    ]
                }
            ],
            "note": "efter måltidets størrelse",
        },
    ),
    "as_needed": (
        "As needed: 1-2 tablets, at most 4 times and 8 tablets a day",
        "Paracetamol for pain: the dose per time and the limits of a day.",
        {
            "unit": "tablet",
            "periods": [
                {
                    "as_needed": {
                        "min": 1,
                        "max": 2,
                        "max_times_per_day": 4,
                        "max_quantity_per_day": 8,
                    }
                }
            ],
        },
    ),
    "combined": (
        "Combined: 1 puff morning and evening, plus 1 as needed",
        "Budesonide/formoterol (Symbicort) as maintenance and reliever in one period.",
        {
            "unit": "puff",
            "periods": [
                {
                    "days": [{"day": 1, "doses": doses(morning=1, evening=1)}],
                    "as_needed": {"quantity": 1, "max_times_per_day": 6},
                }
            ],
        },
    ),
    "every_other_day": (
        "Every other day: 1 tablet",
        "A two-day cycle with a dose on day 1.",
        {
            "unit": "tablet",
            "periods": [{"cycle_days": 2, "days": [{"day": 1, "doses": [{"quantity": 1}]}]}],
        },
    ),
    "every_third_day": (
        "Every 72 hours: 1 patch",
        "Fentanyl patch changed every third day.",
        {
            "unit": "patch",
            "periods": [{"cycle_days": 3, "days": [{"day": 1, "doses": [{"quantity": 1}]}]}],
        },
    ),
    "weekly": (
        "Weekly: 1 tablet Monday morning",
        "Alendronate once a week, on a weekday.",
        {
            "unit": "tablet",
            "periods": [
                {"cycle_days": 7, "days": [{"weekday": "monday", "doses": doses(morning=1)}]}
            ],
            "note": "tages fastende med et glas vand, 30 minutter før morgenmad",
        },
    ),
    "first_day": (
        "Loading dose: 2 tablets the first day, then 1 daily",
        "Two periods: one day, then open-ended.",
        {
            "unit": "tablet",
            "periods": [
                {"length_days": 1, "days": [{"day": 1, "doses": [{"quantity": 2}]}]},
                {"days": [{"day": 1, "doses": [{"quantity": 1}]}]},
            ],
        },
    ),
    "taper": (
        "Taper: prednisolone 6, 4, 2 tablets for 3 days each, then stop",
        "Three periods with lengths: the dosage is temporary.",
        {
            "unit": "tablet",
            "periods": [
                {"length_days": 3, "days": [{"day": 1, "doses": doses(morning=q)}]}
                for q in (6, 4, 2)
            ],
        },
    ),
    "course": (
        "Course: 1 capsule 3 times a day for 7 days",
        "Amoxicillin: one period of 7 days.",
        {
            "unit": "capsule",
            "periods": [
                {
                    "length_days": 7,
                    "days": [{"day": 1, "doses": doses(morning=1, noon=1, evening=1)}],
                }
            ],
        },
    ),
    "eye_drops": (
        "Eye drops: 1 drop in the evening",
        "Latanoprost (Xalatan).",
        daily("drop", note="i begge øjne", evening=1),
    ),
    "child_suspension": (
        "Oral suspension: 5 ml morning, noon and evening",
        "A child's antibiotic suspension, in ml.",
        {
            "unit": "ml",
            "periods": [
                {
                    "length_days": 7,
                    "days": [{"day": 1, "doses": doses(morning=5, noon=5, evening=5)}],
                }
            ],
        },
    ),
    "free_text": (
        "Free text: by written instruction",
        "Allowed, but unstructured: nothing can be computed from it.",
        {"free_text": "Efter skriftlig anvisning"},
    ),
}
