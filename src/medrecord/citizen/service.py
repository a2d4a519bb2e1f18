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
from medrecord.errors import AccessDenied, Conflict, NotFound, RuleViolation
from medrecord.models import Citizen, MedicationCard, Organisation, OrganisationKind, Purpose


def find_citizen(session: Session, raw_cpr: str) -> Citizen:
    """The citizen with this CPR number; 422 for a malformed number, 404 for an unknown one."""
    citizen = repository.get_by_cpr(session, normalise_cpr(raw_cpr))
    if citizen is None:
        raise NotFound("No citizen has this CPR number.", code="citizen-not-found")
    return citizen


def register_citizen(session: Session, actor: Actor, *, command: CitizenCreate) -> CitizenRead:
    """An admin registers a citizen (with an empty medication card)."""
    if scope_of(actor.role, Permission.admin_manage) is None:
        raise AccessDenied("Only admins register citizens.", code="role-not-allowed")
    cpr = normalise_cpr(command.cpr)
    if command.gp_practice_id is not None:
        gp = session.get(Organisation, command.gp_practice_id)
        if gp is None or gp.kind != OrganisationKind.gp_practice:
            raise RuleViolation("No GP practice has this id.", code="unknown-gp-practice")
    if repository.get_by_cpr(session, cpr) is not None:
        raise Conflict("A citizen with this CPR number is registered.", code="citizen-exists")
    citizen = Citizen(
        id=uuid.uuid4(),
        cpr=cpr,
        name=command.name,
        birth_date=birth_date_of(cpr),
        gp_practice_id=command.gp_practice_id,
    )
    session.add(citizen)
    with map_integrity_errors(
        {"uq_citizen_cpr": Conflict("A citizen with this CPR number is registered.",
                                    code="citizen-exists")}
    ):  # fmt: skip
        session.flush()
    session.add(MedicationCard(citizen_id=citizen.id, version=1))
    audit.record(
        session,
        actor,
        action="citizen.register",
        citizen_id=citizen.id,
        resource_type="citizen",
        resource_id=citizen.id,
        purpose=Purpose.admin,
    )
    result = CitizenRead(
        id=citizen.id,
        cpr=citizen.cpr,
        name=citizen.name,
        birth_date=citizen.birth_date,
        gp_practice_id=citizen.gp_practice_id,
    )
    session.commit()
    return result
