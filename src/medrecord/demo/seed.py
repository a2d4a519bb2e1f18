"""Load the demo data into an empty database (one transaction)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from medrecord import clock
from medrecord.citizen.rules import birth_date_of
from medrecord.demo import catalogue, people
from medrecord.dosage.derive import derive, display_text, is_temporary
from medrecord.dosage.examples import JSON, SHAPES, daily, parse
from medrecord.dosage.rules import dosage_end, dosage_problem
from medrecord.medication import repository as medication_repository
from medrecord.models import (
    Citizen,
    Dispensing,
    Drug,
    DrugPackage,
    Medication,
    MedicationCard,
    MedicationVersion,
    Organisation,
    PharmacyOrder,
    Prescription,
    TreatmentRelation,
)


@dataclass(frozen=True)
class Regimen:
    drug: str
    strength: str
    indication_code: str
    indication_text: str
    dosage: JSON  # as a prescriber sends it
    iteration_days: int
    route: str = "oral"


def _as_needed(unit: str, note: str | None = None, **limits: float) -> JSON:
    dosage: JSON = {"unit": unit, "periods": [{"as_needed": limits}]}
    return dosage | ({"note": note} if note else {})


REGIMENS: list[Regimen] = [
    Regimen('Metformin "Actavis"', "500 mg", "E11", "Type 2 diabetes", daily(morning=1, evening=1), 50),
    Regimen('Atorvastatin "Krka"', "20 mg", "E78.0", "High cholesterol", daily(evening=1), 25),
    Regimen("Hjertemagnyl", "75 mg", "I25", "Prevention of blood clots", daily(morning=1), 90),
    Regimen('Amlodipin "Teva"', "5 mg", "I10", "High blood pressure", daily(morning=1), 25),
    Regimen('Losartan "Krka"', "50 mg", "I10", "High blood pressure", daily(morning=1), 90),
    Regimen('Sertralin "Actavis"', "50 mg", "F32", "Depression", daily(morning=1), 90),
    Regimen("Panodil", "500 mg", "R52", "Pain", SHAPES["as_needed"].dosage, 20),
    Regimen('Omeprazol "Actavis"', "20 mg", "K21", "Heartburn (reflux)", daily("capsule", morning=1), 90),
    Regimen("Eltroxin", "50 microgram", "E03", "Low metabolism (hypothyroidism)", daily(morning=1), 90),
    Regimen(
        'Zopiclon "Actavis"', "7.5 mg", "G47.0", "Sleep problems",
        _as_needed("tablet", "til natten", quantity=1, max_times_per_day=1), 25,
    ),
    Regimen("Furix", "40 mg", "I50", "Heart failure (fluid)", daily(morning=1), 90),
    Regimen("Selo-Zok", "50 mg", "I50", "Heart failure", daily(morning=1), 90),
    Regimen("Eliquis", "5 mg", "I48", "Atrial fibrillation", daily(morning=1, evening=1), 80),
    Regimen(
        "Ventoline", "0.1 mg/dose", "J45", "Asthma",
        _as_needed("puff", "ved anfald", min=1, max=2, max_times_per_day=4), 25, "inhalation",
    ),
    Regimen('Alendronat "Aurobindo"', "70 mg", "M81", "Osteoporosis", SHAPES["weekly"].dosage, 80),
]  # fmt: skip
TEMPORARY = Regimen(
    'Amoxicillin "Sandoz"', "500 mg", "J18", "Pneumonia", SHAPES["course"].dosage, 7
)
# Regimens that show what the dosage model can say, each on one citizen's card (by index).
SHOWCASE: dict[int, list[Regimen]] = {
    0: [Regimen('Prednisolon "DAK"', "5 mg", "J44.1", "COPD exacerbation", SHAPES["taper"].dosage, 9)],
    1: [
        Regimen("Lantus", "100 units/ml", "E10", "Type 1 diabetes", SHAPES["clock_time"].dosage, 60, "subcutaneous"),
        Regimen("NovoRapid FlexPen", "100 units/ml", "E10", "Type 1 diabetes", SHAPES["range"].dosage, 30, "subcutaneous"),
    ],
    4: [Regimen('Fentanyl "Sandoz"', "25 microgram/hour", "R52", "Chronic pain", SHAPES["every_third_day"].dosage, 15, "transdermal")],
    9: [Regimen("Symbicort Turbuhaler", "160/4.5 microgram/dose", "J45", "Asthma", SHAPES["combined"].dosage, 40, "inhalation")],
    10: [Regimen("Xalatan", "50 microgram/ml", "H40.1", "Glaucoma", SHAPES["eye_drops"].dosage, 30, "ocular")],
    20: [Regimen("Imadrax", "50 mg/ml", "H66", "Ear infection", SHAPES["child_suspension"].dosage, 7)],
}  # fmt: skip
WITHDRAWAL_REASONS = [
    "Side effects: dizziness",
    "No longer needed",
    "Replaced by another treatment",
]
PHARMACIES = [people.PHARMACY_NORREBRO, people.PHARMACY_VESTERBRO, people.PHARMACY_AARHUS]


def is_empty(session: Session) -> bool:
    return session.execute(select(func.count()).select_from(Organisation)).scalar_one() == 0


def seed_demo(session: Session, *, seed: int = 2026) -> dict[str, int]:
    """Insert the demo data; the caller commits. Returns counts by kind."""
    rng = random.Random(seed)  # deterministic demo data, not security-relevant
    today = clock.today()
    now = clock.now()

    session.add_all(Organisation(id=i, name=n, kind=k) for i, n, k in people.ORGANISATIONS)
    drugs: dict[tuple[str, str], tuple[Drug, DrugPackage]] = {}
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
        first = None
        for p_index, (size, unit, price) in enumerate(packages):
            package = DrugPackage(
                package_number=catalogue.package_number(index, p_index),
                drug_id=drug.id,
                size=Decimal(size),
                unit=unit,
                price_dkk=catalogue.price(price),
            )
            session.add(package)
            first = first or package
        if first is None:
            raise ValueError(f"demo drug {name} has no package")
        drugs.setdefault((name, strength), (drug, first))
    session.flush()

    gp_doctor = {s.organisation_id: s for s in people.STAFF if s.role == "doctor"}
    pharmacist = {
        s.organisation_id: {
            "subject": s.username,
            "name": s.name,
            "role": str(s.role),
            "organisation_id": s.organisation_id,
            "on_behalf_of": None,
        }
        for s in people.STAFF
        if s.role == "pharmacist"
    }
    counts = {"medications": 0, "prescriptions": 0, "dispensings": 0}
    for c_index, (_, cpr, name, gp) in enumerate(people.CITIZENS):
        citizen = Citizen(cpr=cpr, name=name, birth_date=birth_date_of(cpr), gp_practice_id=gp)
        session.add(citizen)
        session.flush()
        card = MedicationCard(citizen_id=citizen.id, version=1)
        session.add(card)
        doctor = gp_doctor[gp]
        by = {
            "subject": doctor.username,
            "name": doctor.name,
            "role": "doctor",
            "organisation_id": gp,
            "on_behalf_of": None,
        }
        child = citizen.birth_date > today - timedelta(days=18 * 365)
        # A child gets only its own showcase treatment, not adult regimens.
        regimens = [] if child else rng.sample(REGIMENS, rng.randint(2, 5))
        if c_index % 7 == 3:
            regimens.append(TEMPORARY)
        regimens += SHOWCASE.get(c_index, [])
        for r_index, regimen in enumerate(regimens):
            drug, package = drugs[(regimen.drug, regimen.strength)]
            dosage = parse(regimen.dosage)
            course = is_temporary(dosage)  # the dosage ends by itself
            started = today - timedelta(days=rng.randint(30, 900))
            status, paused_from, paused_to, withdrawal = "active", None, None, None
            if regimen is TEMPORARY:
                started = today - timedelta(days=12)
            elif course:
                started = today - timedelta(days=2)
            elif regimen not in REGIMENS:
                pass  # the showcase stays active
            elif r_index == 1 and c_index % 5 == 2:
                status, paused_from, paused_to = (
                    "paused",
                    today - timedelta(days=5),
                    today + timedelta(days=25),
                )
            elif r_index == 2 and c_index % 4 == 1:
                status, withdrawal = "withdrawn", rng.choice(WITHDRAWAL_REASONS)
            ends = dosage_end(dosage, started)
            if problem := dosage_problem(dosage, units=drug.dosage_units, start=started, end=ends):
                raise ValueError(f"demo dosage of {regimen.drug}: {problem.extra['errors']}")
            derived = derive(dosage, start=started)
            private = regimen.drug.startswith("Sertralin") and c_index % 2 == 0
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
                status=status,
                paused_from=paused_from,
                paused_to=paused_to,
                withdrawal_reason=withdrawal,
                withdrawn_at=now - timedelta(days=3) if withdrawal else None,
                private=private,
                private_organisation_id=gp if private else None,
                version=1,
                created_by=by,
                modified_by=by,
                created_at=_at(started),
                modified_at=_at(started),
            )
            session.add(medication)
            session.flush()
            session.add(
                MedicationVersion(
                    citizen_id=citizen.id,
                    medication_id=medication.id,
                    version=1,
                    change="created",
                    state=medication_repository.state_of(medication),
                    changed_by=by,
                    changed_at=_at(started),
                )
            )
            counts["medications"] += 1
            if status == "withdrawn":
                continue
            iterations = 1 if course else rng.randint(2, 4)
            valid_from = started if course else today - timedelta(days=rng.randint(20, 200))
            dispensed = (
                1
                if course
                else min(
                    iterations - 1, (today - valid_from).days // max(regimen.iteration_days, 1)
                )
            )
            prescription = Prescription(
                citizen_id=citizen.id,
                medication_id=medication.id,
                medication_version=1,
                drug_id=drug.id,
                package_number=package.package_number,
                package_quantity=1,
                iterations=iterations,
                iteration_interval_days=regimen.iteration_days,
                valid_from=valid_from,
                valid_to=valid_from + timedelta(days=30 if course else 730),
                substitution_allowed=True,
                status="completed" if dispensed >= iterations else "open",
                dispensed_iterations=dispensed,
                prescriber=by,
                created_at=_at(valid_from),
                modified_at=_at(valid_from),
            )
            session.add(prescription)
            session.flush()
            counts["prescriptions"] += 1
            pharmacy = PHARMACIES[c_index % 3]
            for iteration in range(1, dispensed + 1):
                when = _at(
                    valid_from + timedelta(days=(iteration - 1) * regimen.iteration_days + 1)
                )
                order = PharmacyOrder(
                    citizen_id=citizen.id,
                    prescription_id=prescription.id,
                    pharmacy_id=pharmacy,
                    status="done",
                    ordered_by=pharmacist[pharmacy],
                    created_at=when,
                    modified_at=when,
                )
                session.add(order)
                session.flush()
                session.add(
                    Dispensing(
                        citizen_id=citizen.id,
                        prescription_id=prescription.id,
                        order_id=order.id,
                        iteration_number=iteration,
                        pharmacy_id=pharmacy,
                        pharmacist=pharmacist[pharmacy],
                        drug_id=drug.id,
                        package_number=package.package_number,
                        package_quantity=1,
                        dispensed_at=when,
                        status="completed",
                    )
                )
                counts["dispensings"] += 1
            prescription.last_dispensed_at = (
                _at(valid_from + timedelta(days=(dispensed - 1) * regimen.iteration_days + 1))
                if dispensed
                else None
            )
        # A few citizens are in treatment elsewhere: admitted to hospital, or in home care.
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
    session.flush()
    return {
        "organisations": len(people.ORGANISATIONS),
        "drugs": len(catalogue.DRUGS),
        "citizens": len(people.CITIZENS),
        **counts,
    }


def _at(day: date) -> datetime:
    return datetime.combine(day, time(9, 30), tzinfo=clock.COPENHAGEN)
