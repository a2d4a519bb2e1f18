"""Declaring treatment relations, and which relations open the card."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from medrecord import clock
from tests.support.factories import make_citizen, make_organisation, make_treatment_relation
from tests.support.tokens import Tokens


def later(days: int) -> str:
    return (clock.now() + timedelta(days=days)).isoformat()


def test_hospital_nurse_declares_a_relation_and_then_reads_the_card(
    client: TestClient, db: Session, tokens: Tokens
) -> None:
    citizen = make_citizen(db, gp=make_organisation(db))
    ward = make_organisation(db, kind="hospital", name="Medicinsk Afdeling")
    nurse = tokens.headers(role="nurse", org=ward, name="Sofie Andersen")
    url = f"/api/v1/citizens/{citizen.cpr}"

    before = client.get(f"{url}/medication-card", headers=nurse)
    declared = client.post(
        f"{url}/treatment-relations",
        headers=nurse,
        json={"kind": "admitted", "valid_to": later(10)},
    )
    after = client.get(f"{url}/medication-card", headers=nurse)
    listed = client.get(f"{url}/treatment-relations", headers=nurse).json()

    assert before.status_code == 403
    assert declared.status_code == 201
    assert declared.json()["declared_by"]["name"] == "Sofie Andersen"
    assert after.status_code == 200
    assert [r["kind"] for r in listed] == ["listed_gp", "admitted"]


def test_relations_are_declared_only_for_the_own_organisation_and_for_a_limited_time(
    client: TestClient, db: Session, tokens: Tokens
) -> None:
    citizen = make_citizen(db, gp=make_organisation(db))
    ward, other = make_organisation(db, kind="hospital"), make_organisation(db, kind="hospital")
    doctor = tokens.headers(role="doctor", org=ward)
    url = f"/api/v1/citizens/{citizen.cpr}/treatment-relations"

    for_other = client.post(
        url,
        headers=doctor,
        json={"kind": "admitted", "valid_to": later(5), "organisation_id": other.id},
    )
    past = client.post(url, headers=doctor, json={"kind": "admitted", "valid_to": later(-1)})
    too_long = client.post(url, headers=doctor, json={"kind": "admitted", "valid_to": later(400)})
    naive = client.post(
        url, headers=doctor, json={"kind": "admitted", "valid_to": "2030-01-01T00:00:00"}
    )
    by_pharmacist = client.post(
        url,
        headers=tokens.headers(role="pharmacist", org=ward),
        json={"kind": "admitted", "valid_to": later(5)},
    )

    assert for_other.status_code == 403
    assert past.status_code == 422
    assert too_long.status_code == 422
    assert naive.status_code == 422
    assert by_pharmacist.status_code == 403


def test_admin_declares_for_a_named_organisation(
    client: TestClient, db: Session, tokens: Tokens
) -> None:
    citizen = make_citizen(db, gp=make_organisation(db))
    home_care = make_organisation(db, kind="municipality")
    admin = tokens.headers(role="admin", org="medrecord-operations")
    url = f"/api/v1/citizens/{citizen.cpr}/treatment-relations"

    unnamed = client.post(url, headers=admin, json={"kind": "home_care", "valid_to": later(30)})
    named = client.post(
        url,
        headers=admin,
        json={"kind": "home_care", "valid_to": later(30), "organisation_id": home_care.id},
    )

    assert unnamed.status_code == 422
    assert named.status_code == 201 and named.json()["organisation_id"] == home_care.id


def test_a_relation_not_yet_valid_does_not_open_the_card(
    client: TestClient, db: Session, tokens: Tokens
) -> None:
    citizen = make_citizen(db, gp=make_organisation(db))
    ward = make_organisation(db, kind="hospital")
    make_treatment_relation(
        db,
        citizen=citizen,
        organisation=ward,
        kind="outpatient",
        valid_from=clock.now() + timedelta(days=1),
        valid_to=clock.now() + timedelta(days=5),
    )

    response = client.get(
        f"/api/v1/citizens/{citizen.cpr}/medication-card",
        headers=tokens.headers(role="doctor", org=ward),
    )

    assert response.status_code == 403
    assert response.json()["type"].endswith("/no-treatment-relation")
