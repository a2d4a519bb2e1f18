"""Dosage to text, in Danish and English (FMK: Dosis-til-tekst).

The Danish wording follows Sundhedsdatastyrelsen's converter where the structure is the same
("1 tablet morgen og aften", "1-2 tabletter efter behov, højst 4 gange daglig"); English says
the same in the words of an English label. The short text is for a label: at most 70
characters, and none when the dosage does not fit one line's patterns (a taper, say), as in FMK.
The long text is for the card: every period with its dates, one line per dosing day."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from medrecord.dosage.schemas import (
    DAY_PARTS,
    WEEKDAYS,
    Amount,
    AsNeeded,
    DayPart,
    Dosage,
    Dose,
    DoseDay,
    Period,
    StructuredDosage,
)
from medrecord.dosage.units import WORDS, Unit
from medrecord.dosage.wording import DANISH, WORDINGS, Language, Wording

SHORT_TEXT_LIMIT = 70


# --- the parts of a sentence -----------------------------------------------------------------


def _join(items: Sequence[str], w: Wording) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + w.and_ + items[-1]


def _amount(amount: Amount, unit: Unit, w: Wording) -> str:
    words = WORDS[unit][0 if w is DANISH else 1]
    most = amount.most
    # Singular up to 1, plural above it and for 0 (FMK: "0,5 tablet", "1,5 tabletter").
    word = words.singular if 0 < most <= 1 else words.plural
    if amount.quantity is not None:
        return f"{w.number(amount.quantity)} {word}"
    return f"{w.number(amount.least)}-{w.number(most)} {word}"


def _label(dose: Dose, w: Wording) -> str | None:
    if dose.at is None:
        return None
    if dose.at in DAY_PARTS:
        return w.parts[DAY_PARTS.index(DayPart(dose.at))]
    hour, minute = dose.at.split(":")
    return w.clock.format(hour=int(hour), minute=minute, hh=hour)


def _order(dose: Dose) -> tuple[int, str]:
    # Unspecified first, then morning, noon, evening, night, then clock times in order.
    if dose.at is None:
        return (0, "")
    if dose.at in DAY_PARTS:
        return (1 + DAY_PARTS.index(DayPart(dose.at)), "")
    return (9, dose.at)


def _sorted(doses: Sequence[Dose]) -> list[Dose]:
    return sorted(doses, key=_order)


def _same_amount(doses: Sequence[Amount]) -> bool:
    return len({(d.quantity, d.min, d.max) for d in doses}) == 1


def _is_part(dose: Dose) -> bool:
    return dose.at in DAY_PARTS


def _is_clock(dose: Dose) -> bool:
    return dose.at is not None and dose.at not in DAY_PARTS


def _dose_list(doses: Sequence[Dose], unit: Unit, w: Wording) -> str:
    """One day's doses: "1 tablet morgen og 2 tabletter aften", "1 tablet 2 gange"."""
    doses = _sorted(doses)
    if len(doses) > 1 and all(d.at is None for d in doses) and _same_amount(doses):
        return f"{_amount(doses[0], unit, w)} {w.count(len(doses))}"
    items = []
    for dose in doses:
        label = _label(dose, w)
        items.append(_amount(dose, unit, w) + (f" {label}" if label else ""))
    return _join(items, w)


def _duration(days: int, w: Wording) -> str:
    if days % 7 == 0:
        weeks = days // 7
        return w.for_one_week if weeks == 1 else w.for_weeks.format(n=weeks)
    return w.for_one_day if days == 1 else w.for_days.format(n=days)


# --- short text ------------------------------------------------------------------------------


def _daily_short(
    doses: Sequence[Dose], unit: Unit, w: Wording, *, once: bool, once_said: bool = False
) -> str | None:
    """Doses every day (or, `once`, on a single day; `once_said` when the sentence already
    says it, as "Første dag" does)."""
    doses = _sorted(doses)
    first = _amount(doses[0], unit, w)
    if all(_is_part(d) for d in doses):
        if _same_amount(doses):
            text = f"{first} {_join([_label(d, w) or '' for d in doses], w)}"
        else:
            text = _dose_list(doses, unit, w)
        return f"{text} {w.count(1)}" if once and len(doses) == 1 and not once_said else text
    if all(d.at is None for d in doses):
        if not _same_amount(doses):
            return None
        count = len(doses)
        if once:
            return first if count == 1 else f"{first} {w.count(count)}"
        quantity = doses[0].quantity
        if count == 1 and (quantity is None or quantity <= 1):
            return f"{first} {w.daily}"  # FMK: "1 tablet daglig" but "2 tabletter 1 gang daglig"
        return f"{first} {w.count(count)} {w.daily}"
    if len(doses) == 1:
        text = f"{first} {_label(doses[0], w)}"
        return text if once else f"{text} {w.daily}"
    return None


def _every_nth_day_short(period: Period, unit: Unit, w: Wording) -> str | None:
    cycle = period.cycle_days
    if len(period.days) != 1 or period.days[0].day != 1:
        return None
    doses = _sorted(period.days[0].doses)
    first = _amount(doses[0], unit, w)
    every = w.every_nth_day.format(n=cycle)
    if len(doses) == 1:
        label = _label(doses[0], w)
        if label is not None:
            return f"{first} {label} {every}"
        if cycle == 30:
            return f"{first} {w.once_a_month}"
        if cycle % 30 == 0:
            return f"{first} {w.every_nth_month.format(n=cycle // 30)}"
        return f"{first} {every}"
    if all(d.at is None for d in doses) and _same_amount(doses):
        return f"{first} {w.times_same_day.format(times=w.count(len(doses)))} {every}"
    return None


def _weekly_short(days: Sequence[DoseDay], unit: Unit, w: Wording) -> str | None:
    doses = [d.doses[0] for d in days if len(d.doses) == 1]
    if len(doses) != len(days) or any(d.at is not None for d in doses):
        return None
    if not _same_amount(doses):
        return None
    names = [w.weekdays[WEEKDAYS.index(d.weekday)] for d in _by_weekday(days) if d.weekday]
    return w.weekly.format(amount=_amount(doses[0], unit, w), days=_join(names, w))


def _by_weekday(days: Sequence[DoseDay]) -> list[DoseDay]:
    return sorted(days, key=lambda d: WEEKDAYS.index(d.weekday) if d.weekday else 0)


def _as_needed_short(as_needed: AsNeeded, unit: Unit, w: Wording, *, short: bool) -> str:
    text = f"{_amount(as_needed, unit, w)} {w.as_needed}"
    times, limit = as_needed.max_times_per_day, as_needed.max_quantity_per_day
    most = _amount(Amount(quantity=limit), unit, w) if limit is not None else ""
    if times is not None and limit is not None:
        return f"{text}, {w.at_most_both.format(times=w.count(times), amount=most)}"
    if times == 1 and short:
        return f"{text}, {w.at_most_once_short}"
    if times is not None:
        template = w.at_most_times_short if short else w.at_most_times
        return f"{text}, {template.format(times=w.count(times))}"
    if limit is not None:
        return f"{text}, {w.at_most_quantity.format(amount=most)}"
    return text


def _fixed_short(
    period: Period, unit: Unit, w: Wording, *, once: bool, once_said: bool
) -> str | None:
    if not period.days:
        return ""
    if any(d.weekday is not None for d in period.days):
        return _weekly_short(period.days, unit, w)
    if period.cycle_days == 1:
        return _daily_short(period.days[0].doses, unit, w, once=once, once_said=once_said)
    return _every_nth_day_short(period, unit, w)


def _period_short(
    period: Period, unit: Unit, w: Wording, *, with_duration: bool, once_said: bool = False
) -> str | None:
    length = period.length_days
    once = length == 1 and period.cycle_days == 1
    fixed = _fixed_short(period, unit, w, once=once, once_said=once_said)
    if fixed is None:
        return None
    if period.as_needed is None:
        daily_course = length is not None and length > 1 and period.cycle_days == 1
        if with_duration and daily_course and fixed:
            return f"{fixed} {_duration(length or 0, w)}"
        return fixed or None
    as_needed = _as_needed_short(period.as_needed, unit, w, short=True)
    return f"{fixed}{w.plus}{as_needed}" if fixed else as_needed


def _structured_short(dosage: StructuredDosage, w: Wording) -> str | None:
    periods, unit = dosage.periods, dosage.unit
    if len(periods) == 1:
        return _period_short(periods[0], unit, w, with_duration=True)
    if len(periods) != 2:
        return None
    first, then = periods
    if any(p.as_needed is not None or not p.days for p in periods):
        return None
    # "..., herefter ..." needs a first period whose length the text states (a daily one) and
    # a second that goes on; anything else is a taper that no label line can say.
    if first.cycle_days != 1 or then.length_days is not None:
        return None
    first_text = _period_short(first, unit, w, with_duration=True, once_said=first.length_days == 1)
    then_text = _period_short(then, unit, w, with_duration=False)
    if first_text is None or then_text is None:
        return None
    if first.length_days == 1:
        return w.first_day.format(first=first_text, then=then_text)
    return w.then.format(first=first_text, then=then_text)


def _note_text(note: str) -> str:
    # FMK trims a leading comma from a supplementary text (", tages med mad").
    return note.strip().lstrip(",").strip()


def short_text(dosage: Dosage, language: Language) -> str | None:
    """The label text, at most 70 characters; None when no short text fits."""
    w = WORDINGS[language]
    if not isinstance(dosage, StructuredDosage):
        text: str | None = dosage.free_text.strip()
    else:
        text = _structured_short(dosage, w)
        if text is not None and dosage.note and _note_text(dosage.note):
            text += ".\n" + w.note.format(text=_note_text(dosage.note))
    if text is None or len(text) > SHORT_TEXT_LIMIT:
        return None
    return text


# --- long text -------------------------------------------------------------------------------


def _date(day: date, w: Wording) -> str:
    return w.date.format(day=day.day, month=w.months.split()[day.month - 1], year=day.year)


def _header(period: Period, w: Wording, *, start: date | None, offset: int, alone: bool) -> str:
    length = period.length_days
    if start is None:
        if alone and length is None:
            header = w.plain_header
        elif length == 1:
            return w.only_on_day.format(n=offset + 1) + ":"
        else:
            header = w.from_day.format(n=offset + 1)
            if length is not None:
                header += w.to_day.format(n=offset + length)
    else:
        first = start + timedelta(days=offset)
        if length == 1:
            return w.only_on_date.format(date=_date(first, w)) + ":"
        header = w.from_date.format(date=_date(first, w))
        if length is not None:
            header += w.to_date.format(date=_date(first + timedelta(days=length - 1), w))
    if any(d.weekday is not None for d in period.days):
        header += w.repeated_weekly
    elif period.cycle_days > 1 and not _single_first_day(period):
        header += w.repeated_every.format(n=period.cycle_days)
    return header + ":"


def _single_first_day(period: Period) -> bool:
    return len(period.days) == 1 and period.days[0].day == 1


def _daily_line(doses: Sequence[Dose], unit: Unit, w: Wording) -> str:
    doses = _sorted(doses)
    first = _amount(doses[0], unit, w)
    if len(doses) == 1:
        dose = doses[0]
        if dose.at is not None and _is_part(dose):
            return f"{first} {w.every_part[DAY_PARTS.index(DayPart(dose.at))]}"
        if dose.at is None:
            return f"{first} {w.every_day}"
        return f"{first} {_label(dose, w)} - {w.every_day}"
    if all(d.at is None for d in doses):
        if _same_amount(doses):
            return f"{first} {w.count(len(doses))} {w.every_day}"
        return f"{_join([_amount(d, unit, w) for d in doses], w)} {w.every_day}"
    return f"{_dose_list(doses, unit, w)} - {w.every_day}"


def _every_nth_day_line(doses: Sequence[Dose], cycle: int, unit: Unit, w: Wording) -> str:
    every = w.every_nth_day.format(n=cycle)
    if len(doses) == 1:
        label = _label(doses[0], w)
        return f"{_amount(doses[0], unit, w)}{f' {label}' if label else ''} {every}"
    return f"{_dose_list(doses, unit, w)} - {every}"


def _period_lines(period: Period, unit: Unit, w: Wording) -> list[str]:
    lines: list[str] = []
    if any(d.weekday is not None for d in period.days):
        for day in _by_weekday(period.days):
            name = w.weekdays[WEEKDAYS.index(day.weekday)] if day.weekday else ""
            lines.append(f"{name[:1].upper()}{name[1:]}: {_dose_list(day.doses, unit, w)}")
    elif period.cycle_days == 1 and period.length_days == 1 and period.days:
        lines.append(_dose_list(period.days[0].doses, unit, w))  # one day: no "every day"
    elif period.cycle_days == 1 and period.days:
        lines.append(_daily_line(period.days[0].doses, unit, w))
    elif _single_first_day(period):
        lines.append(_every_nth_day_line(period.days[0].doses, period.cycle_days, unit, w))
    else:
        for day in sorted(period.days, key=lambda d: d.day or 0):
            lines.append(f"{w.day_line.format(n=day.day)}: {_dose_list(day.doses, unit, w)}")
    if period.as_needed is not None:
        lines.append(_as_needed_short(period.as_needed, unit, w, short=False))
    return lines or [w.break_note]


def long_text(dosage: Dosage, language: Language, *, start: date | None) -> str:
    """The card text: each period under a header with its dates (or day numbers when the
    start is not known), periods separated by a blank line, the note last."""
    w = WORDINGS[language]
    if not isinstance(dosage, StructuredDosage):
        header = w.plain_header if start is None else w.from_date.format(date=_date(start, w))
        return f'{header}:\n"{dosage.free_text.strip()}"'
    blocks, offset = [], 0
    alone = len(dosage.periods) == 1
    for period in dosage.periods:
        header = _header(period, w, start=start, offset=offset, alone=alone)
        blocks.append("\n".join([header, *_period_lines(period, dosage.unit, w)]))
        offset += period.length_days or 0
    text = "\n\n".join(blocks)
    if dosage.note and _note_text(dosage.note):
        text += "\n" + w.note.format(text=_note_text(dosage.note))
    return text
