"""Card use cases: read the card, review it."""

from __future__ import annotations

from sqlalchemy.orm import Session

from medrecord import clock
from medrecord.access.actor import Actor
from medrecord.access.permissions import Permission
from medrecord.access.policy import DeclaredPurpose
from medrecord.access.schemas import PersonRef
from medrecord.card import repository
from medrecord.card.schemas import CardReviewRead, MedicationCardRead
from medrecord.citizen import repository as citizen_repository
from medrecord.citizen.schemas import CitizenSummary
from medrecord.guard import guarded
from medrecord.medication import warnings
from medrecord.versioning import check_version


def get_medication_card(
    session: Session,
    actor: Actor,
    *,
    cpr: str,
    declared: DeclaredPurpose,
    include_withdrawn: bool = False,
) -> MedicationCardRead:
    with guarded(
        session,
        actor,
        cpr=cpr,
        declared=declared,
        permission=Permission.card_read,
        action="medication-card.read",
        resource_type="medication_card",
    ) as (citizen, access, _entry):
        document = repository.card_document(
            session,
            citizen.id,
            include_withdrawn=include_withdrawn,
            sees_all_private=access.sees_all_private,
            organisation_id=actor.organisation_id,
            today=clock.today(),
        )
        result = MedicationCardRead.model_validate(
            {**document, "citizen": CitizenSummary.model_validate(citizen)}
        )
        _add_warnings(result)
    session.commit()
    return result


def _add_warnings(card: MedicationCardRead) -> None:
    """Each medication in use warns of the others it duplicates, as its write did."""
    facts = [(m.id, warnings.facts(m.drug), m.status) for m in card.medications]
    for medication in card.medications:
        if medication.status in warnings.IN_USE:
            others = [f for f in facts if f[0] != medication.id]
            medication.warnings = warnings.duplicate_warnings(
                warnings.facts(medication.drug), others
            )


def review_card(
    session: Session,
    actor: Actor,
    *,
    cpr: str,
    declared: DeclaredPurpose,
    expected_version: int | None,
) -> CardReviewRead:
    """Ajourføring: a doctor states the card is reviewed and current."""
    with guarded(
        session,
        actor,
        cpr=cpr,
        declared=declared,
        permission=Permission.card_review,
        action="medication-card.review",
        resource_type="medication_card",
    ) as (citizen, _access, _entry):
        card = citizen_repository.lock_card(session, citizen.id)
        check_version(card.version, expected_version, "medication card")
        card.reviewed_at = clock.now()
        card.reviewed_by = actor.snapshot()
        card.version += 1
        session.flush()
        result = CardReviewRead(
            version=card.version,
            reviewed_at=card.reviewed_at,
            reviewed_by=PersonRef.of(card.reviewed_by),
        )
    session.commit()
    return result
