"""Dispensing: one iteration at a time, never more than remains, idempotent, undoable."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from medrecord import clock
from medrecord.models import (
    AuditEvent,
    Citizen,
    Dispensing,
    Drug,
    DrugPackage,
    Medication,
    Organisation,
    PharmacyOrder,
    Prescription,
)
from tests.support.factories import make_drug, make_organisation, make_package, make_prescription
from tests.support.http import base, etag
from tests.support.tokens import Tokens


def dispense(
    client: TestClient,
    citizen: Citizen,
    prescription: Prescription,
    headers: dict[str, str],
    key: str | None = None,
    body: dict[str, Any] | None = None,
) -> Any:
    extra = {"Idempotency-Key": key or str(uuid.uuid4())}
    return client.post(
        f"{base(citizen)}/prescriptions/{prescription.id}/dispensings",
        headers={**headers, **extra},
        json=body or {},
    )


def dispensing_rows(db: Session, prescription: Prescription) -> int:
    return (
        db.scalar(
            select(func.count())
            .select_from(Dispensing)
            .where(Dispensing.prescription_id == prescription.id)
        )
        or 0
    )


def test_dispensing_needs_an_idempotency_key(
    client: TestClient,
    db: Session,
    citizen: Citizen,
    prescription: Prescription,
    pharmacist: dict[str, str],
) -> None:
    response = client.post(
        f"{base(citizen)}/prescriptions/{prescription.id}/dispensings", headers=pharmacist, json={}
    )
    assert response.status_code == 400
    assert response.json()["type"].endswith("/idempotency-key-required")
    assert dispensing_rows(db, prescription) == 0
    # The refused attempt is on the citizen's log all the same.
    assert db.scalars(
        select(AuditEvent.outcome).where(
            AuditEvent.request_id == response.headers["x-request-id"],
            AuditEvent.citizen_id == citizen.id,
        )
    ).all() == ["failed"]


def test_each_dispensing_takes_one_iteration_and_the_last_completes_the_prescription(
    client: TestClient,
    db: Session,
    citizen: Citizen,
    prescription: Prescription,
    pharmacist: dict[str, str],
    package: DrugPackage,
) -> None:
    first = dispense(client, citizen, prescription, pharmacist)
    second = dispense(client, citizen, prescription, pharmacist)
    third = dispense(client, citizen, prescription, pharmacist)

    assert first.status_code == 201
    assert first.json()["remaining_iterations"] == 1
    assert [(line["package_number"], line["units"]) for line in first.json()["lines"]] == [
        (package.package_number, 100)
    ]
    assert first.json()["pharmacist"]["name"] == "Camilla Madsen"
    assert (second.json()["remaining_iterations"], second.json()["prescription_status"]) == (
        0,
        "completed",
    )
    assert third.status_code == 409
    assert third.json()["type"].endswith("/nothing-remaining")
    assert dispensing_rows(db, prescription) == 2


def test_iteration_interval_is_respected(
    client: TestClient,
    db: Session,
    citizen: Citizen,
    medication: Medication,
    package: DrugPackage,
    pharmacist: dict[str, str],
) -> None:
    rx = make_prescription(
        db, medication=medication, package=package, iterations=3, interval_days=30
    )
    assert dispense(client, citizen, rx, pharmacist).status_code == 201

    too_early = dispense(client, citizen, rx, pharmacist)
    clock.freeze(clock.now() + timedelta(days=30, minutes=1))
    on_time = dispense(client, citizen, rx, pharmacist)

    assert too_early.status_code == 409
    assert too_early.json()["type"].endswith("/too-early")
    assert "earliest" in too_early.json()
    assert on_time.status_code == 201


@pytest.mark.parametrize(
    ("arrange", "slug"),
    [
        ({"status": "cancelled", "cancellation_reason": "x"}, "prescription-cancelled"),
        ({"valid_to_days": -1}, "prescription-expired"),
        ({"valid_from_days": 3}, "prescription-not-yet-valid"),
        ({"medication_status": "paused"}, "medication-paused"),
    ],
)
def test_dispensing_is_refused_on_a_prescription_that_is_not_dispensable(
    client: TestClient,
    db: Session,
    citizen: Citizen,
    medication: Medication,
    package: DrugPackage,
    pharmacist: dict[str, str],
    arrange: dict[str, Any],
    slug: str,
) -> None:
    today = clock.today()
    rx = make_prescription(
        db,
        medication=medication,
        package=package,
        valid_from=today + timedelta(days=arrange.get("valid_from_days", 0))
        if "valid_from_days" in arrange
        else today - timedelta(days=30),
        valid_to=today + timedelta(days=arrange.get("valid_to_days", 100)),
    )
    if "status" in arrange:
        rx.status, rx.cancellation_reason = arrange["status"], arrange["cancellation_reason"]
    if "medication_status" in arrange:
        medication.status = arrange["medication_status"]
    db.flush()

    response = dispense(client, citizen, rx, pharmacist)

    assert response.status_code == 409
    assert response.json()["type"].endswith("/" + slug)
    assert dispensing_rows(db, rx) == 0


def test_withdrawn_medication_can_no_longer_be_dispensed(
    client: TestClient,
    db: Session,
    citizen: Citizen,
    doctor: dict[str, str],
    prescription: Prescription,
    medication: Medication,
    pharmacist: dict[str, str],
) -> None:
    client.post(
        f"{base(citizen)}/medications/{medication.id}/withdraw",
        headers={**doctor, **etag(1)},
        json={"reason": "Stopped"},
    )

    response = dispense(client, citizen, prescription, pharmacist)

    assert response.status_code == 409
    assert response.json()["type"].endswith("/prescription-cancelled")


def test_prescription_claimed_by_another_pharmacy_cannot_be_dispensed_here(
    client: TestClient,
    db: Session,
    tokens: Tokens,
    citizen: Citizen,
    prescription: Prescription,
    pharmacist: dict[str, str],
) -> None:
    other = tokens.headers(
        role="pharmacist", org=make_organisation(db, kind="pharmacy", name="Vesterbro Apotek")
    )
    client.post(f"{base(citizen)}/prescriptions/{prescription.id}/order", headers=other)

    response = dispense(client, citizen, prescription, pharmacist)

    assert response.status_code == 409
    assert response.json()["claimed_by"]["pharmacy_name"] == "Vesterbro Apotek"


def test_dispensing_fulfils_the_own_claim(
    client: TestClient,
    db: Session,
    citizen: Citizen,
    prescription: Prescription,
    pharmacist: dict[str, str],
) -> None:
    order = client.post(
        f"{base(citizen)}/prescriptions/{prescription.id}/order", headers=pharmacist
    ).json()

    dispensed = dispense(client, citizen, prescription, pharmacist).json()

    assert dispensed["order_id"] == order["id"]
    db.expire_all()
    assert db.scalars(select(PharmacyOrder.status)).all() == ["done"]


def test_substitution_within_the_group_when_allowed(
    client: TestClient,
    db: Session,
    citizen: Citizen,
    prescription: Prescription,
    pharmacist: dict[str, str],
) -> None:
    same_group = make_package(db, drug=make_drug(db, name="Norvasc", substitution_group="AMLO-5"))
    other_group = make_package(
        db, drug=make_drug(db, name="Losartan", substitution_group="LOSA-50")
    )

    wrong = dispense(
        client,
        citizen,
        prescription,
        pharmacist,
        body={"package_number": other_group.package_number},
    )
    ok = dispense(
        client,
        citizen,
        prescription,
        pharmacist,
        body={"package_number": same_group.package_number},
    )

    assert wrong.status_code == 422
    assert wrong.json()["type"].endswith("/not-in-substitution-group")
    assert ok.status_code == 201 and ok.json()["substituted"] is True


def test_a_bigger_substitute_than_the_iteration_is_refused(
    client: TestClient,
    db: Session,
    citizen: Citizen,
    prescription: Prescription,
    pharmacist: dict[str, str],
) -> None:
    bigger = make_package(
        db, drug=make_drug(db, name="Norvasc", substitution_group="AMLO-5"), size=Decimal(300)
    )

    response = dispense(
        client, citizen, prescription, pharmacist, body={"package_number": bigger.package_number}
    )

    assert response.status_code == 409
    assert response.json()["type"].endswith("/exceeds-remaining")
    assert dispensing_rows(db, prescription) == 0


def test_the_same_drug_in_a_bigger_package_is_refused(
    client: TestClient,
    db: Session,
    citizen: Citizen,
    prescription: Prescription,
    drug: Drug,
    pharmacist: dict[str, str],
) -> None:
    # Issue 10, point 1: Pinex 300 handed out for a prescription of Pinex 100, 1 package.
    bigger = make_package(db, drug=drug, size=Decimal(300))

    response = dispense(
        client, citizen, prescription, pharmacist, body={"package_number": bigger.package_number}
    )

    assert response.status_code == 409
    assert response.json()["type"].endswith("/exceeds-remaining")
    assert response.json()["detail"].startswith("This hands out 300 tablet; at most 100 tablet")
    assert dispensing_rows(db, prescription) == 0


def test_no_substitution_when_the_prescriber_forbade_it(
    client: TestClient,
    db: Session,
    citizen: Citizen,
    prescription: Prescription,
    pharmacist: dict[str, str],
) -> None:
    prescription.substitution_allowed = False
    db.flush()
    same_group = make_package(db, drug=make_drug(db, name="Norvasc", substitution_group="AMLO-5"))

    response = dispense(
        client,
        citizen,
        prescription,
        pharmacist,
        body={"package_number": same_group.package_number},
    )

    assert response.status_code == 422
    assert response.json()["type"].endswith("/substitution-not-allowed")


def test_more_packages_than_prescribed_is_refused(
    client: TestClient,
    db: Session,
    citizen: Citizen,
    prescription: Prescription,
    pharmacist: dict[str, str],
) -> None:
    response = dispense(client, citizen, prescription, pharmacist, body={"package_quantity": 2})
    assert response.status_code == 409
    assert dispensing_rows(db, prescription) == 0


def test_same_key_same_body_replays_and_different_body_is_422(
    client: TestClient,
    db: Session,
    citizen: Citizen,
    prescription: Prescription,
    pharmacist: dict[str, str],
) -> None:
    first = dispense(client, citizen, prescription, pharmacist, key="key-1")
    retry = dispense(client, citizen, prescription, pharmacist, key="key-1")
    other_body = dispense(
        client, citizen, prescription, pharmacist, key="key-1", body={"package_quantity": 1}
    )

    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert other_body.status_code == 422
    assert other_body.json()["type"].endswith("/idempotency-key-reused")
    assert dispensing_rows(db, prescription) == 1


def test_keys_are_scoped_per_caller(
    client: TestClient,
    db: Session,
    tokens: Tokens,
    citizen: Citizen,
    pharmacy: Organisation,
    prescription: Prescription,
) -> None:
    one = tokens.headers(role="pharmacist", org=pharmacy, sub="pharm-1")
    two = tokens.headers(role="pharmacist", org=pharmacy, sub="pharm-2")

    assert dispense(client, citizen, prescription, one, key="shared").status_code == 201
    assert dispense(client, citizen, prescription, two, key="shared").status_code == 201
    assert dispensing_rows(db, prescription) == 2


def test_undo_restores_the_iteration_and_reopens_a_completed_prescription(
    client: TestClient,
    db: Session,
    citizen: Citizen,
    medication: Medication,
    package: DrugPackage,
    pharmacist: dict[str, str],
) -> None:
    rx = make_prescription(db, medication=medication, package=package, iterations=1)
    dispensed = dispense(client, citizen, rx, pharmacist).json()
    url = f"{base(citizen)}/dispensings/{dispensed['id']}/undo"

    no_reason = client.post(url, headers=pharmacist, json={})
    undone = client.post(url, headers=pharmacist, json={"reason": "Wrong citizen"})
    twice = client.post(url, headers=pharmacist, json={"reason": "Wrong citizen"})
    again = dispense(client, citizen, rx, pharmacist)

    assert no_reason.status_code == 422
    assert undone.status_code == 200
    assert undone.json()["status"] == "undone"
    assert (undone.json()["remaining_iterations"], undone.json()["prescription_status"]) == (
        1,
        "open",
    )
    assert twice.status_code == 409
    assert again.status_code == 201


def test_only_the_dispensing_pharmacy_may_undo_and_only_within_7_days(
    client: TestClient,
    db: Session,
    tokens: Tokens,
    citizen: Citizen,
    prescription: Prescription,
    pharmacist: dict[str, str],
) -> None:
    dispensed = dispense(client, citizen, prescription, pharmacist).json()
    url = f"{base(citizen)}/dispensings/{dispensed['id']}/undo"
    other = tokens.headers(role="pharmacist", org=make_organisation(db, kind="pharmacy"))

    by_other = client.post(url, headers=other, json={"reason": "Not ours"})
    clock.freeze(clock.now() + timedelta(days=7, minutes=1))
    too_late = client.post(url, headers=pharmacist, json={"reason": "Too late"})

    assert by_other.status_code == 403
    assert too_late.status_code == 409
    assert too_late.json()["type"].endswith("/undo-window-passed")


def test_remaining_quantity_shows_on_the_card_after_dispensing(
    client: TestClient,
    db: Session,
    citizen: Citizen,
    prescription: Prescription,
    pharmacist: dict[str, str],
    doctor: dict[str, str],
) -> None:
    before = client.get(f"{base(citizen)}/medication-card", headers=doctor)
    dispense(client, citizen, prescription, pharmacist)
    after = client.get(f"{base(citizen)}/medication-card", headers=doctor)

    rx = after.json()["medications"][0]["prescriptions"][0]
    assert (rx["remaining_units"], rx["latest_dispensing"]["units"]) == (100, 100)
    assert rx["latest_dispensing"]["pharmacy_id"] is not None
    assert int(after.headers["etag"].strip('"')) > int(before.headers["etag"].strip('"'))


def test_undo_after_withdrawal_leaves_the_prescription_closed(
    client: TestClient,
    db: Session,
    citizen: Citizen,
    doctor: dict[str, str],
    medication: Medication,
    package: DrugPackage,
    pharmacist: dict[str, str],
) -> None:
    # Issue 10, point 3: the GP saw an open prescription that every pharmacy was refused.
    rx = make_prescription(db, medication=medication, package=package, iterations=1)
    dispensed = dispense(client, citizen, rx, pharmacist).json()
    client.post(
        f"{base(citizen)}/medications/{medication.id}/withdraw",
        headers={**doctor, **etag(1)},
        json={"reason": "Stopped"},
    )

    undone = client.post(
        f"{base(citizen)}/dispensings/{dispensed['id']}/undo",
        headers=pharmacist,
        json={"reason": "Wrong citizen"},
    )

    assert undone.status_code == 200
    assert undone.json()["prescription_status"] != "open"
    listed = client.get(f"{base(citizen)}/prescriptions", headers=doctor).json()
    assert [p["status"] for p in listed if p["id"] == str(rx.id)] != ["open"]


def test_the_interval_counts_calendar_days_not_hours(
    client: TestClient,
    db: Session,
    citizen: Citizen,
    medication: Medication,
    package: DrugPackage,
    pharmacist: dict[str, str],
) -> None:
    # Issue 10, point 11: interval 1 day, dispensed 02:48 → "next from 23-11-2026 02:48".
    clock.freeze(datetime(2026, 11, 22, 2, 48, tzinfo=clock.COPENHAGEN))
    rx = make_prescription(
        db, medication=medication, package=package, iterations=3, interval_days=1
    )
    assert dispense(client, citizen, rx, pharmacist).status_code == 201

    clock.freeze(datetime(2026, 11, 22, 23, 59, tzinfo=clock.COPENHAGEN))
    same_day = dispense(client, citizen, rx, pharmacist)
    clock.freeze(datetime(2026, 11, 23, 0, 5, tzinfo=clock.COPENHAGEN))
    next_day = dispense(client, citizen, rx, pharmacist)

    assert same_day.status_code == 409
    assert same_day.json()["detail"].endswith("from 23-11-2026.")
    assert next_day.status_code == 201
