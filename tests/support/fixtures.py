"""The shared arrangements, declared once: a GP practice, its doctor, a citizen, a drug, a
pharmacy and its pharmacist. Registered as a plugin by tests/conftest.py."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from medrecord.models import Citizen, Drug, DrugPackage, Organisation
from tests.support.factories import make_citizen, make_drug, make_organisation
from tests.support.tokens import Tokens


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
