"""The citizen's access log: every look-up at their data, newest first, and who read the log."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.support.factories import make_citizen, make_organisation
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
