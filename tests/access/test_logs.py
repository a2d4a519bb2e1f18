"""Logs of a whole scenario carry no bearer token and no unmasked CPR number."""

from __future__ import annotations

import json
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from medrecord.access.actor import Role
from tests.support.tokens import Tokens
from tests.support.world import build_world


def test_logs_of_a_full_scenario_have_no_token_and_no_cpr(
    client: TestClient,
    db: Session,
    tokens: Tokens,
    capfd: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    w = build_world(db, unique="logs")
    doctor, pharmacist = w.headers(tokens, Role.doctor), w.headers(tokens, Role.pharmacist)
    dashed = f"{w.cpr[:6]}-{w.cpr[6:]}"
    base = f"/api/v1/citizens/{dashed}"
    client.get(f"{base}/medication-card", headers=doctor)
    client.get(f"/api/v1/citizens/{w.cpr}/medication-card", headers=pharmacist)
    client.post(
        f"{base}/prescriptions/{w.prescription.id}/dispensings",
        headers={**pharmacist, "Idempotency-Key": "log-test"},
        json={},
    )
    client.get(f"{base}/medication-card", headers={"Authorization": "Bearer " + "x" * 40})
    client.get(f"{base}/medication-card?note={w.cpr}", headers=doctor)
    client.get("/api/v1/me/access-log", headers=w.headers(tokens, Role.citizen))

    from medrecord.audit import service as audit

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError(f"audit store down for {w.cpr} with {doctor['Authorization']}")

    monkeypatch.setattr(audit, "record", broken)
    crashed = client.get(f"{base}/medication-card", headers=doctor)

    logs = capfd.readouterr().err
    lines = [json.loads(line) for line in logs.splitlines() if line.startswith("{")]
    assert crashed.status_code == 500
    assert len(lines) >= 7
    assert any(line.get("event") == "unhandled_error" for line in lines)
    assert w.cpr not in logs and dashed not in logs
    assert f"{w.cpr[:6]}-xxxx" in logs
    assert "eyJ" not in logs
    assert not re.search(r"Bearer\s+[\w-]{20,}", logs)
