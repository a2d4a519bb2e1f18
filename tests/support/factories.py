"""Plain typed factories for arranging test data: each adds its rows, flushes and returns them."""

from __future__ import annotations

import itertools
import random
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from medrecord import clock
from medrecord.access.actor import Actor, Role
from medrecord.citizen.rules import birth_date_of
from medrecord.dosage import examples
from medrecord.dosage.derive import derive, display_text
from medrecord.drug.forms import units_for_form
from medrecord.models import (
    Citizen,
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

_counter = itertools.count(1)
_rng = random.Random()  # test data, not security


def _n() -> int:
    return next(_counter)


def random_cpr() -> str:
    day = _rng.randint(1, 28)
    month = _rng.randint(1, 12)
    year = _rng.randint(30, 99)
    return f"{day:02d}{month:02d}{year:02d}{_rng.randint(0, 3)}{_rng.randint(0, 999):03d}"


def snapshot(
    name: str = "Dr. Test", role: str = "doctor", org: str | None = None
) -> dict[str, Any]:
    return {
        "subject": f"sub-{name}",
        "name": name,
        "role": role,
        "organisation_id": org,
        "on_behalf_of": None,
    }


def make_actor(
    *, role: Role, organisation: Organisation | None = None, name: str | None = None
) -> Actor:
    """A caller as the use cases see it (what a verified token becomes)."""
    n = _n()
    return Actor(
        subject=f"actor-{n}",
        name=name or f"Test {role} {n}",
        role=role,
        organisation_id=organisation.id if organisation else None,
    )


def make_organisation(
    session: Session, *, kind: str = "gp_practice", name: str | None = None
) -> Organisation:
    n = _n()
    org = Organisation(
        id=f"9{n:014d}{_rng.randint(0, 9)}"[:16], name=name or f"Test {kind} {n}", kind=kind
    )
    session.add(org)
    session.flush()
    return org


def make_citizen(
    session: Session, *, gp: Organisation | None, name: str = "Test Citizen"
) -> Citizen:
    while True:
        cpr = random_cpr()
        if session.query(Citizen).filter_by(cpr=cpr).first() is None:
            break
    citizen = Citizen(
        cpr=cpr, name=name, birth_date=birth_date_of(cpr), gp_practice_id=gp.id if gp else None
    )
    session.add(citizen)
    session.flush()
    session.add(MedicationCard(citizen_id=citizen.id, version=1))
    session.flush()
    return citizen


def make_drug(
    session: Session,
    *,
    name: str | None = None,
    substitution_group: str | None = None,
    atc_code: str = "N02BE01",
    form: str = "tablet",
    dosage_units: list[str] | None = None,
    dispensing_group: str = "A",
    active_substances: list[str] | None = None,
) -> Drug:
    """A catalogue drug, without packages (give it one with make_package). Its dosage units
    are the form's unless given."""
    n = _n()
    units = dosage_units or units_for_form(form)
    if not units:
        raise ValueError(f"form {form!r} has no known dosage units: give dosage_units")
    drug = Drug(
        id=f"77{n:09d}",
        name=name or f"Testdrug {n}",
        form=form,
        dosage_units=[str(u) for u in units],
        strength="500 mg",
        atc_code=atc_code,
        substitution_group=substitution_group,
        dispensing_group=dispensing_group,
        otc=dispensing_group.startswith("H"),
        active_substances=active_substances or [],
    )
    session.add(drug)
    session.flush()
    return drug


def make_package(
    session: Session,
    *,
    drug: Drug,
    size: Decimal = Decimal(100),
    unit: str = "tablet",
    price: str = "10.00",
) -> DrugPackage:
    n = _n()
    package = DrugPackage(
        package_number=f"{(500000 + n) % 1000000:06d}",
        drug_id=drug.id,
        size=size,
        unit=unit,
        price_dkk=Decimal(price),
    )
    session.add(package)
    session.flush()
    return package


def make_medication(
    session: Session,
    *,
    citizen: Citizen,
    drug: Drug,
    status: str = "active",
    private_organisation: Organisation | None = None,
    indication_text: str = "Pain",
) -> Medication:
    dosage = examples.daily(morning=1, evening=1)
    derived = derive(examples.parse(dosage), start=clock.today())
    by = snapshot(org=citizen.gp_practice_id)
    medication = Medication(
        citizen_id=citizen.id,
        drug_id=drug.id,
        indication_text=indication_text,
        route="oral",
        dosage=dosage,
        dosage_derived=derived.model_dump(mode="json", exclude_none=True),
        dosage_text=display_text(derived),
        start_date=clock.today(),
        status=status,
        withdrawal_reason="No longer needed" if status == "withdrawn" else None,
        private=private_organisation is not None,
        private_organisation_id=private_organisation.id if private_organisation else None,
        created_by=by,
        modified_by=by,
    )
    session.add(medication)
    session.flush()
    session.add(
        MedicationVersion(
            citizen_id=citizen.id,
            medication_id=medication.id,
            version=1,
            change="created",
            state={},
            changed_by=by,
        )
    )
    session.flush()
    return medication


def make_prescription(
    session: Session,
    *,
    medication: Medication,
    package: DrugPackage,
    iterations: int = 3,
    dispensed_iterations: int = 0,
    interval_days: int | None = None,
    package_quantity: int = 1,
    valid_from: date | None = None,
    valid_to: date | None = None,
) -> Prescription:
    """One package per iteration; ``dispensed_iterations`` whole iterations already out."""
    today = clock.today()
    prescription = Prescription(
        citizen_id=medication.citizen_id,
        medication_id=medication.id,
        medication_version=medication.version,
        drug_id=medication.drug_id,
        package_number=package.package_number,
        package_quantity=package_quantity,
        iterations=iterations,
        iteration_interval=interval_days,
        iteration_interval_unit="days" if interval_days else None,
        unit=package.unit,
        units_per_iteration=package.size * package_quantity,
        prescribed_units=package.size * package_quantity * iterations,
        dispensed_units=package.size * package_quantity * dispensed_iterations,
        dosage_texts=medication.dosage_derived["texts"],
        indication_code=medication.indication_code,
        indication_text=medication.indication_text,
        valid_from=valid_from or today,
        valid_to=valid_to or today + timedelta(days=365),
        prescriber=snapshot(org=None),
        status="completed" if dispensed_iterations >= iterations else "open",
    )
    session.add(prescription)
    session.flush()
    return prescription


def make_order(
    session: Session,
    *,
    prescription: Prescription,
    pharmacy: Organisation,
) -> PharmacyOrder:
    """An open pharmacy order: ``pharmacy`` has claimed ``prescription``."""
    order = PharmacyOrder(
        citizen_id=prescription.citizen_id,
        prescription_id=prescription.id,
        pharmacy_id=pharmacy.id,
        ordered_by=snapshot(role="pharmacist"),
    )
    session.add(order)
    session.flush()
    return order


def make_treatment_relation(
    session: Session,
    *,
    citizen: Citizen,
    organisation: Organisation,
    kind: str = "admitted",
    valid_from: datetime | None = None,
    valid_to: datetime | None = None,
) -> TreatmentRelation:
    """A declared relation, by default valid since an hour ago and open-ended."""
    relation = TreatmentRelation(
        citizen_id=citizen.id,
        organisation_id=organisation.id,
        kind=kind,
        valid_from=valid_from or clock.now() - timedelta(hours=1),
        valid_to=valid_to,
        declared_by=snapshot(),
    )
    session.add(relation)
    session.flush()
    return relation
