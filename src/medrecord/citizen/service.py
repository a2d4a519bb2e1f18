"""Citizen use cases: find by CPR number (every citizen use case starts here), register."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from medrecord.access.actor import Actor
from medrecord.access.permissions import Permission, scope_of
from medrecord.audit import service as audit
from medrecord.citizen import repository
from medrecord.citizen.rules import birth_date_of, normalise_cpr
from medrecord.citizen.schemas import CitizenCreate, CitizenRead
from medrecord.db import map_integrity_errors
from medrecord.models import Citizen, OrganisationKind, Purpose
from medrecord.organisation import repository as organisation_repository
from medrecord.problems import CitizenExists, CitizenNotFound, RoleNotAllowed, UnknownGpPractice


def find_citizen(session: Session, raw_cpr: str) -> Citizen:
    """The citizen with this CPR number; 422 for a malformed number, 404 for an unknown one."""
    citizen = repository.get_by_cpr(session, normalise_cpr(raw_cpr))
    if citizen is None:
        raise CitizenNotFound()
    return citizen


def register_citizen(session: Session, actor: Actor, *, command: CitizenCreate) -> CitizenRead:
    """An admin registers a citizen (with an empty medication card)."""
    if scope_of(actor.role, Permission.admin_manage) is None:
        raise RoleNotAllowed("Only admins register citizens.")
    cpr = normalise_cpr(command.cpr)
    if command.gp_practice_id is not None:
        gp = organisation_repository.get(session, command.gp_practice_id)
        if gp is None or gp.kind != OrganisationKind.gp_practice:
            raise UnknownGpPractice()
    if repository.get_by_cpr(session, cpr) is not None:
        raise CitizenExists()
    citizen = Citizen(
        id=uuid.uuid4(),
        cpr=cpr,
        name=command.name,
        birth_date=birth_date_of(cpr),
        gp_practice_id=command.gp_practice_id,
    )
    with map_integrity_errors({"uq_citizen_cpr": CitizenExists()}):  # two admins at once
        repository.add(session, citizen)
    audit.record(
        session,
        actor,
        action="citizen.register",
        citizen_id=citizen.id,
        resource_type="citizen",
        resource_id=citizen.id,
        purpose=Purpose.admin,
    )
    result = CitizenRead.model_validate(citizen)
    session.commit()
    return result
