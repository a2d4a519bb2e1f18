"""A medication's dosage in a response matches what the OpenAPI document promises (found by
fuzzing: every dosage matched both branches of the documented oneOf)."""

from __future__ import annotations

from typing import Any

import jsonschema_rs
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from medrecord.dosage.examples import daily
from medrecord.models import Citizen, Drug
from tests.support.http import base, medication_body


def _schema_of(app: FastAPI, response_of: tuple[str, str, str]) -> Any:
    path, method, status = response_of
    spec = app.openapi()
    reference = spec["paths"][path][method]["responses"][status]["content"]["application/json"]
    # The document's components resolve "#/components/..." references from its root.
    return jsonschema_rs.validator_for({**reference["schema"], "components": spec["components"]})


@pytest.mark.parametrize(
    "dosage",
    [daily(morning=1, evening=1), {"free_text": "Efter skriftlig anvisning"}],
    ids=["structured", "free-text"],
)
def test_a_created_and_a_read_medication_match_their_documented_schemas(
    app: FastAPI,
    client: TestClient,
    citizen: Citizen,
    doctor: dict[str, str],
    drug: Drug,
    dosage: dict[str, Any],
) -> None:
    created = client.post(
        f"{base(citizen)}/medications", headers=doctor, json=medication_body(drug.id, dosage=dosage)
    )
    assert created.status_code == 201, created.text
    read = client.get(f"{base(citizen)}/medications/{created.json()['id']}", headers=doctor)
    card = client.get(f"{base(citizen)}/medication-card", headers=doctor)

    medications = "/api/v1/citizens/{cpr}/medications"
    for response, response_of in [
        (created, (medications, "post", "201")),
        (read, (medications + "/{medication_id}", "get", "200")),
        (card, ("/api/v1/citizens/{cpr}/medication-card", "get", "200")),
    ]:
        errors = [
            error.message for error in _schema_of(app, response_of).iter_errors(response.json())
        ]
        assert errors == [], response_of
