"""Medications on the card: versioned writes with If-Match, history, private marking."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from medrecord.dosage.examples import daily
from medrecord.models import (
    AuditEvent,
    Citizen,
    Drug,
    DrugPackage,
    Medication,
    Organisation,
    PharmacyOrder,
    Prescription,
)
from tests.support.factories import (
    make_citizen,
    make_medication,
    make_order,
    make_organisation,
    make_prescription,
    make_treatment_relation,
)
from tests.support.http import base, etag, medication_body
from tests.support.queries import card_version
from tests.support.tokens import Tokens


def create(
    client: TestClient, citizen: Citizen, headers: dict[str, str], drug_id: str, **overrides: Any
) -> dict[str, Any]:
    response = client.post(
        f"{base(citizen)}/medications", headers=headers, json=medication_body(drug_id, **overrides)
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def test_doctor_creates_medication_with_location_etag_and_dosage_text(
    client: TestClient,
    db: Session,
    citizen: Citizen,
    doctor: dict[str, str],
    drug: Drug,
) -> None:
    response = client.post(
        f"{base(citizen)}/medications",
        headers=doctor,
        json=medication_body(drug.id, dosage=daily(morning=1, evening=1)),
    )

    assert response.status_code == 201
    body = response.json()
    assert response.headers["etag"] == '"1"'
    assert response.headers["location"].endswith(f"/medications/{body['id']}")
    assert body["dosage_text"] == "1 tablet morgen og aften"
    assert body["status"] == "active"
    assert body["created_by"]["name"] == "Dr. Karen Jensen"
    assert card_version(db, citizen) == 2
    assert client.get(response.headers["location"], headers=doctor).json()["id"] == body["id"]


def test_nurse_may_not_create_medication(
    client: TestClient,
    db: Session,
    tokens: Tokens,
    gp: Organisation,
    citizen: Citizen,
    drug: Drug,
) -> None:
    response = client.post(
        f"{base(citizen)}/medications",
        json=medication_body(drug.id),
        headers=tokens.headers(role="nurse", org=gp),
    )
    assert response.status_code == 403
    assert card_version(db, citizen) == 1


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"indication_code": None, "indication_text": None}, "body"),
        ({"dosage": {"unit": "tablet", "periods": []}}, "body.dosage"),
        ({"start_date": None}, "body"),
        ({"start_date": "2026-11-01", "end_date": "2026-10-01"}, "body"),
        ({"drug_id": ""}, "body.drug_id"),
        ({"unexpected": 1}, "body.unexpected"),
    ],
)
def test_invalid_medication_is_refused_with_the_field_named(
    client: TestClient,
    db: Session,
    citizen: Citizen,
    doctor: dict[str, str],
    drug: Drug,
    overrides: dict[str, Any],
    field: str,
) -> None:
    response = client.post(
        f"{base(citizen)}/medications",
        headers=doctor,
        json=medication_body(drug.id, **overrides),
    )

    assert response.status_code == 422
    assert any(e["field"].startswith(field) for e in response.json()["errors"])
    assert card_version(db, citizen) == 1


def test_unknown_drug_is_refused(
    client: TestClient, citizen: Citizen, doctor: dict[str, str]
) -> None:
    response = client.post(
        f"{base(citizen)}/medications", headers=doctor, json=medication_body("00000000000")
    )
    assert response.status_code == 422
    assert response.json()["type"].endswith("/unknown-drug")


def test_create_with_stale_card_version_is_412(
    client: TestClient, citizen: Citizen, doctor: dict[str, str], drug: Drug
) -> None:
    create(client, citizen, doctor, drug.id)
    response = client.post(
        f"{base(citizen)}/medications",
        json=medication_body(drug.id),
        headers={**doctor, **etag(1)},
    )
    assert response.status_code == 412


def test_put_needs_if_match_and_refuses_a_stale_version(
    client: TestClient, citizen: Citizen, doctor: dict[str, str], drug: Drug
) -> None:
    med = create(client, citizen, doctor, drug.id)
    url = f"{base(citizen)}/medications/{med['id']}"

    missing = client.put(url, headers=doctor, json=medication_body(drug.id))
    ok = client.put(url, headers={**doctor, **etag(1)}, json=medication_body(drug.id))
    stale = client.put(url, headers={**doctor, **etag(1)}, json=medication_body(drug.id))
    garbled = client.put(url, headers={**doctor, "If-Match": "W/1"}, json=medication_body(drug.id))

    assert missing.status_code == 428
    assert missing.json()["type"].endswith("/precondition-required")
    assert ok.status_code == 200 and ok.headers["etag"] == '"2"'
    assert stale.status_code == 412
    assert stale.json()["current_version"] == 2
    assert garbled.status_code == 412


def test_put_replaces_the_whole_medication_clearing_omitted_fields(
    client: TestClient, citizen: Citizen, doctor: dict[str, str], drug: Drug
) -> None:
    med = create(client, citizen, doctor, drug.id)
    body = medication_body(drug.id, dosage=daily(evening=2))
    del body["end_date"], body["indication_code"]

    response = client.put(
        f"{base(citizen)}/medications/{med['id']}", headers={**doctor, **etag(1)}, json=body
    )

    replaced = response.json()
    assert replaced["end_date"] is None
    assert replaced["indication_code"] is None
    assert replaced["dosage_text"] == "2 tabletter aften"
    assert replaced["version"] == 2


def test_history_lists_every_version_with_who_and_what(
    client: TestClient, citizen: Citizen, doctor: dict[str, str], drug: Drug
) -> None:
    med = create(client, citizen, doctor, drug.id)
    url = f"{base(citizen)}/medications/{med['id']}"
    client.post(f"{url}/pause", headers={**doctor, **etag(1)}, json={})
    client.post(f"{url}/resume", headers={**doctor, **etag(2)})
    client.post(f"{url}/withdraw", headers={**doctor, **etag(3)}, json={"reason": "Side effects"})

    history = client.get(f"{url}/versions", headers=doctor).json()

    assert [(v["version"], v["change"]) for v in history] == [
        (1, "created"),
        (2, "paused"),
        (3, "resumed"),
        (4, "withdrawn"),
    ]
    assert history[3]["state"]["withdrawal_reason"] == "Side effects"
    assert all(v["changed_by"]["name"] == "Dr. Karen Jensen" for v in history)


def test_pause_and_resume_follow_the_life_cycle(
    client: TestClient, citizen: Citizen, doctor: dict[str, str], drug: Drug
) -> None:
    med = create(client, citizen, doctor, drug.id)
    url = f"{base(citizen)}/medications/{med['id']}"

    resume_active = client.post(f"{url}/resume", headers={**doctor, **etag(1)})
    paused = client.post(
        f"{url}/pause",
        headers={**doctor, **etag(1)},
        json={"paused_to": "2199-12-24"},
    )
    pause_again = client.post(f"{url}/pause", headers={**doctor, **etag(2)}, json={})
    resumed = client.post(f"{url}/resume", headers={**doctor, **etag(2)})

    assert resume_active.status_code == 409
    assert paused.json()["status"] == "paused"
    assert paused.json()["paused_to"] == "2199-12-24"
    assert pause_again.status_code == 409
    assert resumed.json()["status"] == "active"
    assert resumed.json()["paused_from"] is None


def test_withdraw_needs_a_reason_and_cancels_open_prescriptions_and_claims(
    client: TestClient,
    db: Session,
    citizen: Citizen,
    doctor: dict[str, str],
    drug: Drug,
    package: DrugPackage,
    pharmacy: Organisation,
) -> None:
    medication = make_medication(db, citizen=citizen, drug=drug)
    prescription = make_prescription(db, medication=medication, package=package)
    make_order(db, prescription=prescription, pharmacy=pharmacy)
    url = f"{base(citizen)}/medications/{medication.id}"

    no_reason = client.post(f"{url}/withdraw", headers={**doctor, **etag(1)}, json={})
    withdrawn = client.post(
        f"{url}/withdraw", headers={**doctor, **etag(1)}, json={"reason": "No longer needed"}
    )
    update_after = client.put(url, headers={**doctor, **etag(2)}, json=medication_body(drug.id))

    assert no_reason.status_code == 422
    assert withdrawn.json()["status"] == "withdrawn"
    db.expire_all()
    assert db.get(Prescription, (citizen.id, prescription.id)).status == "cancelled"  # type: ignore[union-attr]
    assert db.scalars(select(PharmacyOrder.status)).all() == ["cancelled"]
    assert update_after.status_code == 409
    assert update_after.json()["type"].endswith("/medication-withdrawn")


def test_private_medication_is_404_for_another_organisation_and_visible_to_the_marker(
    client: TestClient,
    db: Session,
    tokens: Tokens,
    citizen: Citizen,
    doctor: dict[str, str],
    drug: Drug,
) -> None:
    hospital = make_organisation(db, kind="hospital")
    make_treatment_relation(db, citizen=citizen, organisation=hospital)
    med = create(client, citizen, doctor, drug.id)
    url = f"{base(citizen)}/medications/{med['id']}"
    marked = client.post(f"{url}/mark-private", headers={**doctor, **etag(1)})
    hospital_doctor = tokens.headers(role="doctor", org=hospital)

    assert marked.json()["private"] is True
    assert client.get(url, headers=doctor).status_code == 200
    hidden = client.get(url, headers=hospital_doctor)
    assert hidden.status_code == 404
    assert "Amlodipin" not in hidden.text
    assert (
        client.post(f"{url}/unmark-private", headers={**hospital_doctor, **etag(2)}).status_code
        == 404
    )
    with_consent = client.get(url, headers={**hospital_doctor, "X-Access-Purpose": "consent"})
    assert with_consent.status_code == 200
    unmarked = client.post(f"{url}/unmark-private", headers={**doctor, **etag(2)})
    assert unmarked.json()["private"] is False
    assert client.get(url, headers=hospital_doctor).status_code == 200


def test_a_refused_write_changes_nothing_and_is_audited_as_failed(
    client: TestClient,
    db: Session,
    citizen: Citizen,
    doctor: dict[str, str],
    drug: Drug,
) -> None:
    med = create(client, citizen, doctor, drug.id)
    url = f"{base(citizen)}/medications/{med['id']}"

    response = client.put(url, headers={**doctor, **etag(7)}, json=medication_body(drug.id))

    assert response.status_code == 412
    assert client.get(url, headers=doctor).json()["version"] == 1
    outcomes = db.scalars(
        select(AuditEvent.outcome).where(
            AuditEvent.citizen_id == citizen.id, AuditEvent.action == "medication.updated"
        )
    ).all()
    assert outcomes == ["failed"]


def test_medication_of_another_citizen_is_404(
    client: TestClient,
    db: Session,
    gp: Organisation,
    citizen: Citizen,
    doctor: dict[str, str],
    drug: Drug,
) -> None:
    other = make_citizen(db, gp=gp)
    med = create(client, citizen, doctor, drug.id)

    response = client.get(f"{base(other)}/medications/{med['id']}", headers=doctor)

    assert response.status_code == 404
    assert "Amlodipin" not in response.text


# --- a create retried with its Idempotency-Key --------------------------------------------


def medications_with(db: Session, citizen: Citizen, indication_text: str) -> int:
    return len(
        db.scalars(
            select(Medication.id).where(
                Medication.citizen_id == citizen.id,
                Medication.indication_text == indication_text,
            )
        ).all()
    )


def test_a_create_retried_with_its_key_gets_the_first_answer_and_no_second_medication(
    client: TestClient, db: Session, citizen: Citizen, doctor: dict[str, str], drug: Drug
) -> None:
    url = f"{base(citizen)}/medications"
    body = medication_body(drug.id, indication_text="Retried after a lost answer")
    keyed = doctor | {"Idempotency-Key": "create-1"}

    first = client.post(url, headers=keyed, json=body)
    retry = client.post(url, headers=keyed, json=body)
    other_body = client.post(url, headers=keyed, json=body | {"indication_text": "Another"})

    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry.headers["Location"] == first.headers["Location"]
    assert retry.headers["ETag"] == first.headers["ETag"] == '"1"'
    assert other_body.status_code == 422
    assert other_body.json()["type"].endswith("/idempotency-key-reused")
    assert medications_with(db, citizen, "Retried after a lost answer") == 1
    assert medications_with(db, citizen, "Another") == 0
    actions = db.scalars(
        select(AuditEvent.action)
        .where(AuditEvent.citizen_id == citizen.id, AuditEvent.action.like("medication.%"))
        .order_by(AuditEvent.occurred_at)
    ).all()
    assert actions == ["medication.create", "medication.replay", "medication.create"]


def test_without_a_key_each_create_is_a_new_medication(
    client: TestClient, db: Session, citizen: Citizen, doctor: dict[str, str], drug: Drug
) -> None:
    create(client, citizen, doctor, drug.id, indication_text="Twice on purpose")
    create(client, citizen, doctor, drug.id, indication_text="Twice on purpose")

    assert medications_with(db, citizen, "Twice on purpose") == 2


def test_a_malformed_key_is_refused_and_nothing_is_created(
    client: TestClient, db: Session, citizen: Citizen, doctor: dict[str, str], drug: Drug
) -> None:
    body = medication_body(drug.id, indication_text="Bad key")

    response = client.post(
        f"{base(citizen)}/medications", headers=doctor | {"Idempotency-Key": "a b"}, json=body
    )

    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"].endswith("/invalid-idempotency-key")
    assert medications_with(db, citizen, "Bad key") == 0


def test_the_same_key_with_another_if_match_is_another_request(
    client: TestClient,
    db: Session,
    citizen: Citizen,
    doctor: dict[str, str],
    drug: Drug,
) -> None:
    """A key already used for one medication cannot create another, with whatever card
    version the client now sends."""
    url = f"{base(citizen)}/medications"
    body = medication_body(drug.id, indication_text="Keyed")
    version = card_version(db, citizen)
    keyed = doctor | {"Idempotency-Key": "create-2"}

    assert client.post(url, headers=keyed, json=body).status_code == 201
    again = client.post(url, headers=keyed | {"If-Match": f'"{version + 1}"'}, json=body)

    assert again.status_code == 422
    assert again.json()["type"].endswith("/idempotency-key-reused")
    assert medications_with(db, citizen, "Keyed") == 1
