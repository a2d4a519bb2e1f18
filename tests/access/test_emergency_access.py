"""Emergency access (værdispring): allowed for doctors and nurses, flagged, shown, reviewed."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from medrecord.dosage.examples import daily
from medrecord.models import AuditEvent
from tests.support.factories import make_citizen, make_drug, make_medication, make_organisation
from tests.support.tokens import Tokens

REASON = "Unconscious patient admitted to the ER at night"


def test_doctor_without_relation_reads_and_acts_in_an_emergency_and_it_is_flagged(
    client: TestClient, db: Session, tokens: Tokens
) -> None:
    gp = make_organisation(db, kind="gp_practice")
    er = make_organisation(db, kind="hospital", name="Akutmodtagelsen")
    citizen = make_citizen(db, gp=gp)
    drug = make_drug(db)
    private = make_medication(db, citizen=citizen, drug=drug, private_organisation=gp)
    doctor = tokens.headers(role="doctor", org=er, name="Dr. Akut")
    emergency = {"X-Access-Purpose": "emergency", "X-Access-Reason": REASON}
    url = f"/api/v1/citizens/{citizen.cpr}"

    without = client.get(f"{url}/medication-card", headers=doctor)
    card = client.get(f"{url}/medication-card", headers={**doctor, **emergency})
    created = client.post(
        f"{url}/medications",
        headers={**doctor, **emergency},
        json={
            "drug_id": drug.id,
            "indication_text": "Sepsis",
            "start_date": "2026-11-21",
            "dosage": daily(morning=1),
        },
    )

    assert without.status_code == 403
    assert without.json()["type"].endswith("/no-treatment-relation")
    assert card.status_code == 200
    assert str(private.id) in card.text  # emergency sees private items too
    assert created.status_code == 201
    rows = db.scalars(
        select(AuditEvent).where(
            AuditEvent.citizen_id == citizen.id, AuditEvent.purpose == "emergency"
        )
    ).all()
    assert {r.action for r in rows} == {"medication-card.read", "medication.create"}
    assert all(r.reason == REASON for r in rows)


def test_emergency_needs_a_reason_of_twenty_characters(
    client: TestClient, db: Session, tokens: Tokens
) -> None:
    citizen = make_citizen(db, gp=make_organisation(db))
    doctor = tokens.headers(role="doctor", org=make_organisation(db, kind="hospital"))

    response = client.get(
        f"/api/v1/citizens/{citizen.cpr}/medication-card",
        headers={**doctor, "X-Access-Purpose": "emergency", "X-Access-Reason": "urgent"},
    )

    assert response.status_code == 422
    assert response.json()["type"].endswith("/emergency-reason-required")


def test_pharmacists_and_assistants_cannot_break_the_glass(
    client: TestClient, db: Session, tokens: Tokens
) -> None:
    citizen = make_citizen(db, gp=make_organisation(db))
    pharmacy = make_organisation(db, kind="pharmacy")
    emergency = {"X-Access-Purpose": "emergency", "X-Access-Reason": REASON}
    for role in ("pharmacist", "pharmacy_assistant"):
        response = client.get(
            f"/api/v1/citizens/{citizen.cpr}/medication-card",
            headers={**tokens.headers(role=role, org=pharmacy), **emergency},
        )
        assert response.status_code == 403, role


def test_citizen_sees_the_emergency_access_and_admin_reviews_it(
    client: TestClient, db: Session, tokens: Tokens
) -> None:
    citizen = make_citizen(db, gp=make_organisation(db))
    er = make_organisation(db, kind="hospital", name="Akutmodtagelsen")
    client.get(
        f"/api/v1/citizens/{citizen.cpr}/medication-card",
        headers={
            **tokens.headers(role="nurse", org=er, name="Nurse Akut"),
            "X-Access-Purpose": "emergency",
            "X-Access-Reason": REASON,
        },
    )
    admin = tokens.headers(role="admin", org="medrecord-operations")

    log = client.get(
        "/api/v1/me/access-log", headers=tokens.headers(role="citizen", cpr=citizen.cpr)
    ).json()
    queue = client.get("/api/v1/admin/emergency-accesses", headers=admin).json()
    mine = [e for e in queue if e["citizen_cpr"] == citizen.cpr]
    reviewed = client.post(
        f"/api/v1/admin/emergency-accesses/{mine[0]['audit_event_id']}/review",
        headers=admin,
        json={"conclusion": "Justified: ER admission."},
    )
    twice = client.post(
        f"/api/v1/admin/emergency-accesses/{mine[0]['audit_event_id']}/review",
        headers=admin,
        json={"conclusion": "Again."},
    )
    queue_after = client.get("/api/v1/admin/emergency-accesses", headers=admin).json()
    done = client.get("/api/v1/admin/emergency-accesses?reviewed=true", headers=admin).json()

    [entry] = [e for e in log["entries"] if e["emergency"]]
    assert (entry["actor_name"], entry["organisation_name"], entry["reason"]) == (
        "Nurse Akut",
        "Akutmodtagelsen",
        REASON,
    )
    assert len(mine) == 1 and mine[0]["reviewed_at"] is None
    assert reviewed.status_code == 200 and reviewed.json()["conclusion"].startswith("Justified")
    assert twice.status_code == 409
    assert citizen.cpr not in [e["citizen_cpr"] for e in queue_after]
    assert citizen.cpr in [e["citizen_cpr"] for e in done]
    admin_rows = db.scalars(
        select(AuditEvent.action).where(
            AuditEvent.citizen_id == citizen.id, AuditEvent.actor_role == "admin"
        )
    ).all()
    assert "emergency-access.review" in admin_rows and "emergency-access.list" in admin_rows
