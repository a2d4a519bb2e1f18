"""Admins register organisations (GP practices, hospitals, pharmacies, municipalities)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from medrecord.models import Organisation
from tests.support.tokens import Tokens


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
