"""Pure dispensing rules: which package may go out, how many, when, and when it can be
undone. The API, the web counter and the use cases all ask these functions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from medrecord.errors import DomainError
from medrecord.models import DispensingStatus
from medrecord.problems import (
    AlreadyUndone,
    ExceedsRemaining,
    NotDispensingPharmacy,
    NotInSubstitutionGroup,
    PackageSizeDiffers,
    SubstituteSizeDiffers,
    SubstitutionNotAllowed,
    TooEarly,
    UndoWindowPassed,
)

UNDO_WINDOW = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class PackageFacts:
    """What substitution depends on: the package's drug, its group, and what it holds."""

    drug_id: str
    substitution_group: str | None
    size: Decimal
    unit: str


def package_problem(
    prescribed: PackageFacts, offered: PackageFacts, *, substitution_allowed: bool
) -> DomainError | None:
    """The prescribed drug may go out in the prescribed size; another drug only as a
    substitute: allowed by the prescriber, in the same substitution group, holding the same
    amount. (Until amounts are kept in units, a package of another size would hand out more or
    less than one iteration: Pinex 300 for Pinex 100.)"""
    if offered.drug_id == prescribed.drug_id:
        if (offered.size, offered.unit) != (prescribed.size, prescribed.unit):
            return PackageSizeDiffers(
                f"The prescription is for packages of {prescribed.size.normalize():f} "
                f"{prescribed.unit}; this package holds {offered.size.normalize():f}."
            )
        return None
    if not substitution_allowed:
        return SubstitutionNotAllowed()
    group = prescribed.substitution_group
    if group is None or offered.substitution_group != group:
        return NotInSubstitutionGroup()
    if (offered.size, offered.unit) != (prescribed.size, prescribed.unit):
        # A substitute replaces the product, not the amount the prescriber chose.
        return SubstituteSizeDiffers(
            f"A substitute must hold the prescribed {prescribed.size.normalize():f} "
            f"{prescribed.unit}."
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


def quantity_problem(requested: int, per_iteration: int) -> ExceedsRemaining | None:
    if requested > per_iteration:
        return ExceedsRemaining(
            f"At most {per_iteration} package(s) per iteration were prescribed."
        )
    return None


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
