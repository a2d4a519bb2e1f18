"""The demo data reads like a Danish practice list: diagnoses that fit age and sex, many
treatments in the very old, prescriptions that start with their treatment and packs that last,
and every kind of treatment a demo must show. Seeded once into a database of its own."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from medrecord import clock, migrate
from medrecord.db import make_engine
from medrecord.demo import people
from medrecord.demo.seed import seed_demo
from medrecord.models import Citizen, Dispensing, Drug, DrugPackage, Medication, Prescription

# Clinical facts, stated apart from the demo's regimen table: ICD-10 prefix → the youngest age
# at which the diagnosis is plausible, by sex (a sex not named: never).
DIAGNOSES: dict[str, dict[str, int]] = {
    "I50": {"F": 50, "M": 50},  # heart failure
    "I48": {"F": 50, "M": 50},  # atrial fibrillation
    "I25": {"F": 45, "M": 40},  # ischaemic heart disease
    "I63": {"F": 45, "M": 45},  # stroke
    "I10": {"F": 30, "M": 30},  # hypertension
    "E78": {"F": 30, "M": 30},  # high cholesterol
    "E11": {"F": 30, "M": 30},  # type 2 diabetes
    "M81": {"F": 50, "M": 65},  # osteoporosis: not in young men
    "M19": {"F": 45, "M": 45},  # osteoarthritis
    "G30": {"F": 65, "M": 65},  # Alzheimer's disease
    "H40": {"F": 40, "M": 40},  # glaucoma
    "J44": {"F": 40, "M": 40},  # COPD
    "N40": {"M": 50},  # enlarged prostate
    "C61": {"M": 50},  # prostate cancer
    "N30": {"F": 12},  # cystitis, as the GP treats it
}
CHILD_DIAGNOSES = ("H66", "J02", "J45", "J30")


@dataclass(frozen=True)
class Row:
    citizen: Citizen
    medication: Medication
    drug: Drug
    prescriptions: list[Prescription]

    @property
    def age(self) -> int:
        born, today = self.citizen.birth_date, clock.today()
        return today.year - born.year - ((today.month, today.day) < (born.month, born.day))

    @property
    def sex(self) -> str:
        return people.sex(self.citizen.cpr)

    @property
    def current(self) -> bool:
        ended = self.medication.end_date is not None and self.medication.end_date < clock.today()
        return self.medication.status != "withdrawn" and not ended


@pytest.fixture(scope="module")
def seeded(fresh_database: Callable[[], str]) -> Iterator[Session]:
    engine = make_engine(fresh_database())
    migrate.upgrade(engine)
    try:
        with Session(engine) as session:
            seed_demo(session)
            session.commit()
            yield session
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def rows(seeded: Session) -> list[Row]:
    prescriptions: dict[Any, list[Prescription]] = {}
    for prescription in seeded.scalars(select(Prescription)):
        prescriptions.setdefault(prescription.medication_id, []).append(prescription)
    found = seeded.execute(
        select(Citizen, Medication, Drug)
        .join(Medication, Medication.citizen_id == Citizen.id)
        .join(Drug, Drug.id == Medication.drug_id)
    ).all()
    return [Row(c, m, d, prescriptions.get(m.id, [])) for c, m, d in found]


def test_every_diagnosis_fits_the_citizens_age_and_sex(rows: list[Row]) -> None:
    misfits = []
    for row in rows:
        code = row.medication.indication_code or ""
        if row.age < 18 and not code.startswith(CHILD_DIAGNOSES):
            misfits.append((row.citizen.name, row.age, code))
        for prefix, youngest in DIAGNOSES.items():
            if code.startswith(prefix) and row.age < youngest.get(row.sex, 999):
                misfits.append((row.citizen.name, row.sex, row.age, code))
    assert misfits == []


def test_the_very_old_take_8_to_12_treatments_and_the_young_few(rows: list[Row]) -> None:
    current: dict[str, int] = {}
    ages: dict[str, int] = {}
    for row in rows:
        ages[row.citizen.name] = row.age
        current[row.citizen.name] = current.get(row.citizen.name, 0) + row.current
    over_80 = {name: n for name, n in current.items() if ages[name] >= 80}
    under_40 = {name: n for name, n in current.items() if ages[name] < 40}

    assert len(over_80) >= 5
    assert all(8 <= n <= 12 for n in over_80.values()), over_80
    assert all(1 <= n <= 3 for n in under_40.values()), under_40


def test_no_two_treatments_of_one_citizen_are_the_same_drug(rows: list[Row]) -> None:
    seen: set[tuple[str, str]] = set()
    for row in rows:
        if row.medication.status == "withdrawn":
            continue
        key = (row.citizen.cpr, row.drug.atc_code)
        assert key not in seen, (row.citizen.name, row.drug.name)
        seen.add(key)


def test_no_prescription_is_valid_before_its_treatment_started(rows: list[Row]) -> None:
    early = [
        (row.citizen.name, row.drug.name, p.valid_from, row.medication.start_date)
        for row in rows
        for p in row.prescriptions
        if row.medication.start_date is None or p.valid_from < row.medication.start_date
    ]
    assert sum(len(row.prescriptions) for row in rows) > 50
    assert early == []


def _package(seeded: Session, number: str) -> DrugPackage:
    package = seeded.get(DrugPackage, number)
    assert package is not None
    return package


def _daily(derived: dict[str, Any], period: int) -> Decimal:
    dose = derived["daily_doses"][period] or {}
    return Decimal(str(dose.get("quantity", dose.get("max", 0))))


def test_every_pack_lasts_its_course_or_its_interval(seeded: Session, rows: list[Row]) -> None:
    short = []
    checked = 0
    for row in rows:
        dosage, derived = row.medication.dosage, row.medication.dosage_derived
        if "periods" not in dosage or derived["type"] != "fixed":
            continue
        for p in row.prescriptions:
            package = _package(seeded, p.package_number)
            if package.unit != dosage["unit"]:
                continue  # counted in another unit (insulin in ml, dosed in units)
            units = package.size * p.package_quantity
            if row.medication.end_date is not None:  # a course: all of it at once
                need = sum(
                    _daily(derived, i) * period["length_days"]
                    for i, period in enumerate(dosage["periods"])
                )
                units *= p.iterations
            else:  # each iteration lasts until the next may be had
                need = _daily(derived, -1) * (p.iteration_interval or 0)
            checked += 1
            # Derived daily doses have 9 decimals (1/7 = 0.142857143): compare to the hundredth.
            if units < need.quantize(Decimal("0.01")):
                short.append((row.citizen.name, row.drug.name, units, need))
    assert checked > 40
    assert short == []


def test_the_demo_shows_every_kind_of_treatment(rows: list[Row]) -> None:
    today = clock.today()
    current = [row for row in rows if row.current]
    a4 = [p for row in rows if row.drug.dispensing_group == "A§4" for p in row.prescriptions]

    assert any(row.drug.atc_code.startswith("A10A") for row in current), "an insulin user"
    assert any(row.age < 18 for row in current), "a child"
    assert any(row.drug.atc_code.startswith(("B01AF", "B01AA")) for row in current), (
        "an anticoagulated citizen"
    )
    assert any(row.medication.end_date and row.medication.end_date < today for row in rows), (
        "a course that ended"
    )
    assert any(row.medication.end_date and row.medication.end_date >= today for row in rows), (
        "a course running now"
    )
    assert any(
        row.medication.status == "paused"
        and row.medication.paused_from is not None
        and row.medication.paused_from > today
        for row in rows
    ), "a pause that starts later"
    assert any(
        row.medication.status == "paused"
        and row.medication.paused_from is not None
        and row.medication.paused_from <= today
        for row in rows
    ), "a pause now"
    assert any(row.medication.status == "withdrawn" for row in rows), "a withdrawn treatment"
    assert a4 and all(p.iterations == 1 for p in a4), "opioids (A§4) go out once"
    assert any(p.status == "open" for p in a4), "an opioid prescription to collect"
    assert any(row.medication.private for row in rows), "a private treatment"


def test_dispensings_fall_between_the_prescription_and_today(
    seeded: Session, rows: list[Row]
) -> None:
    prescriptions = {p.id: p for row in rows for p in row.prescriptions}
    dispensings = list(seeded.scalars(select(Dispensing)))
    now = clock.now()

    assert len(dispensings) > 50
    for dispensing in dispensings:
        prescription = prescriptions[dispensing.prescription_id]
        day = dispensing.dispensed_at.astimezone(clock.COPENHAGEN).date()
        assert prescription.valid_from <= day <= prescription.valid_to
        assert dispensing.dispensed_at < now


def test_a_paused_treatment_was_not_dispensed_during_its_pause(rows: list[Row]) -> None:
    for row in rows:
        paused_from: date | None = row.medication.paused_from
        if row.medication.status != "paused" or paused_from is None:
            continue
        for p in row.prescriptions:
            if p.last_dispensed_at is not None:
                assert p.last_dispensed_at.astimezone(clock.COPENHAGEN).date() < paused_from
