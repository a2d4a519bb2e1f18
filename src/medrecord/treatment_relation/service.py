from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from medrecord import clock
from medrecord.access.actor import Actor, Role
from medrecord.access.guard import guarded
from medrecord.access.permissions import Permission
from medrecord.access.policy import DeclaredPurpose
from medrecord.errors import AccessDenied, RuleViolation
from medrecord.medication.service import person
from medrecord.models import Organisation, RelationKind, TreatmentRelation
from medrecord.treatment_relation.schemas import TreatmentRelationCreate, TreatmentRelationRead

MAX_DURATION = timedelta(days=366)


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
        if actor.role is Role.admin:
            if command.organisation_id is None:
                raise RuleViolation(
                    "Admins name the organisation (organisation_id).", code="organisation-required"
                )
            organisation_id = command.organisation_id
        else:
            if command.organisation_id not in (None, actor.organisation_id):
                raise AccessDenied(
                    "You can declare a treatment relation only for your own organisation.",
                    code="not-own-organisation",
                )
            organisation_id = actor.organisation_id or ""
        organisation = session.get(Organisation, organisation_id)
        if organisation is None:
            raise RuleViolation("No organisation has this id.", code="unknown-organisation")
        if command.kind == RelationKind.listed_gp:
            raise RuleViolation(
                "The GP relation follows the citizen's registered GP practice.",
                code="listed-gp-is-standing",
            )
        now = clock.now()
        valid_from = command.valid_from or now
        if command.valid_to <= max(valid_from, now):
            raise RuleViolation("valid_to must be in the future and after valid_from.",
                                code="invalid-validity")  # fmt: skip
        if command.valid_to - valid_from > MAX_DURATION:
            raise RuleViolation("A treatment relation lasts at most a year; declare it again.",
                                code="relation-too-long")  # fmt: skip
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
        session.add(relation)
        session.flush()
        entry.resource_id = relation.id
        result = TreatmentRelationRead(
            id=relation.id,
            organisation_id=organisation.id,
            organisation_name=organisation.name,
            kind=relation.kind,
            valid_from=relation.valid_from,
            valid_to=relation.valid_to,
            declared_by=person(relation.declared_by),
        )
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
        now = clock.now()
        result: list[TreatmentRelationRead] = []
        if citizen.gp_practice_id:
            gp = session.get(Organisation, citizen.gp_practice_id)
            result.append(
                TreatmentRelationRead(
                    id=None,
                    organisation_id=citizen.gp_practice_id,
                    organisation_name=gp.name if gp else citizen.gp_practice_id,
                    kind=RelationKind.listed_gp,
                    valid_from=None,
                    valid_to=None,
                    declared_by=None,
                )
            )
        rows = session.execute(
            select(TreatmentRelation, Organisation.name)
            .join(Organisation, Organisation.id == TreatmentRelation.organisation_id)
            .where(
                TreatmentRelation.citizen_id == citizen.id,
                TreatmentRelation.valid_from <= now,
                (TreatmentRelation.valid_to.is_(None)) | (TreatmentRelation.valid_to > now),
            )
            .order_by(TreatmentRelation.valid_from)
        )
        result += [
            TreatmentRelationRead(
                id=r.id,
                organisation_id=r.organisation_id,
                organisation_name=name,
                kind=r.kind,
                valid_from=r.valid_from,
                valid_to=r.valid_to,
                declared_by=person(r.declared_by),
            )
            for r, name in rows
        ]
    session.commit()
    return result
