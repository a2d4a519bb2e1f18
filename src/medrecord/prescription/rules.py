"""Pure prescription rules: status as of a day, whether an iteration may be dispensed today,
whether a pharmacy may act on a claimed prescription. Rules return the problem (or None)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Protocol

from medrecord.errors import DomainError
from medrecord.models import OPEN_ORDER_STATUSES, MedicationStatus, PrescriptionStatus
from medrecord.problems import (
    InvalidValidity,
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


def validity_problem(*, valid_to: date, today: date) -> InvalidValidity | None:
    if valid_to < today:
        return InvalidValidity("The validity window has already ended.")
    return None


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
