"""Only citizens have a /me; private items leave no trace for others; a pharmacist reads the
whole card only with the citizen's consent."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.support.factories import (
    make_citizen,
    make_drug,
    make_medication,
    make_organisation,
    make_package,
    make_prescription,
    make_treatment_relation,
)
from tests.support.tokens import Tokens


def test_non_citizens_have_no_me(client: TestClient, tokens: Tokens) -> None:
    doctor = tokens.headers(role="doctor", org="x")
    assert client.get("/api/v1/me/medication-card", headers=doctor).status_code == 403
    assert client.get("/api/v1/me/access-log", headers=doctor).status_code == 403


def test_private_items_leave_no_trace_in_card_lists_or_errors_without_consent(
    client: TestClient, db: Session, tokens: Tokens
) -> None:
    gp = make_organisation(db)
    hospital = make_organisation(db, kind="hospital")
    pharmacy = make_organisation(db, kind="pharmacy")
    citizen = make_citizen(db, gp=gp)
    make_treatment_relation(db, citizen=citizen, organisation=hospital)
    drug = make_drug(db, name="Secretine")
    package = make_package(db, drug=drug)
    private = make_medication(
        db,
        citizen=citizen,
        drug=drug,
        private_organisation=gp,
        indication_text="Sensitive condition",
    )
    rx = make_prescription(db, medication=private, package=package)
    url = f"/api/v1/citizens/{citizen.cpr}"
    hospital_doctor = tokens.headers(role="doctor", org=hospital)
    pharmacist = tokens.headers(role="pharmacist", org=pharmacy)

    responses = [
        client.get(f"{url}/medication-card", headers=hospital_doctor),
        client.get(f"{url}/medication-card?include=withdrawn", headers=hospital_doctor),
        client.get(f"{url}/prescriptions", headers=hospital_doctor),
        client.get(f"{url}/medications/{private.id}", headers=hospital_doctor),
        client.get(f"{url}/medications/{private.id}/versions", headers=hospital_doctor),
        client.get(f"{url}/medication-card", headers=pharmacist),
    ]
    consented = client.get(
        f"{url}/medication-card", headers={**hospital_doctor, "X-Access-Purpose": "consent"}
    )

    for response in responses:
        assert "Secretine" not in response.text and "Sensitive" not in response.text
        assert str(rx.id) not in response.text and str(private.id) not in response.text
    assert responses[0].json()["medications"] == []
    assert responses[2].json() == []
    assert {r.status_code for r in responses[3:5]} == {404}
    assert responses[5].status_code == 403  # the card stays behind consent
    assert "Secretine" in consented.text


def test_the_pharmacy_sees_and_dispenses_a_private_prescription_without_the_card(
    client: TestClient, db: Session, tokens: Tokens
) -> None:
    """Issue 10, point 9: the citizen's own private Sertralin prescription was invisible at
    the counter. The citizen is there to collect it (SPEC §3)."""
    gp = make_organisation(db)
    citizen = make_citizen(db, gp=gp)
    drug = make_drug(db, name="Sertralin")
    package = make_package(db, drug=drug)
    private = make_medication(db, citizen=citizen, drug=drug, private_organisation=gp)
    rx = make_prescription(db, medication=private, package=package)
    url = f"/api/v1/citizens/{citizen.cpr}"
    pharmacist = tokens.headers(role="pharmacist", org=make_organisation(db, kind="pharmacy"))

    listed = client.get(f"{url}/prescriptions", headers=pharmacist)
    claimed = client.post(f"{url}/prescriptions/{rx.id}/order", headers=pharmacist)
    dispensed = client.post(
        f"{url}/prescriptions/{rx.id}/dispensings",
        headers={**pharmacist, "Idempotency-Key": "k1"},
        json={},
    )
    card = client.get(f"{url}/medication-card", headers=pharmacist)

    assert [p["id"] for p in listed.json()] == [str(rx.id)]
    assert (claimed.status_code, dispensed.status_code) == (201, 201)
    assert card.status_code == 403


def test_pharmacist_reads_the_whole_card_only_with_consent(
    client: TestClient, db: Session, tokens: Tokens
) -> None:
    citizen = make_citizen(db, gp=make_organisation(db))
    pharmacist = tokens.headers(role="pharmacist", org=make_organisation(db, kind="pharmacy"))
    url = f"/api/v1/citizens/{citizen.cpr}/medication-card"

    assert client.get(url, headers=pharmacist).status_code == 403
    assert client.get(url, headers={**pharmacist, "X-Access-Purpose": "consent"}).status_code == 200
