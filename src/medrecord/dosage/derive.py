"""What the server derives from a dosage: its type, whether it ends, the average daily dose of
each period, and the texts (FMK 1.4.4+ derives the type too; a client never states it)."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal

from medrecord.dosage import text
from medrecord.dosage.schemas import (
    DailyDose,
    DerivedDosage,
    Dosage,
    DosageTexts,
    DosageType,
    Period,
    StructuredDosage,
)
from medrecord.dosage.wording import LANGUAGES, Language

_PLACES = Decimal("0.000000001")  # FMK's daily dose has 9 decimals: 1/7 = 0.142857143


def dosage_type(dosage: Dosage) -> DosageType:
    if not isinstance(dosage, StructuredDosage):
        return DosageType.unspecified
    fixed = any(p.days for p in dosage.periods)
    as_needed = any(p.as_needed is not None for p in dosage.periods)
    if fixed and as_needed:
        return DosageType.combined
    return DosageType.as_needed if as_needed else DosageType.fixed


def is_temporary(dosage: Dosage) -> bool:
    return isinstance(dosage, StructuredDosage) and dosage.periods[-1].length_days is not None


def daily_dose(period: Period) -> DailyDose | None:
    """The fixed doses of one cycle, divided by the cycle's days; a range gives a range."""
    doses = [dose for day in period.days for dose in day.doses]
    if not doses:
        return None
    least = sum((d.least for d in doses), Decimal(0)) / period.cycle_days
    most = sum((d.most for d in doses), Decimal(0)) / period.cycle_days
    least, most = _round(least), _round(most)
    if least == most:
        return DailyDose(quantity=least)
    return DailyDose(min=least, max=most)


def _round(value: Decimal) -> Decimal:
    return value.quantize(_PLACES, rounding=ROUND_HALF_EVEN).normalize()


def derive(dosage: Dosage, *, start: date | None) -> DerivedDosage:
    periods = dosage.periods if isinstance(dosage, StructuredDosage) else []
    return DerivedDosage(
        type=dosage_type(dosage),
        temporary=is_temporary(dosage),
        daily_doses=[daily_dose(p) for p in periods],
        texts={
            language: DosageTexts(
                short=text.short_text(dosage, language),
                long=text.long_text(dosage, language, start=start),
            )
            for language in LANGUAGES
        },
    )


def display_text(derived: DerivedDosage, language: Language = "da") -> str:
    """The one line a list shows: the label text, or the long text when none fits."""
    texts = derived.texts[language]
    return texts.short if texts.short is not None else texts.long
