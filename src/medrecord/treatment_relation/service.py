"""Treatment-relation use cases: declare one for your organisation, list those active now."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from medrecord import clock
from medrecord.access.actor import Actor
from medrecord.access.permissions import Permission
from medrecord.access.policy import DeclaredPurpose
from medrecord.access.schemas import PersonRef
from medrecord.errors import raise_if
from medrecord.guard import guarded
from medrecord.models import RelationKind, TreatmentRelation
from medrecord.organisation import repository as organisation_repository
from medrecord.problems import UnknownOrganisation
from medrecord.treatment_relation import repository, rules
from medrecord.treatment_relation.schemas import TreatmentRelationCreate, TreatmentRelationRead


def _relation_read(relation: TreatmentRelation, organisation_name: str) -> TreatmentRelationRead:
    return TreatmentRelationRead(
        id=relation.id,
        organisation_id=relation.organisation_id,
        organisation_name=organisation_name,
        kind=relation.kind,
        valid_from=relation.valid_from,
        valid_to=relation.valid_to,
        declared_by=PersonRef.of(relation.declared_by),
    )


def declare_relation(
    session: Session,
    actor: Actor,
    *,
    cpr: str,
    declared: DeclaredPurpose,
    command: TreatmentRelationCreate,
) -> TreatmentRelationRead:
    with guarded(
        session,
        actor,
        cpr=cpr,
        declared=declared,
        permission=Permission.relation_declare,
        action="treatment-relation.declare",
        resource_type="treatment_relation",
    ) as (citizen, _access, entry):
        organisation_id = rules.organisation_for(actor, command.organisation_id)
        organisation = organisation_repository.get(session, organisation_id)
        if organisation is None:
            raise UnknownOrganisation()
        now = clock.now()
        valid_from = command.valid_from or now
        raise_if(
            rules.declaration_problem(
                kind=command.kind, valid_from=valid_from, valid_to=command.valid_to, now=now
            )
        )
        relation = TreatmentRelation(
            id=uuid.uuid4(),
            citizen_id=citizen.id,
            organisation_id=organisation.id,
            kind=command.kind,
            valid_from=valid_from,
            valid_to=command.valid_to,
            declared_by=actor.snapshot(),
            created_at=now,
        )
        repository.add(session, relation)
        entry.resource_id = relation.id
        result = _relation_read(relation, organisation.name)
    session.commit()
    return result


def list_relations(
    session: Session, actor: Actor, *, cpr: str, declared: DeclaredPurpose
) -> list[TreatmentRelationRead]:
    """The relations valid now, the standing GP relation first."""
    with guarded(
        session,
        actor,
        cpr=cpr,
        declared=declared,
        permission=Permission.relation_read,
        action="treatment-relation.list",
        resource_type="treatment_relation",
    ) as (citizen, _access, _entry):
        result: list[TreatmentRelationRead] = []
        if citizen.gp_practice_id:
            result.append(
                TreatmentRelationRead(
                    id=None,
                    organisation_id=citizen.gp_practice_id,
                    organisation_name=organisation_repository.name_of(
                        session, citizen.gp_practice_id
                    ),
                    kind=RelationKind.listed_gp,
                    valid_from=None,
                    valid_to=None,
                    declared_by=None,
                )
            )
        result += [
            _relation_read(relation, name)
            for relation, name in repository.active_relations(session, citizen.id, clock.now())
        ]
    session.commit()
    return result
