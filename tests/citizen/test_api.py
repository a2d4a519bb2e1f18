"""Admins register citizens: each gets an empty medication card, and the registration is audited."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from medrecord.models import AuditEvent, Citizen, MedicationCard
from tests.support.factories import make_organisation
from tests.support.tokens import Tokens


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
