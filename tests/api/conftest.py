"""Shared arrangements for API tests: a GP practice, its doctor, a citizen, a drug."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session

from medrecord.models import Citizen, Drug, DrugPackage, Organisation
from tests.factories import Tokens, make_citizen, make_drug, make_organisation


@pytest.fixture
def gp(db: Session) -> Organisation:
    return make_organisation(db, kind="gp_practice")


@pytest.fixture
def citizen(db: Session, gp: Organisation) -> Citizen:
    return make_citizen(db, gp=gp, name="Karla Test")


@pytest.fixture
def doctor(tokens: Tokens, gp: Organisation) -> dict[str, str]:
    return tokens.headers(role="doctor", org=gp, name="Dr. Karen Jensen")


@pytest.fixture
def drug(db: Session) -> tuple[Drug, DrugPackage]:
    return make_drug(db, name="Amlodipin", substitution_group="AMLO-5")


@pytest.fixture
def pharmacy(db: Session) -> Organisation:
    return make_organisation(db, kind="pharmacy", name="Nørrebro Apotek")


@pytest.fixture
def pharmacist(tokens: Tokens, pharmacy: Organisation) -> dict[str, str]:
    return tokens.headers(role="pharmacist", org=pharmacy, name="Camilla Madsen")


def base(citizen: Citizen) -> str:
    return f"/api/v1/citizens/{citizen.cpr}"


def medication_body(drug: str, /, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "drug_id": drug,
        "indication_code": "I10",
        "indication_text": "High blood pressure",
        "route": "oral",
        "dosage": {"kind": "fixed", "unit": "tablet", "morning": 1},
        "start_date": "2026-11-01",
        "end_date": "2027-11-01",
    }
    body.update(overrides)
    return body


def etag(version: int) -> dict[str, str]:
    return {"If-Match": f'"{version}"'}
