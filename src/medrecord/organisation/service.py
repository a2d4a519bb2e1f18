from __future__ import annotations

from sqlalchemy.orm import Session

from medrecord.access.actor import Actor
from medrecord.access.permissions import Permission, scope_of
from medrecord.audit import service as audit
from medrecord.audit.denials import denials_recorded
from medrecord.db import map_integrity_errors
from medrecord.models import Organisation, Purpose
from medrecord.organisation import repository
from medrecord.organisation.schemas import OrganisationCreate, OrganisationRead
from medrecord.problems import OrganisationExists, RoleNotAllowed


def register_organisation(
    session: Session, actor: Actor, *, command: OrganisationCreate
) -> OrganisationRead:
    with denials_recorded(
        session, actor, action="organisation.register", resource_type="organisation"
    ):
        if scope_of(actor.role, Permission.admin_manage) is None:
            raise RoleNotAllowed("Only admins register organisations.")
    organisation = Organisation(id=command.id, name=command.name, kind=command.kind)
    with map_integrity_errors({"pk_organisation": OrganisationExists()}):
        repository.add(session, organisation)
    audit.record(
        session,
        actor,
        action="organisation.register",
        citizen_id=None,
        resource_type="organisation",
        resource_id=organisation.id,
        purpose=Purpose.admin,
    )
    result = OrganisationRead.model_validate(organisation)
    session.commit()
    return result
