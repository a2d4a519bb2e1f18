"""The medication card: read through every layer and audited; reviewed (ajourført) by a doctor."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from medrecord import clock
from medrecord.models import Citizen, Organisation
from tests.support.factories import (
    make_citizen,
    make_drug,
    make_medication,
    make_organisation,
    make_package,
    make_prescription,
    make_treatment_relation,
)
from tests.support.http import base, etag
from tests.support.queries import audit_rows
from tests.support.tokens import Tokens


def card_url(citizen: Citizen) -> str:
    return f"/api/v1/citizens/{citizen.cpr[:6]}-{citizen.cpr[6:]}/medication-card"


def test_gp_doctor_reads_card_with_medications_prescriptions_and_etag(
    client: TestClient, db: Session, tokens: Tokens, gp: Organisation, citizen: Citizen
) -> None:
    drug = make_drug(db)
    package = make_package(db, drug=drug)
    medication = make_medication(db, citizen=citizen, drug=drug)
    prescription = make_prescription(
        db, medication=medication, package=package, iterations=3, dispensed_iterations=1
    )

    response = client.get(card_url(citizen), headers=tokens.headers(role="doctor", org=gp))

    assert response.status_code == 200
    assert response.headers["etag"] == '"1"'
    body = response.json()
    assert body["citizen"]["name"] == "Karla Test"
    assert body["version"] == 1
    [med] = body["medications"]
    assert med["id"] == str(medication.id)
    assert med["dosage_text"] == "1 tablet morgen og aften"
    assert med["drug"]["atc_code"] == drug.atc_code
    [rx] = med["prescriptions"]
    assert rx["id"] == str(prescription.id)
    assert (rx["prescribed_units"], rx["remaining_units"], rx["unit"]) == (300, 200, "tablet")
    assert rx["status"] == "open"


def test_card_read_leaves_one_audit_row_with_actor_and_purpose(
    client: TestClient, db: Session, tokens: Tokens, gp: Organisation, citizen: Citizen
) -> None:
    response = client.get(
        card_url(citizen),
        headers={
            **tokens.headers(role="nurse", org=gp, name="Nina Nurse"),
            "X-Request-ID": "req-42",
        },
    )

    assert response.status_code == 200
    [row] = audit_rows(db, citizen)
    assert (row.actor_name, row.actor_role, row.actor_organisation_id) == (
        "Nina Nurse",
        "nurse",
        gp.id,
    )
    assert (row.action, row.purpose, row.outcome) == (
        "medication-card.read",
        "treatment",
        "success",
    )
    assert row.request_id == "req-42"


def test_doctor_without_relation_gets_403_and_the_denial_is_audited(
    client: TestClient, db: Session, tokens: Tokens, citizen: Citizen
) -> None:
    other = make_organisation(db, kind="hospital")
    drug = make_drug(db, name="Secretdrug")
    make_medication(db, citizen=citizen, drug=drug)

    response = client.get(card_url(citizen), headers=tokens.headers(role="doctor", org=other))

    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"].endswith("/no-treatment-relation")
    assert "Secretdrug" not in response.text
    [row] = audit_rows(db, citizen)
    assert row.outcome == "denied"


def test_hospital_with_declared_relation_reads_card(
    client: TestClient, db: Session, tokens: Tokens, citizen: Citizen
) -> None:
    hospital = make_organisation(db, kind="hospital")
    make_treatment_relation(
        db, citizen=citizen, organisation=hospital, valid_from=clock.now() - timedelta(days=1)
    )

    response = client.get(card_url(citizen), headers=tokens.headers(role="doctor", org=hospital))

    assert response.status_code == 200


def test_expired_relation_does_not_count(
    client: TestClient, db: Session, tokens: Tokens, citizen: Citizen
) -> None:
    hospital = make_organisation(db, kind="hospital")
    make_treatment_relation(
        db,
        citizen=citizen,
        organisation=hospital,
        valid_from=clock.now() - timedelta(days=10),
        valid_to=clock.now() - timedelta(days=1),
    )

    response = client.get(card_url(citizen), headers=tokens.headers(role="doctor", org=hospital))

    assert response.status_code == 403


@pytest.mark.parametrize("role", ["pharmacy_assistant", "admin"])
def test_roles_that_may_not_read_cards_get_403(
    client: TestClient, db: Session, tokens: Tokens, citizen: Citizen, role: str
) -> None:
    org = make_organisation(db, kind="pharmacy")

    response = client.get(card_url(citizen), headers=tokens.headers(role=role, org=org))

    assert response.status_code == 403


def test_pharmacist_needs_consent_to_read_the_whole_card(
    client: TestClient, db: Session, tokens: Tokens, citizen: Citizen
) -> None:
    pharmacy = make_organisation(db, kind="pharmacy")
    headers = tokens.headers(role="pharmacist", org=pharmacy)

    assert client.get(card_url(citizen), headers=headers).status_code == 403
    consented = client.get(card_url(citizen), headers={**headers, "X-Access-Purpose": "consent"})
    assert consented.status_code == 200
    assert [r.purpose for r in audit_rows(db, citizen)].count("consent") == 1


def test_citizen_reads_own_card_but_not_anothers(
    client: TestClient, db: Session, tokens: Tokens, gp: Organisation, citizen: Citizen
) -> None:
    other = make_citizen(db, gp=gp)
    headers = tokens.headers(role="citizen", cpr=citizen.cpr)

    assert client.get(card_url(citizen), headers=headers).status_code == 200
    assert client.get(card_url(other), headers=headers).status_code == 403


def test_unknown_cpr_is_404_and_malformed_cpr_is_422(
    client: TestClient, db: Session, tokens: Tokens, gp: Organisation
) -> None:
    headers = tokens.headers(role="doctor", org=gp)

    unknown = client.get("/api/v1/citizens/010101-0001/medication-card", headers=headers)
    malformed = client.get("/api/v1/citizens/320101-0001/medication-card", headers=headers)

    assert unknown.status_code == 404
    assert unknown.json()["type"].endswith("/citizen-not-found")
    assert malformed.status_code == 422
    assert malformed.json()["type"].endswith("/invalid-cpr")


def test_withdrawn_medications_only_with_include_withdrawn(
    client: TestClient, db: Session, tokens: Tokens, gp: Organisation, citizen: Citizen
) -> None:
    drug = make_drug(db)
    make_medication(db, citizen=citizen, drug=drug, status="withdrawn")
    headers = tokens.headers(role="doctor", org=gp)

    assert client.get(card_url(citizen), headers=headers).json()["medications"] == []
    withdrawn = client.get(card_url(citizen) + "?include=withdrawn", headers=headers).json()
    assert [m["status"] for m in withdrawn["medications"]] == ["withdrawn"]


def test_private_medication_is_hidden_from_another_organisation(
    client: TestClient, db: Session, tokens: Tokens, gp: Organisation, citizen: Citizen
) -> None:
    hospital = make_organisation(db, kind="hospital")
    make_treatment_relation(
        db,
        citizen=citizen,
        organisation=hospital,
        kind="outpatient",
        valid_from=clock.now() - timedelta(days=1),
    )
    drug = make_drug(db, name="Hiddenol")
    make_medication(db, citizen=citizen, drug=drug, private_organisation=gp)

    at_gp = client.get(card_url(citizen), headers=tokens.headers(role="doctor", org=gp))
    at_hospital = client.get(card_url(citizen), headers=tokens.headers(role="doctor", org=hospital))

    assert [m["drug"]["name"] for m in at_gp.json()["medications"]] == ["Hiddenol"]
    assert at_hospital.status_code == 200
    assert "Hiddenol" not in at_hospital.text


def test_no_card_data_leaves_when_the_audit_row_cannot_be_written(
    client: TestClient,
    db: Session,
    tokens: Tokens,
    gp: Organisation,
    citizen: Citizen,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from medrecord.audit import service as audit

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(audit, "record", broken)
    response = client.get(card_url(citizen), headers=tokens.headers(role="doctor", org=gp))

    assert response.status_code == 500
    assert "Karla" not in response.text
    assert response.headers["content-type"] == "application/problem+json"


def test_card_read_costs_the_same_few_statements_however_full_the_card_is(
    client: TestClient,
    db: Session,
    connection: Any,
    tokens: Tokens,
    gp: Organisation,
    citizen: Citizen,
) -> None:
    from sqlalchemy import event

    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            statements.append(statement)

    headers = tokens.headers(role="doctor", org=gp)
    drug = make_drug(db)
    package = make_package(db, drug=drug)
    make_prescription(
        db, medication=make_medication(db, citizen=citizen, drug=drug), package=package
    )
    event.listen(connection, "before_cursor_execute", count)
    client.get(card_url(citizen), headers=headers)
    small = len(statements)
    for _ in range(10):
        medication = make_medication(db, citizen=citizen, drug=drug)
        for _ in range(3):
            make_prescription(db, medication=medication, package=package)
    statements.clear()
    big = client.get(card_url(citizen), headers=headers)
    event.remove(connection, "before_cursor_execute", count)

    assert len(big.json()["medications"]) == 11
    assert len(statements) == small <= 3  # citizen, card document, audit row


def test_review_sets_reviewer_and_bumps_card_version(
    client: TestClient, db: Session, citizen: Citizen, doctor: dict[str, str]
) -> None:
    url = f"{base(citizen)}/medication-card/review"

    missing = client.post(url, headers=doctor)
    reviewed = client.post(url, headers={**doctor, **etag(1)})
    stale = client.post(url, headers={**doctor, **etag(1)})
    card = client.get(f"{base(citizen)}/medication-card", headers=doctor)

    assert missing.status_code == 428
    assert reviewed.status_code == 200 and reviewed.headers["etag"] == '"2"'
    assert stale.status_code == 412
    assert card.json()["reviewed_by"]["name"] == "Dr. Karen Jensen"
    assert card.headers["etag"] == '"2"'
