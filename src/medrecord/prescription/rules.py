"""Pure prescription rules: status as of a day, and whether an iteration may be dispensed."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from medrecord.errors import Conflict
from medrecord.models import MedicationStatus, PrescriptionStatus


def effective_status(status: str, valid_to: date, today: date) -> str:
    """Expiry is computed from the validity window, never stored late."""
    if status == PrescriptionStatus.open and valid_to < today:
        return PrescriptionStatus.expired
    return status


def earliest_next_dispensing(
    last_dispensed_at: datetime | None, interval_days: int | None
) -> datetime | None:
    if last_dispensed_at is None or interval_days is None:
        return None
    return last_dispensed_at + timedelta(days=interval_days)


def why_not_dispensable(
    *,
    status: str,
    valid_from: date,
    valid_to: date,
    iterations: int,
    dispensed_iterations: int,
    medication_status: str,
    today: date,
) -> Conflict | None:
    """The conflict that stops a dispensing today, or None when one iteration may go out."""
    current = effective_status(status, valid_to, today)
    if current == PrescriptionStatus.cancelled:
        return Conflict("The prescription is cancelled.", code="prescription-cancelled")
    if current == PrescriptionStatus.expired:
        return Conflict(f"The prescription expired on {valid_to}.", code="prescription-expired")
    if current == PrescriptionStatus.completed or dispensed_iterations >= iterations:
        return Conflict(
            "Nothing remains to dispense on this prescription.", code="nothing-remaining"
        )
    if current != PrescriptionStatus.open:
        return Conflict("The prescription is not open.", code="prescription-not-open")
    if valid_from > today:
        return Conflict(
            f"The prescription is valid from {valid_from}.", code="prescription-not-yet-valid"
        )
    if medication_status == MedicationStatus.withdrawn:
        return Conflict("The medication is withdrawn.", code="medication-withdrawn")
    if medication_status == MedicationStatus.paused:
        return Conflict("The medication is paused.", code="medication-paused")
    return None
