"""Load the demo data into an empty database (one transaction).

Every citizen's card reads like a practice list: the treatments each one must show
(``regimens.CASES``: an insulin user, an anticoagulated citizen with a pause planned, opioids,
courses running and ended, a child), then chronic regimens drawn from ``regimens.CHRONIC`` that
fit the citizen's age and sex, with their usual co-medication, as many as people of that age
take. Each prescription starts on or after its treatment, comes in a pack that lasts its
iteration interval (or the whole course), and is dispensed every interval up to yesterday. One
function makes a prescription (``_prescribe``) and one a dispensing (``_dispense``).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from medrecord import clock
from medrecord.citizen.rules import birth_date_of
from medrecord.demo import catalogue, people, regimens
from medrecord.demo.regimens import Case, Regimen
from medrecord.dosage.derive import derive, display_text
from medrecord.dosage.examples import parse
from medrecord.dosage.rules import dosage_end, dosage_problem
from medrecord.dosage.schemas import StructuredDosage
from medrecord.drug.rules import dispensed_once
from medrecord.medication import repository as medication_repository
from medrecord.models import (
    Citizen,
    Dispensing,
    DispensingLine,
    Drug,
    DrugPackage,
    Medication,
    MedicationCard,
    Organisation,
    PharmacyOrder,
    Prescription,
    TreatmentRelation,
)

PHARMACIES = [people.PHARMACY_NORREBRO, people.PHARMACY_VESTERBRO, people.PHARMACY_AARHUS]
# A chronic treatment's pack is chosen to last about this long (a Danish GP's usual supply).
SUPPLY_DAYS = 90
# When a treatment started, in days before today: a course runs now or ended weeks ago; others
# began months or years ago.
STARTED_DAYS_AGO: dict[str, tuple[int, int]] = {"course": (2, 2), "ended": (20, 120)}
Snapshot = dict[str, Any]


@dataclass(frozen=True)
class Plan:
    """How a treatment is prescribed and how much of it has been handed out."""

    package: DrugPackage
    package_quantity: int
    iterations: int
    interval_days: int
    valid_from: date
    dispensed: int  # iterations handed out, every interval from valid_from


def is_empty(session: Session) -> bool:
    return session.execute(select(func.count()).select_from(Organisation)).scalar_one() == 0


def seed_demo(session: Session, *, seed: int = 2026) -> dict[str, int]:
    """Insert the demo data; the caller commits. Returns counts by kind."""
    rng = random.Random(seed)  # deterministic demo data, not security-relevant
    today = clock.today()

    session.add_all(Organisation(id=i, name=n, kind=k) for i, n, k in people.ORGANISATIONS)
    drugs = _add_catalogue(session)
    gp_doctor = {s.organisation_id: s for s in people.STAFF if s.role == "doctor"}
    pharmacists = {
        s.organisation_id: _snapshot(s.username, s.name, str(s.role), s.organisation_id)
        for s in people.STAFF
        if s.role == "pharmacist"
    }
    counts = {"medications": 0, "prescriptions": 0, "dispensings": 0}
    for c_index, (username, cpr, name, gp) in enumerate(people.CITIZENS):
        citizen = Citizen(cpr=cpr, name=name, birth_date=birth_date_of(cpr), gp_practice_id=gp)
        session.add(citizen)
        session.flush()
        session.add(MedicationCard(citizen_id=citizen.id, version=1))
        doctor = gp_doctor[gp]
        by = _snapshot(doctor.username, doctor.name, "doctor", gp)
        pharmacy = PHARMACIES[c_index % 3]
        age, sex = _age(citizen.birth_date, today), people.sex(cpr)
        for case in _cases(rng, username, age=age, sex=sex):
            regimen = regimens.BY_KEY[case.regimen]
            drug, packages = drugs[(regimen.drug, regimen.strength)]
            private = regimen.private and c_index % 2 == 0
            medication = _add_medication(
                session, rng, citizen=citizen, drug=drug, regimen=regimen, case=case, by=by,
                private_to=gp if private else None, age=age, sex=sex, today=today,
            )  # fmt: skip
            counts["medications"] += 1
            if case.state == "withdrawn":
                continue
            plan = _plan(rng, regimen, drug, packages, medication, today=today)
            prescription = _prescribe(session, medication=medication, plan=plan, by=by)
            counts["prescriptions"] += 1
            for iteration in range(1, plan.dispensed + 1):
                day = plan.valid_from + timedelta(days=(iteration - 1) * plan.interval_days)
                _dispense(
                    session, prescription=prescription, plan=plan, iteration=iteration,
                    at=_at(day), pharmacy=pharmacy, pharmacist=pharmacists[pharmacy],
                )  # fmt: skip
                counts["dispensings"] += 1
        _add_relations(session, c_index, citizen, by)
    session.flush()
    return {
        "organisations": len(people.ORGANISATIONS),
        "drugs": len(catalogue.DRUGS),
        "citizens": len(people.CITIZENS),
        **counts,
    }


def _add_catalogue(session: Session) -> dict[tuple[str, str], tuple[Drug, list[DrugPackage]]]:
    drugs: dict[tuple[str, str], tuple[Drug, list[DrugPackage]]] = {}
    for index, (name, form, strength, atc, group, packages) in enumerate(catalogue.DRUGS):
        drug = Drug(
            id=catalogue.drug_id(index),
            name=name,
            form=form,
            dosage_units=catalogue.dosage_units(name, form, strength),
            strength=strength,
            atc_code=atc,
            substitution_group=group,
            active_substances=catalogue.active_substances(atc),
            dispensing_group=catalogue.dispensing_group(name, strength),
            otc=catalogue.over_the_counter(name, strength),
        )
        session.add(drug)
        rows = [
            DrugPackage(
                package_number=catalogue.package_number(index, p_index),
                drug_id=drug.id,
                size=Decimal(size),
                unit=unit,
                price_dkk=catalogue.price(price),
            )
            for p_index, (size, unit, price) in enumerate(packages)
        ]
        if not rows:
            raise ValueError(f"demo drug {name} has no package")
        session.add_all(rows)
        drugs.setdefault((name, strength), (drug, rows))
    session.flush()
    return drugs


def _cases(rng: random.Random, username: str, *, age: int, sex: regimens.Sex) -> list[Case]:
    """The citizen's own cases, then chronic regimens up to the number people of that age take
    (a child has only its cases)."""
    cases = list(regimens.CASES.get(username, ()))
    given = [regimens.BY_KEY[c.regimen] for c in cases]
    if misfit := [r.key for r in given if not r.fits(age, sex)]:
        raise ValueError(f"demo {username} ({sex}, {age}) does not fit {misfit}")
    current = sum(c.state not in regimens.PAST_STATES for c in cases)
    wanted, most = regimens.treatment_count(rng, age)
    drawn = regimens.choose_chronic(
        rng, age=age, sex=sex, given=given, current=current, wanted=wanted, most=most
    )
    return cases + [Case(r.key) for r in drawn]


def _add_medication(
    session: Session,
    rng: random.Random,
    *,
    citizen: Citizen,
    drug: Drug,
    regimen: Regimen,
    case: Case,
    by: Snapshot,
    private_to: str | None,
    age: int,
    sex: regimens.Sex,
    today: date,
) -> Medication:
    """The medication as created, then (a second version) paused or withdrawn as the case
    says. A course runs now or ended weeks ago; a chronic treatment began months or years ago."""
    dosage = parse(regimen.dosage)
    # Never before the citizen was old enough for it (heart failure from 60: at 61, this year).
    years = age - regimens.youngest(regimen, sex)
    days_ago = STARTED_DAYS_AGO.get(case.state) or (90, max(90, min(2500, years * 365)))
    started = today - timedelta(days=rng.randint(*days_ago))
    ends = dosage_end(dosage, started) if isinstance(dosage, StructuredDosage) else None
    if problem := dosage_problem(dosage, units=drug.dosage_units, start=started, end=ends):
        raise ValueError(f"demo dosage of {regimen.key}: {problem.extra['errors']}")
    derived = derive(dosage, start=started)
    medication = Medication(
        citizen_id=citizen.id,
        drug_id=drug.id,
        indication_code=regimen.indication_code,
        indication_text=regimen.indication_text,
        route=regimen.route,
        dosage=regimen.dosage,
        dosage_derived=derived.model_dump(mode="json", exclude_none=True),
        dosage_text=display_text(derived),
        substitution_allowed=True,
        start_date=started,
        end_date=ends,
        status="active",
        private=private_to is not None,
        private_organisation_id=private_to,
        version=1,
        created_by=by,
        modified_by=by,
        created_at=_at(started),
        modified_at=_at(started),
    )
    session.add(medication)
    session.flush()
    medication_repository.add_version(
        session, medication, change="created", by=by, at=medication.created_at
    )
    # A pause is stored as medication.service.pause_medication stores it: status paused and
    # its window, also when the window starts later (the status shows it from then on).
    windows = {"paused": (-5, 25), "pause-scheduled": (5, 8)}
    if case.state in windows:
        first, last = windows[case.state]
        medication.status = "paused"
        medication.paused_from = today + timedelta(days=first)
        medication.paused_to = today + timedelta(days=last)
        _change(session, medication, "paused", by=by, at=_at(today - timedelta(days=7)))
    elif case.state == "withdrawn":
        medication.status, medication.withdrawal_reason = "withdrawn", case.reason
        _change(session, medication, "withdrawn", by=by, at=_at(today - timedelta(days=3)))
        medication.withdrawn_at = medication.modified_at
    return medication


def _change(
    session: Session, medication: Medication, change: str, *, by: Snapshot, at: datetime
) -> None:
    medication.version += 1
    medication.modified_by, medication.modified_at = by, at
    session.flush()
    medication_repository.add_version(session, medication, change=change, by=by, at=at)


def _plan(
    rng: random.Random,
    regimen: Regimen,
    drug: Drug,
    packages: list[DrugPackage],
    medication: Medication,
    *,
    today: date,
) -> Plan:
    """A course: one iteration that covers it, handed out the day it starts. A chronic
    treatment: the pack nearest three months' supply, each iteration lasting its interval,
    written in the last months but never before the treatment started, handed out every
    interval up to yesterday (or the pause), with an iteration left so nobody runs out. An
    A§4 drug: one iteration, written days ago and waiting at the pharmacy."""
    dosage = parse(regimen.dosage)
    started = medication.start_date or today
    if medication.end_date is not None:  # a course
        need = regimens.course_need(dosage)
        fitting = [p for p in packages if regimens.doses_in(regimen, p.size) >= need]
        package = min(fitting, key=_size) if fitting else max(packages, key=_size)
        quantity = max(1, math.ceil(need / regimens.doses_in(regimen, package.size)))
        return Plan(package, quantity, 1, (medication.end_date - started).days + 1, started, 1)
    per_day = regimens.daily_need(regimen, dosage)

    def lasts(package: DrugPackage) -> Decimal:
        return regimens.doses_in(regimen, package.size) / per_day

    package = min(packages, key=lambda p: abs(lasts(p) - SUPPLY_DAYS))
    # To the hundredth first: a pen of 4 weekly doses lasts 28 days, not 27.99.
    interval = max(1, min(365, math.floor(lasts(package).quantize(Decimal("0.01")))))
    if dispensed_once(drug.dispensing_group):
        valid_from = max(started, today - timedelta(days=rng.randint(1, 10)))
        return Plan(package, 1, 1, interval, valid_from, 0)
    valid_from = max(started, today - timedelta(days=rng.randint(20, 300)))
    until = medication.paused_from if medication.status == "paused" else None
    elapsed = (min(today, until or today) - valid_from).days - 1  # up to the day before
    due = 0 if elapsed < 0 else elapsed // interval + 1  # iterations handed out by now
    # Valid two years at most: no more iterations than fit in them.
    iterations = min(max(rng.randint(2, 4), due + 1), max(2, 730 // interval))
    return Plan(package, 1, iterations, interval, valid_from, min(due, iterations - 1))


def _size(package: DrugPackage) -> Decimal:
    return package.size


def _prescribe(
    session: Session, *, medication: Medication, plan: Plan, by: Snapshot
) -> Prescription:
    """The prescription of a plan, as ``prescription.service.prescribe`` would write it."""
    units = plan.package.size * plan.package_quantity
    prescription = Prescription(
        citizen_id=medication.citizen_id,
        medication_id=medication.id,
        medication_version=medication.version,
        drug_id=medication.drug_id,
        package_number=plan.package.package_number,
        package_quantity=plan.package_quantity,
        iterations=plan.iterations,
        iteration_interval=plan.interval_days if plan.iterations > 1 else None,
        iteration_interval_unit="days" if plan.iterations > 1 else None,
        unit=plan.package.unit,
        units_per_iteration=units,
        prescribed_units=units * plan.iterations,
        dispensed_units=units * plan.dispensed,
        dosage_texts=medication.dosage_derived["texts"],
        indication_code=medication.indication_code,
        indication_text=medication.indication_text,
        valid_from=plan.valid_from,
        valid_to=plan.valid_from + timedelta(days=30 if plan.iterations == 1 else 730),
        substitution_allowed=True,
        status="completed" if plan.dispensed >= plan.iterations else "open",
        prescriber=by,
        created_at=_at(plan.valid_from),
        modified_at=_at(plan.valid_from),
    )
    session.add(prescription)
    session.flush()
    return prescription


def _dispense(
    session: Session,
    *,
    prescription: Prescription,
    plan: Plan,
    iteration: int,
    at: datetime,
    pharmacy: str,
    pharmacist: Snapshot,
) -> None:
    """One whole iteration handed out by ``pharmacy`` at ``at``, after its order."""
    units = plan.package.size * plan.package_quantity
    order = PharmacyOrder(
        citizen_id=prescription.citizen_id,
        prescription_id=prescription.id,
        pharmacy_id=pharmacy,
        status="done",
        ordered_by=pharmacist,
        created_at=at,
        modified_at=at,
    )
    session.add(order)
    session.flush()
    dispensing = Dispensing(
        citizen_id=prescription.citizen_id,
        prescription_id=prescription.id,
        order_id=order.id,
        iteration_number=iteration,
        starts_iteration=True,
        pharmacy_id=pharmacy,
        pharmacist=pharmacist,
        units=units,
        dispensed_at=at,
        status="completed",
    )
    session.add(dispensing)
    session.flush()
    session.add(
        DispensingLine(
            citizen_id=prescription.citizen_id,
            dispensing_id=dispensing.id,
            line_number=1,
            drug_id=prescription.drug_id,
            package_number=plan.package.package_number,
            package_quantity=plan.package_quantity,
            units=units,
        )
    )
    prescription.last_dispensed_at = prescription.iteration_started_at = at


def _add_relations(session: Session, c_index: int, citizen: Citizen, by: Snapshot) -> None:
    """A few citizens are in treatment elsewhere: admitted to hospital, or in home care."""
    now = clock.now()
    if c_index in (0, 7):
        session.add(
            TreatmentRelation(
                citizen_id=citizen.id,
                organisation_id=people.RIGSHOSPITALET,
                kind="admitted",
                valid_from=now - timedelta(days=2),
                valid_to=now + timedelta(days=12),
                declared_by=by,
            )
        )
    if c_index in (0, 3, 6):
        session.add(
            TreatmentRelation(
                citizen_id=citizen.id,
                organisation_id=people.HOME_CARE,
                kind="home_care",
                valid_from=now - timedelta(days=60),
                valid_to=None,
                declared_by=by,
            )
        )


def _snapshot(subject: str, name: str, role: str, organisation_id: str) -> Snapshot:
    return {
        "subject": subject,
        "name": name,
        "role": role,
        "organisation_id": organisation_id,
        "on_behalf_of": None,
    }


def _age(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def _at(day: date) -> datetime:
    return datetime.combine(day, time(9, 30), tzinfo=clock.COPENHAGEN)
