"""Drug catalogue search and admin registration of citizens and organisations."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from medrecord.models import AuditEvent, Citizen, MedicationCard, Organisation
from tests.support.factories import make_drug, make_organisation, make_package
from tests.support.tokens import Tokens


def test_anyone_authenticated_searches_the_catalogue_by_name_and_atc(
    client: TestClient, db: Session, tokens: Tokens
) -> None:
    make_package(db, drug=make_drug(db, name="Zzpanodil", atc_code="N02BE01"))
    make_package(db, drug=make_drug(db, name="Zzipren", atc_code="M01AE01"))
    citizen = tokens.headers(role="citizen", cpr="0703541234")

    by_name = client.get("/api/v1/drugs?search=zzpano", headers=citizen)
    by_atc = client.get("/api/v1/drugs?atc=M01AE&search=zz", headers=citizen)
    anonymous = client.get("/api/v1/drugs")

    assert [d["name"] for d in by_name.json()] == ["Zzpanodil"]
    assert [d["name"] for d in by_atc.json()] == ["Zzipren"]
    assert by_name.json()[0]["packages"][0]["package_number"]
    assert anonymous.status_code == 401


def test_search_text_is_literal_not_a_pattern(
    client: TestClient, db: Session, tokens: Tokens
) -> None:
    make_package(db, drug=make_drug(db, name="Zzliteral"))
    response = client.get(
        "/api/v1/drugs?search=%25", headers=tokens.headers(role="doctor", org="x")
    )
    assert response.status_code == 200
    assert all("%" in d["name"] for d in response.json())


def test_drug_detail_lists_substitutes_cheapest_first(
    client: TestClient, db: Session, tokens: Tokens
) -> None:
    drug = make_drug(db, name="Original", substitution_group="ZZ-GROUP")
    make_package(db, drug=drug, price="90.00")
    for name, price in (("Dear copy", "50.00"), ("Cheap copy", "20.00")):
        make_package(db, drug=make_drug(db, name=name, substitution_group="ZZ-GROUP"), price=price)

    detail = client.get(
        f"/api/v1/drugs/{drug.id}", headers=tokens.headers(role="pharmacist", org="x")
    ).json()

    assert [d["name"] for d in detail["substitutes"]] == ["Cheap copy", "Dear copy"]
    assert (
        client.get("/api/v1/drugs/0", headers=tokens.headers(role="doctor", org="x")).status_code
        == 404
    )


def test_admin_registers_a_citizen_with_an_empty_card(
    client: TestClient, db: Session, tokens: Tokens
) -> None:
    gp = make_organisation(db, kind="gp_practice")
    admin = tokens.headers(role="admin", org="medrecord-operations")

    created = client.post(
        "/api/v1/citizens",
        headers=admin,
        json={"cpr": "120365-4321", "name": "Ny Borger", "gp_practice_id": gp.id},
    )
    duplicate = client.post(
        "/api/v1/citizens", headers=admin, json={"cpr": "1203654321", "name": "Ny Borger"}
    )

    assert created.status_code == 201
    assert created.json()["birth_date"] == "1965-03-12"
    citizen = db.scalars(select(Citizen).where(Citizen.cpr == "1203654321")).one()
    assert db.get(MedicationCard, citizen.id) is not None
    assert db.scalars(
        select(AuditEvent.action).where(AuditEvent.citizen_id == citizen.id)
    ).all() == ["citizen.register"]
    assert duplicate.status_code == 409


def test_citizen_registration_validates_cpr_and_gp_and_is_admin_only(
    client: TestClient, db: Session, tokens: Tokens
) -> None:
    admin = tokens.headers(role="admin", org="medrecord-operations")
    hospital = make_organisation(db, kind="hospital")

    bad_date = client.post(
        "/api/v1/citizens", headers=admin, json={"cpr": "310265-1234", "name": "X"}
    )
    not_a_gp = client.post(
        "/api/v1/citizens",
        headers=admin,
        json={"cpr": "010265-1234", "name": "X", "gp_practice_id": hospital.id},
    )
    doctor = client.post(
        "/api/v1/citizens",
        headers=tokens.headers(role="doctor", org=hospital),
        json={"cpr": "010265-1234", "name": "X"},
    )

    assert bad_date.status_code == 422 and bad_date.json()["type"].endswith("/invalid-cpr")
    assert not_a_gp.status_code == 422
    assert doctor.status_code == 403


def test_admin_registers_an_organisation(client: TestClient, db: Session, tokens: Tokens) -> None:
    admin = tokens.headers(role="admin", org="medrecord-operations")
    body = {"id": "999000111", "name": "Test Apotek", "kind": "pharmacy"}

    created = client.post("/api/v1/organisations", headers=admin, json=body)
    again = client.post("/api/v1/organisations", headers=admin, json=body)
    wrong_kind = client.post(
        "/api/v1/organisations", headers=admin, json={**body, "id": "999000112", "kind": "spa"}
    )

    assert created.status_code == 201
    assert db.get(Organisation, "999000111") is not None
    assert again.status_code == 409
    assert wrong_kind.status_code == 422
