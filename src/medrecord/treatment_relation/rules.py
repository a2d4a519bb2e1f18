"""Pure rules for declaring a treatment relation."""

from __future__ import annotations

from datetime import datetime, timedelta

from medrecord.access.actor import Actor, Role
from medrecord.errors import DomainError
from medrecord.models import RelationKind
from medrecord.problems import (
    InvalidValidity,
    ListedGpIsStanding,
    NotOwnOrganisation,
    OrganisationRequired,
    RelationTooLong,
)

MAX_DURATION = timedelta(days=366)


def organisation_for(actor: Actor, requested: str | None) -> str:
    """Doctors and nurses declare for their own organisation; admins name one."""
    if actor.role is Role.admin:
        if requested is None:
            raise OrganisationRequired()
        return requested
    if requested not in (None, actor.organisation_id):
        raise NotOwnOrganisation()
    return actor.organisation_id or ""


def declaration_problem(
    *, kind: str, valid_from: datetime, valid_to: datetime, now: datetime
) -> DomainError | None:
    """A declared relation is not the standing GP one, lies ahead, and lasts at most a year."""
    if kind == RelationKind.listed_gp:
        return ListedGpIsStanding()
    if valid_to <= max(valid_from, now):
        return InvalidValidity("valid_to must be in the future and after valid_from.")
    if valid_to - valid_from > MAX_DURATION:
        return RelationTooLong()
    return None
