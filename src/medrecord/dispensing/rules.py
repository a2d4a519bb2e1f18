"""Pure dispensing rules: which packages may go out, how many units, when, and when it can be
undone. The API, the web counter and the use cases all ask these functions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from medrecord.drug.rules import dispensed_once
from medrecord.errors import DomainError
from medrecord.models import DispensingStatus
from medrecord.prescription.rules import Allowance
from medrecord.problems import (
    AlreadyUndone,
    DispensedOnce,
    ExceedsRemaining,
    NotDispensingPharmacy,
    NotInSubstitutionGroup,
    PackageUnitDiffers,
    SubstitutionNotAllowed,
    TooEarly,
    UndoWindowPassed,
)

UNDO_WINDOW = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class PackageFacts:
    """What a package line depends on: the package's drug, its group, and what it holds."""

    drug_id: str
    substitution_group: str | None
    size: Decimal
    unit: str


def line_problem(
    prescribed: PackageFacts, offered: PackageFacts, *, substitution_allowed: bool
) -> DomainError | None:
    """A line may hand out the prescribed drug in any of its package sizes, or another drug
    as a substitute: allowed by the prescriber and in the same substitution group (SPEC §2).
    The amount is counted in units, so the size only has to be in the prescription's unit."""
    if offered.drug_id != prescribed.drug_id:
        if not substitution_allowed:
            return SubstitutionNotAllowed()
        group = prescribed.substitution_group
        if group is None or offered.substitution_group != group:
            return NotInSubstitutionGroup()
    if offered.unit != prescribed.unit:
        return PackageUnitDiffers(
            f"The prescription is counted in {prescribed.unit}; this package in {offered.unit}."
        )
    return None


def _amount(units: Decimal, unit: str) -> str:
    return f"{units.normalize():f} {unit}"


def amount_problem(units: Decimal, allowed: Allowance, *, unit: str) -> ExceedsRemaining | None:
    """Never more units than may go out now: the iteration, its rest, or what remains."""
    if units <= allowed.units:
        return None
    what = "iteration" if allowed.starts_iteration else "rest of the begun iteration"
    return ExceedsRemaining(
        f"This hands out {_amount(units, unit)}; at most {_amount(allowed.units, unit)} may go"
        f" out now (the {what} {allowed.iteration_number}).",
        allowed_units=float(allowed.units),
    )


def whole_packages(allowed: Allowance, size: Decimal, *, unit: str) -> int | ExceedsRemaining:
    """How many prescribed packages fill what may go out now (the default of an empty body)."""
    count = int(allowed.units // size)
    if count == 0:
        return ExceedsRemaining(
            f"{_amount(allowed.units, unit)} may go out now, less than one package of"
            f" {_amount(size, unit)}: choose the lines to hand out.",
            allowed_units=float(allowed.units),
        )
    return count


def once_problem(
    dispensing_group: str, units: Decimal, prescribed_units: Decimal
) -> DispensedOnce | None:
    """Dispensed once means whole: there is no rest of an A§4 prescription to fetch later."""
    if dispensed_once(dispensing_group) and units != prescribed_units:
        return DispensedOnce(
            f"Dispensing group {dispensing_group} is dispensed once: hand out the whole"
            f" prescribed amount ({prescribed_units.normalize():f}) in one dispensing."
        )
    return None


def too_early_problem(earliest: date | None, today: date) -> TooEarly | None:
    """The next iteration waits for the interval after the previous one (whole days)."""
    if earliest is None or today >= earliest:
        return None
    return TooEarly(
        f"Too early: the next iteration may be dispensed from {earliest:%d-%m-%Y}.",
        earliest=earliest.isoformat(),
    )


def undo_problem(
    *,
    status: str,
    dispensed_by: str,
    organisation_id: str | None,
    dispensed_at: datetime,
    now: datetime,
) -> DomainError | None:
    """Only the dispensing pharmacy undoes, once, within the undo window."""
    if dispensed_by != organisation_id:
        return NotDispensingPharmacy()
    if status == DispensingStatus.undone:
        return AlreadyUndone()
    if now - dispensed_at > UNDO_WINDOW:
        return UndoWindowPassed()
    return None
