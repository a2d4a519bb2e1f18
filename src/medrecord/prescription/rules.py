"""Pure prescription rules: status as of a day, whether an iteration may be dispensed today,
whether a pharmacy may act on a claimed prescription. Rules return the problem (or None)."""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta
from typing import Protocol

from medrecord.clock import COPENHAGEN
from medrecord.errors import DomainError
from medrecord.models import OPEN_ORDER_STATUSES, MedicationStatus, PrescriptionStatus
from medrecord.problems import (
    InvalidValidity,
    MedicationEnded,
    MedicationNotActive,
    MedicationPaused,
    MedicationWithdrawn,
    NothingRemaining,
    OrderNotOpen,
    PrescriptionCancelled,
    PrescriptionClaimed,
    PrescriptionExpired,
    PrescriptionNotOpen,
    PrescriptionNotYetValid,
)


def effective_status(status: str, valid_to: date, today: date) -> str:
    """Expiry is computed from the validity window, never stored late.

    SQL restates this (``prescription.repository.effective_status_sql``); a test pins them."""
    if status == PrescriptionStatus.open and valid_to < today:
        return PrescriptionStatus.expired
    return status


def earliest_next_dispensing(
    last_dispensed_at: datetime | None, interval_days: int | None
) -> date | None:
    """The first day the next iteration may go out: the interval counts whole calendar days in
    Copenhagen from the day of the previous dispensing, never the hour (SPEC §2)."""
    if last_dispensed_at is None or interval_days is None:
        return None
    return last_dispensed_at.astimezone(COPENHAGEN).date() + timedelta(days=interval_days)


def why_not_dispensable(
    *,
    status: str,
    valid_from: date,
    valid_to: date,
    iterations: int,
    dispensed_iterations: int,
    medication_status: str,
    today: date,
) -> DomainError | None:
    """The problem that stops a dispensing today, or None when one iteration may go out."""
    current = effective_status(status, valid_to, today)
    if current == PrescriptionStatus.cancelled:
        return PrescriptionCancelled()
    if current == PrescriptionStatus.expired:
        return PrescriptionExpired(f"The prescription expired on {valid_to}.")
    if current == PrescriptionStatus.completed or dispensed_iterations >= iterations:
        return NothingRemaining()
    if current != PrescriptionStatus.open:
        return PrescriptionNotOpen()
    if valid_from > today:
        return PrescriptionNotYetValid(f"The prescription is valid from {valid_from}.")
    if medication_status == MedicationStatus.withdrawn:
        return MedicationWithdrawn()
    if medication_status == MedicationStatus.ended:
        return MedicationEnded()
    if medication_status == MedicationStatus.paused:
        return MedicationPaused()
    return None


class Dispensable(Protocol):
    """What dispensability depends on (a Prescription row has it)."""

    status: str
    valid_from: date
    valid_to: date
    iterations: int
    dispensed_iterations: int


def dispensable_problem(
    prescription: Dispensable, *, medication_status: str, today: date
) -> DomainError | None:
    return why_not_dispensable(
        status=prescription.status,
        valid_from=prescription.valid_from,
        valid_to=prescription.valid_to,
        iterations=prescription.iterations,
        dispensed_iterations=prescription.dispensed_iterations,
        medication_status=medication_status,
        today=today,
    )


def prescribing_problem(medication_status: str) -> MedicationNotActive | None:
    """A prescription is made from an active medication."""
    if medication_status != MedicationStatus.active:
        return MedicationNotActive(
            f"Only an active medication can be prescribed; this one is {medication_status}."
        )
    return None


# Receptbekendtgørelsen: a prescription is valid for at most 2 years from the day it is issued,
# may be post-dated (valid from a later day) by at most 3 months, and is never back-dated.
MAX_VALIDITY_MONTHS = 24
MAX_POST_DATING_MONTHS = 3


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day when it has no such day."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _invalid_window(field: str, message: str) -> InvalidValidity:
    # Named like a request validation error, so a client handles both alike.
    return InvalidValidity(
        message, errors=[{"field": f"body.{field}", "message": message, "type": "validity"}]
    )


def validity_problem(*, valid_from: date, valid_to: date, today: date) -> InvalidValidity | None:
    """The validity window a prescriber may give, as of the day of issue."""
    if valid_from < today:
        return _invalid_window(
            "valid_from", f"A prescription cannot be back-dated: {valid_from} is before today."
        )
    latest_start = add_months(today, MAX_POST_DATING_MONTHS)
    if valid_from > latest_start:
        return _invalid_window(
            "valid_from",
            f"A prescription may be post-dated by at most 3 months: from {latest_start} at the"
            " latest.",
        )
    latest_end = add_months(today, MAX_VALIDITY_MONTHS)
    if valid_to > latest_end:
        return _invalid_window(
            "valid_to",
            f"A prescription is valid for at most 2 years from its issue: to {latest_end} at the"
            " latest.",
        )
    return None


def status_after_undo(status: str, *, medication_status: str, valid_to: date, today: date) -> str:
    """Undo gives the units back; it reopens a completed prescription only when its medication
    is still in use (active, or paused: a pause ends) and the prescription has not expired
    (SPEC §2). The prescription of a withdrawn or ended medication stays closed."""
    on_card = medication_status in (MedicationStatus.active, MedicationStatus.paused)
    reopen = on_card and valid_to >= today
    if status == PrescriptionStatus.completed and reopen:
        return PrescriptionStatus.open
    return status


def cancel_problem(status: str) -> PrescriptionNotOpen | None:
    if status != PrescriptionStatus.open:
        return PrescriptionNotOpen(
            f"Only an open prescription can be cancelled; this one is {status}."
        )
    return None


def claim_problem(
    *, holder_id: str | None, holder_name: str | None, organisation_id: str | None
) -> PrescriptionClaimed | None:
    """An open order locks the prescription to the pharmacy that holds it; others are told who."""
    if holder_id is None or holder_id == organisation_id:
        return None
    return PrescriptionClaimed(
        f"The prescription is claimed by {holder_name}.",
        claimed_by={"pharmacy_id": holder_id, "pharmacy_name": holder_name},
    )


def order_cancel_problem(status: str) -> OrderNotOpen | None:
    if status not in OPEN_ORDER_STATUSES:
        return OrderNotOpen(f"The order is already {status}.")
    return None
