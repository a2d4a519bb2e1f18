"""Dosages of every shape, as a client sends them: the API documentation shows them, the demo
prescribes them, and tests reuse them."""

from __future__ import annotations

from dataclasses import dataclass
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


@dataclass(frozen=True)
class Shape:
    """A documented dosage shape, on a demo catalogue drug it fits."""

    summary: str
    description: str
    dosage: JSON
    drug_id: str  # the demo catalogue's drug (e.g. 28100514735 Lantus)
    route: str = "oral"


# The shapes SPEC §2.1 names, with real regimens.
SHAPES: dict[str, Shape] = {
    "daily": Shape(
        "Daily: 1 tablet morning and evening",
        "Metformin. One open-ended period of one day repeated daily.",
        daily(morning=1, evening=1),
        drug_id="28100055433",
        route="oral",
    ),
    "clock_time": Shape(
        "Clock time: 24 units at 22:00",
        "Insulin glargine (Lantus) in units at a clock time.",
        {
            "unit": "unit",
            "periods": [{"days": [{"day": 1, "doses": [{"at": "22:00", "quantity": 24}]}]}],
        },
        drug_id="28100514735",
        route="subcutaneous",
    ),
    "range": Shape(
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
        drug_id="28100522654",
        route="subcutaneous",
    ),
    "as_needed": Shape(
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
        drug_id="28100007919",
        route="oral",
    ),
    "combined": Shape(
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
        drug_id="28100609763",
        route="inhalation",
    ),
    "every_other_day": Shape(
        "Every other day: 1 tablet",
        "A two-day cycle with a dose on day 1.",
        {
            "unit": "tablet",
            "periods": [{"cycle_days": 2, "days": [{"day": 1, "doses": [{"quantity": 1}]}]}],
        },
        drug_id="28100221732",
        route="oral",
    ),
    "every_third_day": Shape(
        "Every 72 hours: 1 patch",
        "Fentanyl patch changed every third day.",
        {
            "unit": "patch",
            "periods": [{"cycle_days": 3, "days": [{"day": 1, "doses": [{"quantity": 1}]}]}],
        },
        drug_id="28100586006",
        route="transdermal",
    ),
    "weekly": Shape(
        "Weekly: 1 tablet Monday morning",
        "Alendronate once a week, on a weekday.",
        {
            "unit": "tablet",
            "periods": [
                {"cycle_days": 7, "days": [{"weekday": "monday", "doses": doses(morning=1)}]}
            ],
            "note": "tages fastende med et glas vand, 30 minutter før morgenmad",
        },
        drug_id="28100490978",
        route="oral",
    ),
    "first_day": Shape(
        "Loading dose: 2 tablets the first day, then 1 daily",
        "Two periods: one day, then open-ended.",
        {
            "unit": "tablet",
            "periods": [
                {"length_days": 1, "days": [{"day": 1, "doses": [{"quantity": 2}]}]},
                {"days": [{"day": 1, "doses": [{"quantity": 1}]}]},
            ],
        },
        drug_id="28100007919",
        route="oral",
    ),
    "taper": Shape(
        "Taper: prednisolone 6, 4, 2 tablets for 3 days each, then stop",
        "Three periods with lengths: the dosage is temporary.",
        {
            "unit": "tablet",
            "periods": [
                {"length_days": 3, "days": [{"day": 1, "doses": doses(morning=q)}]}
                for q in (6, 4, 2)
            ],
        },
        drug_id="28100451383",
        route="oral",
    ),
    "course": Shape(
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
        drug_id="28100403869",
        route="oral",
    ),
    "eye_drops": Shape(
        "Eye drops: 1 drop in the evening",
        "Latanoprost (Xalatan).",
        daily("drop", note="i begge øjne", evening=1),
        drug_id="28100593925",
        route="ocular",
    ),
    "child_suspension": Shape(
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
        drug_id="28100601844",
        route="oral",
    ),
    "free_text": Shape(
        "Free text: by written instruction",
        "Allowed, but unstructured: nothing can be computed from it.",
        {"free_text": "Efter skriftlig anvisning"},
        drug_id="28100451383",
        route="oral",
    ),
}
