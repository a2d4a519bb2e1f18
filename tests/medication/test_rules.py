from __future__ import annotations

import pytest
from pydantic import ValidationError

from medrecord.medication.schemas import Dosage


@pytest.mark.parametrize(
    ("dosage", "text"),
    [
        (
            {"kind": "fixed", "unit": "tablet", "morning": 1, "evening": 1},
            "1 tablet morning and evening",
        ),
        (
            {"kind": "fixed", "unit": "tablet", "morning": 2, "evening": 1},
            "2 tablets morning and 1 tablet evening",
        ),
        (
            {"kind": "fixed", "unit": "tablet", "morning": 1, "noon": 1, "evening": 1},
            "1 tablet morning, noon and evening",
        ),
        ({"kind": "fixed", "unit": "tablet", "morning": 0.5}, "0.5 tablets morning"),
        (
            {"kind": "as_needed", "unit": "puff", "max_per_day": 8},
            "1 puff as needed, at most 8 puffs a day",
        ),
        (
            {"kind": "temporary", "unit": "capsule", "morning": 1, "evening": 1},
            "1 capsule morning and evening (temporary)",
        ),
        (
            {
                "kind": "fixed",
                "unit": "ml",
                "timed": [{"time": "08:00", "quantity": 5}, {"time": "20:00", "quantity": 10}],
            },
            "5 ml at 08:00 and 10 ml at 20:00",
        ),
        (
            {"kind": "fixed", "unit": "tablet", "morning": 1, "note": "with food"},
            "1 tablet morning. with food",
        ),
    ],
)
def test_dosage_becomes_a_sentence(dosage: dict[str, object], text: str) -> None:
    assert Dosage.model_validate(dosage).text() == text


@pytest.mark.parametrize(
    "dosage",
    [
        {"kind": "fixed", "unit": "tablet"},
        {"kind": "fixed", "unit": "tablet", "morning": 0},
        {"kind": "fixed", "unit": "tablet", "morning": -1},
        {
            "kind": "fixed",
            "unit": "tablet",
            "morning": 1,
            "timed": [{"time": "08:00", "quantity": 1}],
        },
        {"kind": "fixed", "unit": "tablet", "timed": [{"time": "25:00", "quantity": 1}]},
        {"kind": "weekly", "unit": "tablet", "morning": 1},
        {"kind": "fixed", "unit": "", "morning": 1},
    ],
)
def test_incomplete_or_contradictory_dosage_is_refused(dosage: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        Dosage.model_validate(dosage)
