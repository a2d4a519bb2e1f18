"""Contradictions in a dosage (SPEC §2.1), each named by the field it concerns.

The schema checks each part's shape; these rules check the parts against each other, against
the drug's form and against the medication's dates. They return what is wrong and leave raising
to the use case, which answers 422 with every field at once."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from medrecord.dosage.schemas import Dosage, Period, StructuredDosage
from medrecord.problems import InvalidDosage

Location = tuple[str | int, ...]


@dataclass(frozen=True)
class FieldError:
    loc: Location  # relative to the dosage, e.g. ("periods", 0, "cycle_days")
    message: str


def dosage_end(dosage: StructuredDosage, start: date | None) -> date | None:
    """The last day of the dosage, when it ends and its start is known."""
    if start is None or dosage.periods[-1].length_days is None:
        return None
    total = sum(p.length_days or 0 for p in dosage.periods)
    return start + timedelta(days=total - 1)


def contradictions(
    dosage: Dosage,
    *,
    units: Collection[str] | None = None,
    start: date | None = None,
    end: date | None = None,
) -> list[FieldError]:
    """Everything that contradicts itself; `units` are those the drug's form allows, `start`
    and `end` the medication's dates."""
    if not isinstance(dosage, StructuredDosage):
        return []
    errors: list[FieldError] = []
    if units is not None and dosage.unit not in units:
        allowed = ", ".join(sorted(units))
        errors.append(
            FieldError(("unit",), f"'{dosage.unit}' does not fit the drug's form; use {allowed}")
        )
    last = len(dosage.periods) - 1
    for index, period in enumerate(dosage.periods):
        for loc, message in _period_errors(period, is_last=index == last):
            errors.append(FieldError(("periods", index, *loc), message))
    if all(_is_break(p) for p in dosage.periods):
        errors.append(FieldError(("periods",), "a dosage needs at least one dose"))
    stop = dosage_end(dosage, start)
    if stop is not None and end is not None and stop > end:
        errors.append(
            FieldError(
                ("periods",),
                f"the dosage runs until {stop.isoformat()}, after the medication's end_date",
            )
        )
    return errors


def _is_break(period: Period) -> bool:
    return not period.days and period.as_needed is None


def _period_errors(period: Period, *, is_last: bool) -> Iterator[tuple[Location, str]]:
    if period.length_days is None and not is_last:
        yield ("length_days",), "only the last period may be open-ended; give length_days"
    if _is_break(period) and period.length_days is None:
        yield ("days",), "an open-ended period needs doses (a break must end)"
    if period.length_days is not None and period.cycle_days > period.length_days:
        # FMK ignores such a repeat; we refuse it, so that no dose is written that never comes.
        yield ("cycle_days",), f"the cycle is longer than the period's {period.length_days} days"
    elif period.cycle_days > 1 and not period.days:
        yield ("cycle_days",), "a cycle needs doses on its days (as-needed limits are per day)"
    weekdays = [d for d in period.days if d.weekday is not None]
    numbered = [d for d in period.days if d.day is not None]
    if weekdays and numbered:
        yield ("days",), "give doses on day numbers or on weekdays, not both"
    seen: set[object] = set()
    for index, day in enumerate(period.days):
        key = day.day if day.day is not None else day.weekday
        if key in seen:
            field = "day" if day.day is not None else "weekday"
            yield ("days", index, field), f"{key} is given twice"
        seen.add(key)
        if day.weekday is not None and period.cycle_days != 7:
            yield ("days", index, "weekday"), "weekdays need a weekly cycle (cycle_days 7)"
        if day.day is not None and day.day > period.cycle_days:
            yield (
                ("days", index, "day"),
                f"day {day.day} is outside the cycle of {period.cycle_days} days",
            )
        times: set[str] = set()
        for d_index, dose in enumerate(day.doses):
            if dose.at is not None and dose.at in times:
                yield ("days", index, "doses", d_index, "at"), f"{dose.at} is given twice"
            if dose.at is not None:
                times.add(dose.at)
            if dose.min is not None and dose.max is not None and dose.min >= dose.max:
                yield ("days", index, "doses", d_index, "min"), "a range needs min below max"
    if (as_needed := period.as_needed) is not None:
        if (
            as_needed.min is not None
            and as_needed.max is not None
            and as_needed.min >= as_needed.max
        ):
            yield ("as_needed", "min"), "a range needs min below max"
        limit = as_needed.max_quantity_per_day
        if limit is not None and limit < as_needed.least:
            yield (
                ("as_needed", "max_quantity_per_day"),
                "the most a day is below the smallest single dose",
            )


def dosage_problem(
    dosage: Dosage,
    *,
    units: Collection[str] | None = None,
    start: date | None = None,
    end: date | None = None,
) -> InvalidDosage | None:
    """The 422 for a dosage that contradicts itself, its drug or its medication, with every
    field named as a request validation error names it."""
    errors = contradictions(dosage, units=units, start=start, end=end)
    if not errors:
        return None
    return InvalidDosage(
        errors=[
            {
                "field": ".".join(str(part) for part in ("body", "dosage", *e.loc)),
                "message": e.message,
                "type": "dosage_contradiction",
            }
            for e in errors
        ]
    )
