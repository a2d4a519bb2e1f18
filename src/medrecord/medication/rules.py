"""Pure rules for medications: what each life-cycle step allows (the dosage has its own rules,
`medrecord.dosage.rules`). Rules return the problem (or None) and leave raising to the caller."""

from __future__ import annotations

from datetime import date

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

# --- life cycle ------------------------------------------------------------------------------


def change_problem(status: str) -> MedicationWithdrawn | None:
    """A withdrawn medication is final: it is never changed again (create a new one)."""
    if status == MedicationStatus.withdrawn:
        return MedicationWithdrawn("The medication is withdrawn; create a new medication instead.")
    return None


def pause_problem(status: str, *, paused_from: date, paused_to: date | None) -> DomainError | None:
    """Only a medication active today can be paused (a scheduled or past pause is replaced),
    and a pause ends after it starts. ``status`` is the current status (dates honoured)."""
    if problem := change_problem(status):
        return problem
    if status != MedicationStatus.active:
        return MedicationNotActive(
            f"Only an active medication can be paused; this one is {status}."
        )
    if paused_to is not None and paused_to < paused_from:
        return InvalidPause()
    return None


def resume_problem(status: str) -> DomainError | None:
    """``status`` is the stored one: a pause, running or scheduled, can be lifted."""
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
