"""The shared arrangements, each declared once: a GP practice with its doctor, a citizen listed
there, a drug and its package, a medication and a prescription of it, a pharmacy with its
pharmacist, and a whole world for sweeping tests. Registered as a plugin by tests/conftest.py.

``doctor`` and ``pharmacist`` are Authorization headers for API tests; ``doctor_actor`` and
``pharmacist_actor`` are Actors of the same names and organisations, for calling use cases
directly."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy.orm import Session

from medrecord.access.actor import Actor, Role
from medrecord.models import Citizen, Drug, DrugPackage, Medication, Organisation, Prescription
from tests.support.factories import (
    make_actor,
    make_citizen,
    make_drug,
    make_medication,
    make_organisation,
    make_package,
    make_prescription,
)
from tests.support.tokens import Tokens
from tests.support.world import World, build_world


@pytest.fixture
def gp(db: Session) -> Organisation:
    return make_organisation(db, kind="gp_practice")


@pytest.fixture
def citizen(db: Session, gp: Organisation) -> Citizen:
    """Karla Test, listed at ``gp`` (so the GP's doctor has a treatment relation)."""
    return make_citizen(db, gp=gp, name="Karla Test")


@pytest.fixture
def doctor(tokens: Tokens, gp: Organisation) -> dict[str, str]:
    """Authorization headers of Dr. Karen Jensen at ``gp``."""
    return tokens.headers(role="doctor", org=gp, name="Dr. Karen Jensen")


@pytest.fixture
def doctor_actor(gp: Organisation) -> Actor:
    """Dr. Karen Jensen at ``gp``, as the use cases see her."""
    return make_actor(role=Role.doctor, organisation=gp, name="Dr. Karen Jensen")


@pytest.fixture
def drug(db: Session) -> Drug:
    """Amlodipin, in substitution group AMLO-5."""
    return make_drug(db, name="Amlodipin", substitution_group="AMLO-5")


@pytest.fixture
def package(db: Session, drug: Drug) -> DrugPackage:
    """The package of ``drug`` (100 tablets)."""
    return make_package(db, drug=drug)


@pytest.fixture
def medication(db: Session, citizen: Citizen, drug: Drug) -> Medication:
    """An active medication of ``drug`` on the citizen's card."""
    return make_medication(db, citizen=citizen, drug=drug)


@pytest.fixture
def prescription(db: Session, medication: Medication, package: DrugPackage) -> Prescription:
    """An open prescription of ``medication``: one ``package`` per iteration, 2 iterations."""
    return make_prescription(db, medication=medication, package=package, iterations=2)


@pytest.fixture
def pharmacy(db: Session) -> Organisation:
    return make_organisation(db, kind="pharmacy", name="Nørrebro Apotek")


@pytest.fixture
def pharmacist(tokens: Tokens, pharmacy: Organisation) -> dict[str, str]:
    """Authorization headers of Camilla Madsen at ``pharmacy``."""
    return tokens.headers(role="pharmacist", org=pharmacy, name="Camilla Madsen")


@pytest.fixture
def pharmacist_actor(pharmacy: Organisation) -> Actor:
    """Camilla Madsen at ``pharmacy``, as the use cases see her."""
    return make_actor(role=Role.pharmacist, organisation=pharmacy, name="Camilla Madsen")


@pytest.fixture
def world(db: Session) -> World:
    """One citizen with every kind of object (see tests/support/world.py)."""
    return build_world(db, unique=uuid.uuid4().hex[:6])
