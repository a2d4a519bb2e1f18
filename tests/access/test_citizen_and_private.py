"""Citizens see their own card and every look-up; private items leave no trace for others."""

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


def test_citizen_reads_own_card_and_access_log_newest_first_and_paginated(
    client: TestClient, db: Session, tokens: Tokens
) -> None:
    gp = make_organisation(db, name="Lægerne på Nørrebro")
    citizen = make_citizen(db, gp=gp, name="Anna Borger")
    other = make_citizen(db, gp=gp, name="Bent Anden")
    me = tokens.headers(role="citizen", cpr=citizen.cpr)
    for name in ("Dr. One", "Dr. Two", "Dr. Three"):
        client.get(
            f"/api/v1/citizens/{citizen.cpr}/medication-card",
            headers=tokens.headers(role="doctor", org=gp, name=name),
        )
    client.get(
        f"/api/v1/citizens/{other.cpr}/medication-card",
        headers=tokens.headers(role="doctor", org=gp, name="Dr. Elsewhere"),
    )

    card = client.get("/api/v1/me/medication-card", headers=me)
    first = client.get("/api/v1/me/access-log?limit=2", headers=me).json()
    second = client.get(
        f"/api/v1/me/access-log?limit=2&cursor={first['next_cursor']}", headers=me
    ).json()
    bad_cursor = client.get("/api/v1/me/access-log?cursor=bm9wZQ", headers=me)
    others_log = client.get(f"/api/v1/citizens/{other.cpr}/access-log", headers=me)

    assert card.json()["citizen"]["name"] == "Anna Borger"
    names = [e["actor_name"] for e in first["entries"] + second["entries"]]
    # Newest first: the citizen's own card read, then the doctors in reverse order.
    assert names[:4] == [names[0], "Dr. Three", "Dr. Two", "Dr. One"]
    assert first["next_cursor"] is not None
    assert bad_cursor.status_code == 422
    assert first["entries"][1]["organisation_name"] == "Lægerne på Nørrebro"
    assert "Dr. Elsewhere" not in str(first) + str(second)
    assert others_log.status_code == 403


def test_admin_reads_any_access_log_and_that_read_is_logged(
    client: TestClient, db: Session, tokens: Tokens
) -> None:
    citizen = make_citizen(db, gp=make_organisation(db))
    admin = tokens.headers(role="admin", org="medrecord-operations", name="Admin Knudsen")

    client.get(f"/api/v1/citizens/{citizen.cpr}/access-log", headers=admin)
    log = client.get(
        "/api/v1/me/access-log", headers=tokens.headers(role="citizen", cpr=citizen.cpr)
    ).json()

    assert ("Admin Knudsen", "access-log.read", "admin") in [
        (e["actor_name"], e["action"], e["purpose"]) for e in log["entries"]
    ]


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
        client.get(f"{url}/prescriptions", headers=pharmacist),
        client.get(f"{url}/medications/{private.id}", headers=hospital_doctor),
        client.get(f"{url}/medications/{private.id}/versions", headers=hospital_doctor),
        client.post(
            f"{url}/prescriptions/{rx.id}/dispensings",
            headers={**pharmacist, "Idempotency-Key": "k1"},
            json={},
        ),
        client.post(f"{url}/prescriptions/{rx.id}/order", headers=pharmacist),
    ]
    consented = client.get(
        f"{url}/medication-card", headers={**hospital_doctor, "X-Access-Purpose": "consent"}
    )

    for response in responses:
        assert "Secretine" not in response.text and "Sensitive" not in response.text
        assert str(rx.id) not in response.text and str(private.id) not in response.text
    assert responses[0].json()["medications"] == []
    assert responses[2].json() == [] and responses[3].json() == []
    assert {r.status_code for r in responses[4:]} == {404}
    assert "Secretine" in consented.text


def test_pharmacist_reads_the_whole_card_only_with_consent(
    client: TestClient, db: Session, tokens: Tokens
) -> None:
    citizen = make_citizen(db, gp=make_organisation(db))
    pharmacist = tokens.headers(role="pharmacist", org=make_organisation(db, kind="pharmacy"))
    url = f"/api/v1/citizens/{citizen.cpr}/medication-card"

    assert client.get(url, headers=pharmacist).status_code == 403
    assert client.get(url, headers={**pharmacist, "X-Access-Purpose": "consent"}).status_code == 200
