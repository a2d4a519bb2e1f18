"""Declaring a treatment relation (pure rules)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from medrecord import problems
from medrecord.access.actor import Actor, Role
from medrecord.treatment_relation.rules import (
    MAX_DURATION,
    declaration_problem,
    organisation_for,
)

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
DOCTOR = Actor(subject="d", name="Dr. A", role=Role.doctor, organisation_id="H1")
ADMIN = Actor(subject="a", name="Admin", role=Role.admin, organisation_id="REGION")


def test_clinicians_declare_for_their_own_organisation() -> None:
    assert organisation_for(DOCTOR, None) == "H1"
    assert organisation_for(DOCTOR, "H1") == "H1"
    with pytest.raises(problems.NotOwnOrganisation):
        organisation_for(DOCTOR, "H2")


def test_admins_name_the_organisation() -> None:
    assert organisation_for(ADMIN, "H2") == "H2"
    with pytest.raises(problems.OrganisationRequired):
        organisation_for(ADMIN, None)


def test_a_relation_for_the_coming_days_is_accepted() -> None:
    assert (
        declaration_problem(
            kind="admitted", valid_from=NOW, valid_to=NOW + timedelta(days=5), now=NOW
        )
        is None
    )


@pytest.mark.parametrize(
    ("kind", "valid_from", "valid_to", "expected"),
    [
        ("listed_gp", NOW, NOW + timedelta(days=5), problems.ListedGpIsStanding),
        ("admitted", NOW, NOW, problems.InvalidValidity),
        ("admitted", NOW - timedelta(days=9), NOW - timedelta(days=1), problems.InvalidValidity),
        ("outpatient", NOW + timedelta(days=3), NOW + timedelta(days=2), problems.InvalidValidity),
        ("home_care", NOW, NOW + MAX_DURATION + timedelta(seconds=1), problems.RelationTooLong),
    ],
)
def test_a_declaration_is_refused_with_the_reason(
    kind: str, valid_from: datetime, valid_to: datetime, expected: type
) -> None:
    problem = declaration_problem(kind=kind, valid_from=valid_from, valid_to=valid_to, now=NOW)

    assert isinstance(problem, expected)
