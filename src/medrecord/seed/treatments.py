"""The treatments the population is drawn from, prepared once: each regimen of the demo
(``demo.regimens``) and each documented dosage shape (``dosage.examples.SHAPES``) that no regimen
shows, with its catalogue drug, the package a prescription hands out, how long an iteration
lasts, and the dosage's derived values and texts as COPY text.

Deriving a dosage (``dosage.derive``) costs tens of microseconds; millions of rows share a few
dozen dosages, so it runs once per dosage (and per start day only where its long text names
dates: a course, a taper)."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from medrecord.demo import catalogue, regimens
from medrecord.demo.regimens import Regimen
from medrecord.dosage.derive import derive, display_text
from medrecord.dosage.examples import SHAPES, parse
from medrecord.dosage.rules import dosage_end
from medrecord.dosage.schemas import StructuredDosage
from medrecord.drug.rules import dispensed_once

SUPPLY_DAYS = 90  # a chronic treatment's pack lasts about three months (a GP's usual supply)
_FAR_APART = date(2001, 1, 1), date(2013, 7, 9)  # two start days to tell whether texts name dates


def copy_text(value: str) -> str:
    """``value`` escaped for COPY's text format (backslash, tab, newline, carriage return)."""
    return (
        value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    )


def copy_json(value: Any) -> str:
    return copy_text(json.dumps(value, ensure_ascii=False, separators=(",", ":")))


@dataclass(frozen=True)
class Package:
    number: str
    size: Decimal
    unit: str


@dataclass
class Treatment:
    """A regimen ready to be written: everything but the citizen's own dates and ids."""

    key: str
    shape: str | None  # the SHAPES key whose dosage this is, if any
    kind: str  # one treatment of a kind per citizen
    ages: Mapping[str, tuple[int, int]]
    weight: float
    drug_id: str
    route: str
    indication_code: str | None
    indication_text: str | None
    dosage: Any  # the parsed dosage
    dosage_json: str  # COPY text
    package: Package
    package_quantity: int
    interval_days: int  # how long one iteration lasts
    once: bool  # A§4: one iteration, no repeats
    course_days: int | None  # the dosage ends after this many days
    dated_texts: bool  # the long text names dates: derive per start day
    # The iteration in smaller packs of the same drug (package, quantity), for a pharmacy out
    # of the prescribed pack: a split-pack dispensing of one or two lines; None when none adds up.
    split: tuple[tuple[Package, int], ...] | None
    _derived: dict[date | None, tuple[str, str, str, str]] = field(default_factory=dict)

    def fits(self, age: int, sex: str) -> bool:
        youngest, oldest = self.ages.get(sex, (1, 0))
        return youngest <= age <= oldest

    def end_date(self, start: date) -> date | None:
        return start + timedelta(days=self.course_days - 1) if self.course_days else None

    def derived(self, start: date) -> tuple[str, str, str, str]:
        """dosage_derived, dosage_text, the derived texts and dosage_text as a JSON string, as
        COPY text, for a start day."""
        key = start if self.dated_texts else None
        found = self._derived.get(key)
        if found is None:
            d = derive(self.dosage, start=start)
            as_json = d.model_dump(mode="json", exclude_none=True)
            shown = display_text(d)
            found = (
                copy_json(as_json),
                copy_text(shown),
                copy_json(as_json["texts"]),
                copy_json(shown),
            )
            self._derived[key] = found
        return found


def _shape_of(dosage: dict[str, Any]) -> str | None:
    return next((name for name, s in SHAPES.items() if s.dosage == dosage), None)


def _drug_index() -> dict[tuple[str, str], int]:
    index: dict[tuple[str, str], int] = {}
    for i, row in enumerate(catalogue.DRUGS):
        index.setdefault((row[0], row[2]), i)
    return index


def _treatment(regimen: Regimen, drug: int, *, weight: float) -> Treatment:
    name, _form, strength, _atc, _group, packages = catalogue.DRUGS[drug]
    dosage = parse(regimen.dosage)
    options = [
        Package(catalogue.package_number(drug, p), Decimal(size), unit)
        for p, (size, unit, _price) in enumerate(packages)
    ]
    course = dosage_end(dosage, _FAR_APART[0]) if isinstance(dosage, StructuredDosage) else None
    once = dispensed_once(catalogue.dispensing_group(name, strength))
    if course is not None:  # a course: one iteration that covers it
        days = (course - _FAR_APART[0]).days + 1
        need = regimens.course_need(dosage)
        fitting = [p for p in options if regimens.doses_in(regimen, p.size) >= need]
        package = min(fitting, key=_size) if fitting else max(options, key=_size)
        quantity = max(1, math.ceil(need / regimens.doses_in(regimen, package.size)))
        interval = days
    else:
        per_day = regimens.daily_need(regimen, dosage)

        def lasts(p: Package) -> Decimal:
            return regimens.doses_in(regimen, p.size) / per_day

        package = min(options, key=lambda p: abs(lasts(p) - SUPPLY_DAYS))
        quantity, days = 1, None
        interval = max(1, min(365, math.floor(lasts(package).quantize(Decimal("0.01")))))
    a, b = (derive(dosage, start=s).texts for s in _FAR_APART)
    units = package.size * quantity
    return Treatment(
        key=regimen.key,
        shape=_shape_of(regimen.dosage),
        kind=regimen.kind,
        ages={str(sex): ages for sex, ages in regimen.ages.items()},
        weight=weight,
        drug_id=catalogue.drug_id(drug),
        route=regimen.route,
        indication_code=regimen.indication_code,
        indication_text=regimen.indication_text,
        dosage=dosage,
        dosage_json=copy_json(regimen.dosage),
        package=package,
        package_quantity=quantity,
        interval_days=interval,
        once=once,
        course_days=days,
        dated_texts=a != b,
        split=_split(units, sorted((p for p in options if p.size < package.size), key=_size)),
    )


def _split(units: Decimal, smaller: list[Package]) -> tuple[tuple[Package, int], ...] | None:
    """``units`` as the biggest smaller pack but one, the rest in the next smaller pack (300 as
    2 x 100 + 2 x 50), or all in the biggest smaller pack (100 as 2 x 50)."""
    if not smaller:
        return None
    big = smaller[-1]
    if len(smaller) >= 2:
        small, count = smaller[-2], int(units // big.size) - 1
        rest = units - count * big.size
        if count >= 1 and rest % small.size == 0:
            return ((big, count), (small, int(rest // small.size)))
    if units % big.size == 0:
        return ((big, int(units // big.size)),)
    return None


def _size(p: Package) -> Decimal:
    return p.size


def _shape_regimen(name: str, drug: int) -> Regimen:
    """A regimen for a documented shape no demo regimen shows (free text: one unit a day)."""
    shape = SHAPES[name]
    free = "free_text" in shape.dosage
    return Regimen(
        key=f"shape-{name}",
        drug=catalogue.DRUGS[drug][0],
        strength=catalogue.DRUGS[drug][2],
        indication_code=None,  # type: ignore[arg-type]
        indication_text=shape.summary,
        dosage=shape.dosage,
        ages=regimens.both(18),
        kind=f"shape-{name}",
        route=shape.route,
        units_per_day=Decimal(1) if free else None,
    )


def _build() -> tuple[Treatment, ...]:
    drugs = _drug_index()
    by_id = {catalogue.drug_id(i): i for i in range(len(catalogue.DRUGS))}
    made: list[Treatment] = []
    for regimen in (*regimens.CHRONIC, *regimens.SPECIAL):
        # Co-medication-only regimens (weight 0) still appear, rarely.
        weight = float(regimen.weight) if regimen.weight > 0 else 0.3
        made.append(_treatment(regimen, drugs[(regimen.drug, regimen.strength)], weight=weight))
    shown = {t.shape for t in made}
    for name, shape in SHAPES.items():
        if name not in shown:
            made.append(
                _treatment(
                    _shape_regimen(name, by_id[shape.drug_id]), by_id[shape.drug_id], weight=0.5
                )
            )
    return tuple(made)


TREATMENTS: tuple[Treatment, ...] = _build()
BY_KEY: Mapping[str, Treatment] = MappingProxyType({t.key: t for t in TREATMENTS})
