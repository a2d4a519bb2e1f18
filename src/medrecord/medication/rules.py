"""Pure rules for medications: dosage text (FMK "dosis-til-tekst", simplified) and what each
life-cycle step allows. Rules return the problem (or None) and leave raising to the caller."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from medrecord.errors import DomainError
from medrecord.models import MedicationStatus
from medrecord.problems import (
    AlreadyPrivate,
    InvalidPause,
    MedicationNotActive,
    MedicationNotPaused,
    MedicationWithdrawn,
    NotMarkingOrganisation,
    NotPrivate,
)

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


# --- life cycle ------------------------------------------------------------------------------


def change_problem(status: str) -> MedicationWithdrawn | None:
    """A withdrawn medication is final: it is never changed again (create a new one)."""
    if status == MedicationStatus.withdrawn:
        return MedicationWithdrawn("The medication is withdrawn; create a new medication instead.")
    return None


def pause_problem(status: str, *, paused_from: date, paused_to: date | None) -> DomainError | None:
    """Only an active medication can be paused, and a pause ends after it starts."""
    if problem := change_problem(status):
        return problem
    if status != MedicationStatus.active:
        return MedicationNotActive("Only an active medication can be paused.")
    if paused_to is not None and paused_to < paused_from:
        return InvalidPause()
    return None


def resume_problem(status: str) -> DomainError | None:
    if problem := change_problem(status):
        return problem
    if status != MedicationStatus.paused:
        return MedicationNotPaused()
    return None


def private_marking_problem(
    *, private: bool, wanted: bool, marked_by: str | None, organisation_id: str | None
) -> DomainError | None:
    """Marking twice is a conflict; only the marking organisation may unmark."""
    if private == wanted:
        return AlreadyPrivate() if wanted else NotPrivate()
    if not wanted and marked_by != organisation_id:
        return NotMarkingOrganisation()
    return None
