"""Prescriptions and pharmacy orders (claims)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from medrecord import clock
from medrecord.models import (
    Citizen,
    Drug,
    DrugPackage,
    Medication,
    Organisation,
    PharmacyOrder,
    Prescription,
)
from tests.support.factories import (
    make_drug,
    make_medication,
    make_organisation,
    make_package,
    make_prescription,
)
from tests.support.http import base
from tests.support.tokens import Tokens


def rx_body(medication: Medication, package: DrugPackage, **overrides: Any) -> dict[str, Any]:
    today = clock.today()
    body: dict[str, Any] = {
        "medication_id": str(medication.id),
        "package_number": package.package_number,
        "package_quantity": 1,
        "iterations": 3,
        "iteration_interval_days": 30,
        "valid_from": today.isoformat(),
        "valid_to": (today + timedelta(days=365)).isoformat(),
    }
    body.update(overrides)
    return body


def test_doctor_prescribes_from_an_active_medication(
    client: TestClient,
    citizen: Citizen,
    doctor: dict[str, str],
    medication: Medication,
    package: DrugPackage,
) -> None:
    response = client.post(
        f"{base(citizen)}/prescriptions", headers=doctor, json=rx_body(medication, package)
    )

    assert response.status_code == 201
    rx = response.json()
    assert rx["medication_version"] == 1
    assert (rx["status"], rx["remaining_iterations"]) == ("open", 3)
    # Amounts in units: 3 iterations of 1 package of 100 tablets.
    assert (rx["unit"], rx["prescribed_units"], rx["remaining_units"]) == ("tablet", 300, 300)
    assert rx["prescriber"]["name"] == "Dr. Karen Jensen"
    assert response.headers["location"].endswith(rx["id"])


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"package_quantity": 0}, "body.package_quantity"),
        ({"package_quantity": 10000}, "body.package_quantity"),
        ({"iterations": 0}, "body.iterations"),
        ({"iterations": 1000}, "body.iterations"),
        ({"iteration_interval_days": 0}, "body.iteration_interval_days"),
        ({"iteration_interval_days": 1000}, "body.iteration_interval_days"),
        ({"valid_from": None}, "body.valid_from"),
        ({"valid_to": "2020-01-01"}, "body"),
        # Issue 10, point 7: the legal validity window (Receptbekendtgørelsen).
        ({"valid_to": "2099-12-31"}, "body.valid_to"),
        ({"valid_from": "2001-01-01"}, "body.valid_from"),
        (
            {
                "valid_from": (clock.today() + timedelta(days=365)).isoformat(),
                "valid_to": (clock.today() + timedelta(days=400)).isoformat(),
            },
            "body.valid_from",
        ),
        ({"iteration_interval_days": None}, "body"),
        ({"package_number": "12345"}, "body.package_number"),
    ],
)
def test_fmk_limits_are_enforced(
    client: TestClient,
    citizen: Citizen,
    doctor: dict[str, str],
    medication: Medication,
    package: DrugPackage,
    overrides: dict[str, Any],
    field: str,
) -> None:
    body = {k: v for k, v in rx_body(medication, package, **overrides).items() if v is not None}
    response = client.post(f"{base(citizen)}/prescriptions", headers=doctor, json=body)

    assert response.status_code == 422
    assert any(e["field"].startswith(field) for e in response.json()["errors"]), response.json()


def test_package_must_belong_to_the_medications_drug(
    client: TestClient,
    db: Session,
    citizen: Citizen,
    doctor: dict[str, str],
    medication: Medication,
) -> None:
    other_package = make_package(db, drug=make_drug(db))
    response = client.post(
        f"{base(citizen)}/prescriptions", headers=doctor, json=rx_body(medication, other_package)
    )
    assert response.status_code == 422
    assert response.json()["type"].endswith("/package-not-of-drug")


def test_withdrawn_or_paused_medication_cannot_be_prescribed(
    client: TestClient,
    db: Session,
    citizen: Citizen,
    doctor: dict[str, str],
    drug: Drug,
    package: DrugPackage,
) -> None:
    withdrawn = make_medication(db, citizen=citizen, drug=drug, status="withdrawn")
    paused = make_medication(db, citizen=citizen, drug=drug, status="paused")
    for medication in (withdrawn, paused):
        response = client.post(
            f"{base(citizen)}/prescriptions", headers=doctor, json=rx_body(medication, package)
        )
        assert response.status_code == 409
        assert response.json()["type"].endswith("/medication-not-active")


def test_cancel_needs_a_reason_and_only_open_prescriptions_can_be_cancelled(
    client: TestClient,
    db: Session,
    citizen: Citizen,
    doctor: dict[str, str],
    medication: Medication,
    package: DrugPackage,
) -> None:
    rx = make_prescription(db, medication=medication, package=package)
    url = f"{base(citizen)}/prescriptions/{rx.id}/cancel"

    no_reason = client.post(url, headers=doctor, json={})
    cancelled = client.post(url, headers=doctor, json={"reason": "Dose changed"})
    again = client.post(url, headers=doctor, json={"reason": "Dose changed"})

    assert no_reason.status_code == 422
    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["cancellation_reason"] == "Dose changed"
    assert again.status_code == 409


def test_expired_prescription_shows_as_expired(
    client: TestClient,
    db: Session,
    citizen: Citizen,
    doctor: dict[str, str],
    medication: Medication,
    package: DrugPackage,
) -> None:
    today = clock.today()
    make_prescription(
        db,
        medication=medication,
        package=package,
        valid_from=today - timedelta(days=400),
        valid_to=today - timedelta(days=1),
    )

    listed = client.get(f"{base(citizen)}/prescriptions", headers=doctor).json()
    expired = client.get(f"{base(citizen)}/prescriptions?status=expired", headers=doctor).json()
    open_ = client.get(f"{base(citizen)}/prescriptions?status=open", headers=doctor).json()

    assert [p["status"] for p in listed] == ["expired"]
    assert len(expired) == 1 and open_ == []


def test_pharmacist_without_consent_sees_only_dispensable_prescriptions(
    client: TestClient,
    db: Session,
    citizen: Citizen,
    medication: Medication,
    package: DrugPackage,
    pharmacist: dict[str, str],
) -> None:
    today = clock.today()
    dispensable = make_prescription(db, medication=medication, package=package)
    make_prescription(
        db, medication=medication, package=package, iterations=1, dispensed_iterations=1
    )
    make_prescription(
        db,
        medication=medication,
        package=package,
        valid_from=today - timedelta(days=400),
        valid_to=today - timedelta(days=1),
    )

    without = client.get(f"{base(citizen)}/prescriptions", headers=pharmacist).json()
    with_consent = client.get(
        f"{base(citizen)}/prescriptions", headers={**pharmacist, "X-Access-Purpose": "consent"}
    ).json()

    assert [p["id"] for p in without] == [str(dispensable.id)]
    assert len(with_consent) == 3


def test_pharmacy_claims_a_prescription_and_another_pharmacy_gets_409_naming_the_holder(
    client: TestClient,
    db: Session,
    tokens: Tokens,
    citizen: Citizen,
    medication: Medication,
    package: DrugPackage,
    pharmacist: dict[str, str],
    pharmacy: Organisation,
) -> None:
    rx = make_prescription(db, medication=medication, package=package)
    other = make_organisation(db, kind="pharmacy", name="Vesterbro Apotek")
    url = f"{base(citizen)}/prescriptions/{rx.id}/order"

    claimed = client.post(url, headers=pharmacist)
    again = client.post(url, headers=pharmacist)
    refused = client.post(url, headers=tokens.headers(role="pharmacist", org=other))

    assert claimed.status_code == 201
    assert claimed.json()["pharmacy_name"] == "Nørrebro Apotek"
    assert again.status_code == 200 and again.json()["id"] == claimed.json()["id"]
    assert refused.status_code == 409
    assert refused.json()["type"].endswith("/prescription-claimed")
    assert refused.json()["claimed_by"]["pharmacy_name"] == "Nørrebro Apotek"
    assert "Nørrebro Apotek" in refused.json()["detail"]


def test_cancelling_the_order_releases_the_claim(
    client: TestClient,
    db: Session,
    tokens: Tokens,
    citizen: Citizen,
    medication: Medication,
    package: DrugPackage,
    pharmacist: dict[str, str],
) -> None:
    rx = make_prescription(db, medication=medication, package=package)
    other = tokens.headers(
        role="pharmacist", org=make_organisation(db, kind="pharmacy", name="Vesterbro Apotek")
    )
    order = client.post(f"{base(citizen)}/prescriptions/{rx.id}/order", headers=pharmacist).json()

    by_other = client.post(f"{base(citizen)}/orders/{order['id']}/cancel", headers=other)
    cancelled = client.post(
        f"{base(citizen)}/orders/{order['id']}/cancel",
        headers=pharmacist,
        json={"reason": "Customer went elsewhere"},
    )
    claimed_by_other = client.post(f"{base(citizen)}/prescriptions/{rx.id}/order", headers=other)

    assert by_other.status_code == 403
    assert cancelled.json()["status"] == "cancelled"
    assert claimed_by_other.status_code == 201


def test_database_allows_only_one_open_order_per_prescription(
    db: Session,
    citizen: Citizen,
    medication: Medication,
    package: DrugPackage,
    pharmacy: Organisation,
) -> None:
    from sqlalchemy.exc import IntegrityError

    rx = make_prescription(db, medication=medication, package=package)
    db.add(
        PharmacyOrder(
            citizen_id=citizen.id, prescription_id=rx.id, pharmacy_id=pharmacy.id, ordered_by={}
        )
    )
    db.flush()
    with pytest.raises(IntegrityError, match="one_open_per_prescription"), db.begin_nested():
        db.add(
            PharmacyOrder(
                citizen_id=citizen.id, prescription_id=rx.id, pharmacy_id=pharmacy.id, ordered_by={}
            )
        )
        db.flush()
    assert len(db.scalars(select(PharmacyOrder)).all()) == 1


def test_doctors_may_not_claim_and_pharmacists_may_not_prescribe(
    client: TestClient,
    db: Session,
    citizen: Citizen,
    doctor: dict[str, str],
    pharmacist: dict[str, str],
    medication: Medication,
    package: DrugPackage,
) -> None:
    rx = make_prescription(db, medication=medication, package=package)
    assert (
        client.post(f"{base(citizen)}/prescriptions/{rx.id}/order", headers=doctor).status_code
        == 403
    )
    assert (
        client.post(
            f"{base(citizen)}/prescriptions", headers=pharmacist, json=rx_body(medication, package)
        ).status_code
        == 403
    )


def test_a_prescription_retried_with_its_key_is_prescribed_once(
    client: TestClient,
    db: Session,
    citizen: Citizen,
    doctor: dict[str, str],
    medication: Medication,
    package: DrugPackage,
) -> None:
    """The doctor's client lost the answer (503, broken connection) and sends it again."""
    url = f"{base(citizen)}/prescriptions"
    keyed = doctor | {"Idempotency-Key": "rx-1"}

    first = client.post(url, headers=keyed, json=rx_body(medication, package))
    retry = client.post(url, headers=keyed, json=rx_body(medication, package))
    other = client.post(url, headers=keyed, json=rx_body(medication, package, iterations=2))
    unkeyed = client.post(url, headers=doctor, json=rx_body(medication, package))

    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry.headers["location"] == first.headers["location"]
    assert other.status_code == 422
    assert other.json()["type"].endswith("/idempotency-key-reused")
    assert unkeyed.status_code == 201
    prescribed = db.scalars(
        select(Prescription.id).where(
            Prescription.citizen_id == citizen.id, Prescription.medication_id == medication.id
        )
    ).all()
    assert sorted(map(str, prescribed)) == sorted([first.json()["id"], unkeyed.json()["id"]])
