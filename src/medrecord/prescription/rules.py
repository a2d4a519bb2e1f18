"""Pure prescription rules: status as of a day, whether an iteration may be dispensed today,
whether a pharmacy may act on a claimed prescription. Rules return the problem (or None)."""

from __future__ import annotations

import calendar
import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Protocol

from medrecord.clock import local_date
from medrecord.drug.rules import dispensed_once
from medrecord.errors import DomainError
from medrecord.models import (
    OPEN_ORDER_STATUSES,
    IntervalUnit,
    MedicationStatus,
    PrescriptionStatus,
)
from medrecord.problems import (
    DispensedOnce,
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
    PrescriptionInvalid,
    PrescriptionNotOpen,
    PrescriptionNotYetValid,
)


def effective_status(status: str, valid_to: date, today: date) -> str:
    """Expiry is computed from the validity window, never stored late.

    SQL restates this (``prescription.repository.effective_status_sql``); a test pins them."""
    if status == PrescriptionStatus.open and valid_to < today:
        return PrescriptionStatus.expired
    return status


def earliest_next_iteration(
    iteration_started_at: datetime | None, interval: int | None, unit: str | None
) -> date | None:
    """The first day the next iteration may go out: the interval counts whole calendar days in
    Copenhagen from the day the previous iteration began, never the hour (SPEC §2); a month is
    a calendar month (31-01 + 1 month = 28-02)."""
    if iteration_started_at is None or interval is None:
        return None
    day = local_date(iteration_started_at)
    if unit == IntervalUnit.months:
        return add_months(day, interval)
    return day + timedelta(days=interval * (7 if unit == IntervalUnit.weeks else 1))


def remaining_iterations(remaining_units: Decimal, units_per_iteration: Decimal) -> int:
    """Iterations not yet wholly dispensed (a begun iteration counts until its rest is out)."""
    return math.ceil(remaining_units / units_per_iteration)


def why_not_dispensable(
    *,
    status: str,
    valid_from: date,
    valid_to: date,
    remaining_units: Decimal,
    medication_status: str,
    today: date,
) -> DomainError | None:
    """The problem that stops a dispensing today, or None when something may go out."""
    current = effective_status(status, valid_to, today)
    if current == PrescriptionStatus.cancelled:
        return PrescriptionCancelled()
    if current == PrescriptionStatus.expired:
        return PrescriptionExpired(f"The prescription expired on {valid_to}.")
    if current == PrescriptionStatus.completed or remaining_units <= 0:
        return NothingRemaining()
    if current == PrescriptionStatus.invalid:
        return PrescriptionInvalid()
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


@dataclass(frozen=True, slots=True)
class Allowance:
    """The most one dispensing may hand out now, and which iteration that is."""

    units: Decimal
    iteration_number: int
    # A new iteration waits for the interval; the rest of a begun one goes out at once.
    starts_iteration: bool


def allowance(
    *, prescribed_units: Decimal, dispensed_units: Decimal, units_per_iteration: Decimal
) -> Allowance:
    """At most one iteration per dispensing: a whole one, or the rest of a begun one (a
    partial dispensing leaves its rest dispensable without waiting); never more than remains."""
    remaining = prescribed_units - dispensed_units
    begun = dispensed_units % units_per_iteration
    number = int(dispensed_units // units_per_iteration) + 1
    if begun:
        return Allowance(min(units_per_iteration - begun, remaining), number, False)
    return Allowance(min(units_per_iteration, remaining), number, True)


class Dispensable(Protocol):
    """What dispensability depends on (a Prescription row has it)."""

    status: str
    valid_from: date
    valid_to: date
    prescribed_units: Decimal
    dispensed_units: Decimal


def dispensable_problem(
    prescription: Dispensable, *, medication_status: str, today: date
) -> DomainError | None:
    return why_not_dispensable(
        status=prescription.status,
        valid_from=prescription.valid_from,
        valid_to=prescription.valid_to,
        remaining_units=prescription.prescribed_units - prescription.dispensed_units,
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


def iterations_problem(dispensing_group: str, iterations: int) -> DispensedOnce | None:
    """Receptbekendtgørelsen § 6, stk. 2: an A§4 drug has no iterations."""
    if dispensed_once(dispensing_group) and iterations > 1:
        return DispensedOnce(
            f"Dispensing group {dispensing_group} is dispensed once: give 1 iteration, not"
            f" {iterations}.",
            errors=[
                {
                    "field": "body.iterations",
                    "message": f"at most 1 iteration for dispensing group {dispensing_group}",
                    "type": "dispensing_group",
                }
            ],
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
