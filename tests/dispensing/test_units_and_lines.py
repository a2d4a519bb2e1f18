"""Amounts in units: a partial dispensing leaves the rest of its iteration dispensable at once,
an iteration may be split over packages of other sizes or substitutes, and never more units
go out than remain (SPEC §2; issue 10, points 2 and 8)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from medrecord import clock
from medrecord.models import Citizen, Dispensing, Drug, DrugPackage, Medication
from tests.support.factories import make_drug, make_medication, make_package
from tests.support.http import base, dispense


@pytest.fixture
def hundred(db: Session, drug: Drug) -> DrugPackage:
    return make_package(db, drug=drug, size=Decimal(100), price="40.00")


@pytest.fixture
def fifty(db: Session, drug: Drug) -> DrugPackage:
    return make_package(db, drug=drug, size=Decimal(50), price="25.00")


def prescribe(
    client: TestClient,
    citizen: Citizen,
    doctor: dict[str, str],
    medication: Medication,
    package: DrugPackage,
    **overrides: Any,
) -> dict[str, Any]:
    today = clock.today()
    body = {
        "medication_id": str(medication.id),
        "package_number": package.package_number,
        "package_quantity": 2,
        "iterations": 2,
        "iteration_interval": 30,
        "valid_from": today.isoformat(),
        "valid_to": (today + timedelta(days=365)).isoformat(),
    } | overrides
    response = client.post(f"{base(citizen)}/prescriptions", headers=doctor, json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def remaining(
    client: TestClient, citizen: Citizen, rx: dict[str, Any], doctor: dict[str, str]
) -> Any:
    listed = client.get(f"{base(citizen)}/prescriptions", headers=doctor).json()
    return next(p for p in listed if p["id"] == rx["id"])


def rows(db: Session, rx: dict[str, Any]) -> int:
    count = select(func.count()).select_from(Dispensing)
    return db.scalar(count.where(Dispensing.prescription_id == uuid.UUID(rx["id"]))) or 0


def test_a_partial_dispensing_leaves_the_rest_of_its_iteration_dispensable_at_once(
    client: TestClient,
    citizen: Citizen,
    doctor: dict[str, str],
    pharmacist: dict[str, str],
    medication: Medication,
    hundred: DrugPackage,
) -> None:
    """Issue 10, point 2: 2 packages x 2 iterations, one package handed out: 4 -> 2."""
    rx = prescribe(client, citizen, doctor, medication, hundred)

    part = dispense(client, citizen, rx["id"], pharmacist, {"package_quantity": 1})
    after_part = remaining(client, citizen, rx, doctor)
    rest = dispense(client, citizen, rx["id"], pharmacist, {})
    next_iteration = dispense(client, citizen, rx["id"], pharmacist, {})

    assert part.status_code == 201
    assert (part.json()["units"], part.json()["remaining_units"]) == (100, 300)
    assert part.json()["remaining_iterations"] == 2
    assert (after_part["dispensable_now_units"], after_part["earliest_next_iteration"]) == (
        100,
        None,
    )
    assert rest.status_code == 201, rest.text
    assert (rest.json()["units"], rest.json()["starts_iteration"]) == (100, False)
    assert (rest.json()["remaining_units"], rest.json()["remaining_iterations"]) == (200, 1)
    assert next_iteration.status_code == 409
    assert next_iteration.json()["type"].endswith("/too-early")


def test_one_iteration_is_split_over_packages_of_other_sizes(
    client: TestClient,
    db: Session,
    citizen: Citizen,
    doctor: dict[str, str],
    pharmacist: dict[str, str],
    medication: Medication,
    hundred: DrugPackage,
    fifty: DrugPackage,
) -> None:
    """2 x 50 and 1 x 100 for the iteration of 2 x 100: one dispensing, two lines."""
    rx = prescribe(client, citizen, doctor, medication, hundred)
    lines = [
        {"package_number": fifty.package_number, "package_quantity": 2},
        {"package_number": hundred.package_number, "package_quantity": 1},
    ]

    response = dispense(client, citizen, rx["id"], pharmacist, {"lines": lines})

    assert response.status_code == 201, response.text
    body = response.json()
    assert [
        (line["package_size"], line["package_quantity"], line["units"]) for line in body["lines"]
    ] == [
        (50, 2, 100),
        (100, 1, 100),
    ]
    assert (body["units"], body["unit"], body["substituted"]) == (200, "tablet", False)
    assert (body["remaining_units"], body["remaining_iterations"]) == (200, 1)
    assert rows(db, rx) == 1


def test_a_split_may_use_a_substitute_of_the_group_when_allowed(
    client: TestClient,
    db: Session,
    citizen: Citizen,
    doctor: dict[str, str],
    pharmacist: dict[str, str],
) -> None:
    prescribed = make_drug(db, name="Pinex", substitution_group="PARA-500")
    other = make_drug(db, name="Panodil", substitution_group="PARA-500")
    hundred = make_package(db, drug=prescribed, size=Decimal(100))
    other_fifty = make_package(db, drug=other, size=Decimal(50))
    medication = make_medication(db, citizen=citizen, drug=prescribed)
    rx = prescribe(client, citizen, doctor, medication, hundred, package_quantity=1)

    response = dispense(
        client,
        citizen,
        rx["id"],
        pharmacist,
        {"lines": [{"package_number": other_fifty.package_number, "package_quantity": 2}]},
    )

    assert response.status_code == 201, response.text
    [line] = response.json()["lines"]
    assert (line["drug"]["name"], line["substituted"], response.json()["substituted"]) == (
        "Panodil",
        True,
        True,
    )


@pytest.mark.parametrize(
    ("lines", "status", "problem"),
    [
        # 300 tablets for an iteration of 200: never more than may go out now.
        ([("hundred", 3)], 409, "exceeds-remaining"),
        ([("hundred", 1), ("fifty", 3)], 409, "exceeds-remaining"),
        ([("hundred", 1), ("hundred", 1)], 422, "duplicate-dispensing-line"),
    ],
)
def test_a_refused_split_changes_nothing(
    client: TestClient,
    db: Session,
    citizen: Citizen,
    doctor: dict[str, str],
    pharmacist: dict[str, str],
    medication: Medication,
    hundred: DrugPackage,
    fifty: DrugPackage,
    lines: list[tuple[str, int]],
    status: int,
    problem: str,
) -> None:
    rx = prescribe(client, citizen, doctor, medication, hundred)
    packages = {"hundred": hundred, "fifty": fifty}
    body = {
        "lines": [
            {"package_number": packages[name].package_number, "package_quantity": quantity}
            for name, quantity in lines
        ]
    }

    response = dispense(client, citizen, rx["id"], pharmacist, body)

    assert response.status_code == status
    assert response.json()["type"].endswith(f"/{problem}")
    assert rows(db, rx) == 0
    assert remaining(client, citizen, rx, doctor)["remaining_units"] == 400


def test_a_rest_smaller_than_the_prescribed_package_is_handed_out_in_smaller_packs(
    client: TestClient,
    citizen: Citizen,
    doctor: dict[str, str],
    pharmacist: dict[str, str],
    medication: Medication,
    hundred: DrugPackage,
    fifty: DrugPackage,
) -> None:
    rx = prescribe(client, citizen, doctor, medication, hundred, package_quantity=1, iterations=1)
    first = {"lines": [{"package_number": fifty.package_number, "package_quantity": 1}]}
    dispense(client, citizen, rx["id"], pharmacist, first)

    default = dispense(client, citizen, rx["id"], pharmacist, {})
    by_lines = dispense(client, citizen, rx["id"], pharmacist, first)

    assert default.status_code == 409
    assert default.json()["detail"].endswith("choose the lines to hand out.")
    assert by_lines.status_code == 201
    assert (by_lines.json()["remaining_units"], by_lines.json()["prescription_status"]) == (
        0,
        "completed",
    )


def test_an_undone_part_gives_its_units_back(
    client: TestClient,
    citizen: Citizen,
    doctor: dict[str, str],
    pharmacist: dict[str, str],
    medication: Medication,
    hundred: DrugPackage,
) -> None:
    rx = prescribe(client, citizen, doctor, medication, hundred)
    part = dispense(client, citizen, rx["id"], pharmacist, {"package_quantity": 1}).json()

    undone = client.post(
        f"{base(citizen)}/dispensings/{part['id']}/undo",
        headers=pharmacist,
        json={"reason": "Wrong strength"},
    )
    whole = dispense(client, citizen, rx["id"], pharmacist, {})

    assert undone.json()["remaining_units"] == 400
    assert (whole.status_code, whole.json()["units"], whole.json()["starts_iteration"]) == (
        201,
        200,
        True,
    )


def test_a_group_a4_drug_is_prescribed_once_and_dispensed_whole(
    client: TestClient,
    db: Session,
    citizen: Citizen,
    doctor: dict[str, str],
    pharmacist: dict[str, str],
) -> None:
    """Issue 10, point 8: OxyNorm 5 packs x 10 iterations every day was accepted."""
    oxynorm = make_drug(db, name="OxyNorm", atc_code="N02AA05", dispensing_group="A§4")
    pack = make_package(db, drug=oxynorm, size=Decimal(28), unit="capsule")
    medication = make_medication(db, citizen=citizen, drug=oxynorm)

    refused = client.post(
        f"{base(citizen)}/prescriptions",
        headers=doctor,
        json={
            "medication_id": str(medication.id),
            "package_number": pack.package_number,
            "package_quantity": 5,
            "iterations": 10,
            "iteration_interval": 1,
            "valid_from": clock.today().isoformat(),
            "valid_to": (clock.today() + timedelta(days=30)).isoformat(),
        },
    )
    rx = prescribe(client, citizen, doctor, medication, pack, iterations=1)
    part = dispense(client, citizen, rx["id"], pharmacist, {"package_quantity": 1})
    whole = dispense(client, citizen, rx["id"], pharmacist, {})

    assert refused.status_code == 422
    assert refused.json()["type"].endswith("/dispensed-once")
    assert refused.json()["errors"][0]["field"] == "body.iterations"
    assert part.status_code == 422
    assert part.json()["type"].endswith("/dispensed-once")
    assert (whole.status_code, whole.json()["prescription_status"]) == (201, "completed")


def test_a_prescription_carries_what_the_label_needs(
    client: TestClient,
    citizen: Citizen,
    doctor: dict[str, str],
    medication: Medication,
    hundred: DrugPackage,
) -> None:
    """Issue 10, point 10: prescriptions showed neither dosage nor indication."""
    rx = prescribe(
        client,
        citizen,
        doctor,
        medication,
        hundred,
        supplementary_instructions="Tages med rigeligt vand",
        iteration_interval=3,
        iteration_interval_unit="months",
    )

    listed = remaining(client, citizen, rx, doctor)

    assert listed["dosage_texts"]["da"]["short"] == "1 tablet morgen og aften"
    assert listed["dosage_texts"]["en"]["short"] == "1 tablet in the morning and in the evening"
    assert (listed["indication_text"], listed["medication_version"]) == ("Pain", 1)
    assert listed["supplementary_instructions"] == "Tages med rigeligt vand"
    assert (listed["iteration_interval"], listed["iteration_interval_unit"]) == (3, "months")
