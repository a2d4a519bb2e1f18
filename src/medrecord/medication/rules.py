"""Pure rules for medications: dosage text (FMK "dosis-til-tekst", simplified)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

DAY_PARTS = ("morning", "noon", "evening", "night")
_PLURALS = {
    "tablet": "tablets",
    "capsule": "capsules",
    "puff": "puffs",
    "drop": "drops",
    "suppository": "suppositories",
    "sachet": "sachets",
    "patch": "patches",
    "injection": "injections",
    "dose": "doses",
    "unit": "units",
}


def quantity_text(quantity: Decimal, unit: str) -> str:
    number = format(quantity.normalize(), "f")
    word = unit if quantity == 1 else _PLURALS.get(unit, unit)
    return f"{number} {word}"


def _join(parts: Sequence[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def dosage_text(
    *,
    kind: str,
    unit: str,
    per_day_part: dict[str, Decimal | None],
    timed: Sequence[tuple[str, Decimal]] = (),
    max_per_day: Decimal | None = None,
    note: str | None = None,
) -> str:
    """A sentence a patient can follow, e.g. "1 tablet morning and evening"."""
    given = [(part, q) for part in DAY_PARTS if (q := per_day_part.get(part)) is not None]
    if given and len({q for _, q in given}) == 1:
        text = f"{quantity_text(given[0][1], unit)} {_join([p for p, _ in given])}"
    elif given:
        text = _join([f"{quantity_text(q, unit)} {part}" for part, q in given])
    elif timed:
        text = _join([f"{quantity_text(q, unit)} at {at}" for at, q in timed])
    else:
        text = quantity_text(Decimal(1), unit)
    if kind == "as_needed":
        text = f"{text} as needed"
        if max_per_day is not None:
            text += f", at most {quantity_text(max_per_day, unit)} a day"
    elif kind == "temporary":
        text = f"{text} (temporary)"
    if note:
        text += f". {note}"
    return text
