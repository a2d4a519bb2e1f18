"""Medication use cases: each checks access, applies the rules, audits, and commits once."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from medrecord import clock
from medrecord.access.actor import Actor, Role
from medrecord.access.guard import guarded
from medrecord.access.permissions import Permission
from medrecord.access.policy import Access, DeclaredPurpose
from medrecord.errors import (
    AccessDenied,
    Conflict,
    NotFound,
    PreconditionFailed,
    PreconditionRequired,
    RuleViolation,
)
from medrecord.medication import repository
from medrecord.medication.schemas import (
    CardReviewRead,
    CitizenSummary,
    DrugSummary,
    MedicationCardRead,
    MedicationPause,
    MedicationRead,
    MedicationVersionRead,
    MedicationWithdraw,
    MedicationWrite,
    PersonRef,
)
from medrecord.models import (
    Citizen,
    Drug,
    Medication,
    MedicationStatus,
)
from medrecord.prescription import repository as prescription_repository


def person(snapshot: dict[str, Any]) -> PersonRef:
    return PersonRef(
        name=snapshot["name"],
        role=snapshot["role"],
        organisation_id=snapshot.get("organisation_id"),
    )


def own_cpr(actor: Actor) -> str:
    """The CPR number of a citizen caller (for /me routes); others have no /me."""
    if actor.role is not Role.citizen or actor.cpr is None:
        raise AccessDenied("Only citizens have a /me.", code="role-not-allowed")
    return actor.cpr


def visible(medication: Medication, actor: Actor, access: Access) -> bool:
    """Private items exist only for the citizen, the marking organisation, consent and emergency."""
    return (
        not medication.private
        or access.sees_all_private
        or medication.private_organisation_id == actor.organisation_id
    )


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
            {
                **document,
                "citizen": CitizenSummary(
                    cpr=citizen.cpr,
                    name=citizen.name,
                    birth_date=citizen.birth_date,
                    gp_practice_id=citizen.gp_practice_id,
                ),
            }
        )
    session.commit()
    return result


def medication_read(m: Medication, drug: Drug) -> MedicationRead:
    return MedicationRead(
        id=m.id,
        version=m.version,
        drug=DrugSummary.model_validate(drug),
        indication_code=m.indication_code,
        indication_text=m.indication_text,
        route=m.route,
        dosage=m.dosage,
        dosage_text=m.dosage_text,
        substitution_allowed=m.substitution_allowed,
        start_date=m.start_date,
        started_previously=m.started_previously,
        end_date=m.end_date,
        status=m.status,
        paused_from=m.paused_from,
        paused_to=m.paused_to,
        withdrawal_reason=m.withdrawal_reason,
        withdrawn_at=m.withdrawn_at,
        private=m.private,
        created_at=m.created_at,
        created_by=person(m.created_by),
        modified_at=m.modified_at,
        modified_by=person(m.modified_by),
    )


# --- writes ------------------------------------------------------------------------------


def check_version(current: int, expected: int | None, what: str) -> None:
    if expected is None:
        raise PreconditionRequired(f"Send If-Match with the {what}'s current version (ETag).")
    if expected != current:
        raise PreconditionFailed(
            f"The {what} has changed since you read it (now version {current}); read it again.",
            current_version=current,
        )


def _apply(medication: Medication, write: MedicationWrite) -> None:
    # Whole replacement, as FMK: what the prescriber leaves out is cleared.
    medication.drug_id = write.drug_id
    medication.indication_code = write.indication_code
    medication.indication_text = write.indication_text
    medication.route = write.route
    medication.dosage = write.dosage.stored()
    medication.dosage_text = write.dosage.text()
    medication.substitution_allowed = write.substitution_allowed
    medication.start_date = write.start_date
    medication.started_previously = write.started_previously
    medication.end_date = write.end_date


def _require_drug(session: Session, drug_id: str) -> Drug:
    drug = repository.get_drug(session, drug_id)
    if drug is None:
        raise RuleViolation("No drug in the catalogue has this id.", code="unknown-drug")
    return drug


def create_medication(
    session: Session,
    actor: Actor,
    *,
    cpr: str,
    declared: DeclaredPurpose,
    write: MedicationWrite,
    expected_card_version: int | None = None,
) -> MedicationRead:
    with guarded(
        session,
        actor,
        cpr=cpr,
        declared=declared,
        permission=Permission.medication_write,
        action="medication.create",
        resource_type="medication",
    ) as (citizen, _access, entry):
        card = repository.lock_card(session, citizen.id)
        if expected_card_version is not None:
            check_version(card.version, expected_card_version, "medication card")
        drug = _require_drug(session, write.drug_id)
        now = clock.now()
        medication = Medication(
            id=uuid.uuid4(),
            citizen_id=citizen.id,
            status=MedicationStatus.active,
            private=False,
            version=1,
            created_by=actor.snapshot(),
            modified_by=actor.snapshot(),
            created_at=now,
            modified_at=now,
        )
        _apply(medication, write)
        session.add(medication)
        session.flush()
        repository.add_version(session, medication, change="created", by=actor.snapshot(), at=now)
        repository.bump_card_version(session, citizen.id)
        entry.resource_id = medication.id
        result = medication_read(medication, drug)
    session.commit()
    return result


def get_medication(
    session: Session,
    actor: Actor,
    *,
    cpr: str,
    medication_id: uuid.UUID,
    declared: DeclaredPurpose,
) -> MedicationRead:
    with guarded(
        session,
        actor,
        cpr=cpr,
        declared=declared,
        permission=Permission.card_read,
        action="medication.read",
        resource_type="medication",
        resource_id=medication_id,
    ) as (citizen, access, _entry):
        medication, drug = _visible_medication(session, actor, access, citizen, medication_id)
        result = medication_read(medication, drug)
    session.commit()
    return result


def list_medication_versions(
    session: Session,
    actor: Actor,
    *,
    cpr: str,
    medication_id: uuid.UUID,
    declared: DeclaredPurpose,
) -> list[MedicationVersionRead]:
    with guarded(
        session,
        actor,
        cpr=cpr,
        declared=declared,
        permission=Permission.card_read,
        action="medication.versions.read",
        resource_type="medication",
        resource_id=medication_id,
    ) as (citizen, access, _entry):
        _visible_medication(session, actor, access, citizen, medication_id)
        result = [
            MedicationVersionRead(
                version=v.version,
                change=v.change,
                changed_at=v.changed_at,
                changed_by=person(v.changed_by),
                state=v.state,
            )
            for v in repository.list_versions(session, citizen.id, medication_id)
        ]
    session.commit()
    return result


def _visible_medication(
    session: Session,
    actor: Actor,
    access: Access,
    citizen: Citizen,
    medication_id: uuid.UUID,
    *,
    lock: bool = False,
) -> tuple[Medication, Drug]:
    found = repository.get_medication(session, citizen.id, medication_id, lock=lock)
    if found is None or not visible(found[0], actor, access):
        raise NotFound("The citizen has no such medication.", code="medication-not-found")
    return found


def _change_medication(
    session: Session,
    actor: Actor,
    *,
    cpr: str,
    medication_id: uuid.UUID,
    declared: DeclaredPurpose,
    expected_version: int | None,
    change: str,
    apply: Callable[[Session, Medication, datetime], None],
    permission: Permission = Permission.medication_write,
) -> MedicationRead:
    """The shape of every medication write: authorise, lock, check If-Match, change, bump the
    medication and card versions, append a version row, audit, commit."""
    with guarded(
        session,
        actor,
        cpr=cpr,
        declared=declared,
        permission=permission,
        action=f"medication.{change}",
        resource_type="medication",
        resource_id=medication_id,
    ) as (citizen, access, _entry):
        medication, drug = _visible_medication(
            session, actor, access, citizen, medication_id, lock=True
        )
        check_version(medication.version, expected_version, "medication")
        now = clock.now()
        apply(session, medication, now)
        medication.version += 1
        medication.modified_by = actor.snapshot()
        medication.modified_at = now
        session.flush()
        repository.add_version(session, medication, change=change, by=actor.snapshot(), at=now)
        repository.bump_card_version(session, citizen.id)
        if medication.drug_id != drug.id:
            drug = _require_drug(session, medication.drug_id)
        result = medication_read(medication, drug)
    session.commit()
    return result


def _not_withdrawn(medication: Medication) -> None:
    if medication.status == MedicationStatus.withdrawn:
        raise Conflict(
            "The medication is withdrawn; create a new medication instead.",
            code="medication-withdrawn",
        )


def replace_medication(
    session: Session,
    actor: Actor,
    *,
    cpr: str,
    medication_id: uuid.UUID,
    declared: DeclaredPurpose,
    expected_version: int | None,
    write: MedicationWrite,
) -> MedicationRead:
    def apply(session: Session, medication: Medication, _: datetime) -> None:
        _not_withdrawn(medication)
        _require_drug(session, write.drug_id)
        _apply(medication, write)

    return _change_medication(
        session, actor, cpr=cpr, medication_id=medication_id, declared=declared,
        expected_version=expected_version, change="updated", apply=apply,
    )  # fmt: skip


def pause_medication(
    session: Session,
    actor: Actor,
    *,
    cpr: str,
    medication_id: uuid.UUID,
    declared: DeclaredPurpose,
    expected_version: int | None,
    pause: MedicationPause,
) -> MedicationRead:
    def apply(_: Session, medication: Medication, now: datetime) -> None:
        _not_withdrawn(medication)
        if medication.status != MedicationStatus.active:
            raise Conflict("Only an active medication can be paused.", code="medication-not-active")
        paused_from = pause.paused_from or clock.today()
        if pause.paused_to is not None and pause.paused_to < paused_from:
            raise RuleViolation("paused_to is before paused_from.", code="invalid-pause")
        medication.status = MedicationStatus.paused
        medication.paused_from, medication.paused_to = paused_from, pause.paused_to

    return _change_medication(
        session, actor, cpr=cpr, medication_id=medication_id, declared=declared,
        expected_version=expected_version, change="paused", apply=apply,
    )  # fmt: skip


def resume_medication(
    session: Session,
    actor: Actor,
    *,
    cpr: str,
    medication_id: uuid.UUID,
    declared: DeclaredPurpose,
    expected_version: int | None,
) -> MedicationRead:
    def apply(_: Session, medication: Medication, now: datetime) -> None:
        _not_withdrawn(medication)
        if medication.status != MedicationStatus.paused:
            raise Conflict("Only a paused medication can be resumed.", code="medication-not-paused")
        medication.status = MedicationStatus.active
        medication.paused_from = medication.paused_to = None

    return _change_medication(
        session, actor, cpr=cpr, medication_id=medication_id, declared=declared,
        expected_version=expected_version, change="resumed", apply=apply,
    )  # fmt: skip


def withdraw_medication(
    session: Session,
    actor: Actor,
    *,
    cpr: str,
    medication_id: uuid.UUID,
    declared: DeclaredPurpose,
    expected_version: int | None,
    withdraw: MedicationWithdraw,
) -> MedicationRead:
    def apply(session: Session, medication: Medication, now: datetime) -> None:
        _not_withdrawn(medication)
        medication.status = MedicationStatus.withdrawn
        medication.withdrawal_reason = withdraw.reason
        medication.withdrawn_at = now
        medication.paused_from = medication.paused_to = None
        # As in PLL: withdrawing a treatment cancels what could still be dispensed from it.
        prescription_repository.cancel_open_prescriptions_of(
            session,
            medication.citizen_id,
            medication.id,
            reason=f"Medication withdrawn: {withdraw.reason}",
            at=now,
        )

    return _change_medication(
        session, actor, cpr=cpr, medication_id=medication_id, declared=declared,
        expected_version=expected_version, change="withdrawn", apply=apply,
    )  # fmt: skip


def mark_private(
    session: Session,
    actor: Actor,
    *,
    cpr: str,
    medication_id: uuid.UUID,
    declared: DeclaredPurpose,
    expected_version: int | None,
    private: bool,
) -> MedicationRead:
    def apply(_: Session, medication: Medication, now: datetime) -> None:
        if medication.private == private:
            raise Conflict(
                "The medication is already " + ("private." if private else "not private."),
                code="already-private" if private else "not-private",
            )
        if not private and medication.private_organisation_id != actor.organisation_id:
            raise AccessDenied(
                "Only the organisation that marked the medication private may unmark it.",
                code="not-marking-organisation",
            )
        medication.private = private
        medication.private_organisation_id = actor.organisation_id if private else None

    return _change_medication(
        session, actor, cpr=cpr, medication_id=medication_id, declared=declared,
        expected_version=expected_version,
        change="marked-private" if private else "unmarked-private", apply=apply,
        permission=Permission.medication_mark_private,
    )  # fmt: skip


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
        card = repository.lock_card(session, citizen.id)
        check_version(card.version, expected_version, "medication card")
        card.reviewed_at = clock.now()
        card.reviewed_by = actor.snapshot()
        card.version += 1
        session.flush()
        result = CardReviewRead(
            version=card.version, reviewed_at=card.reviewed_at, reviewed_by=person(actor.snapshot())
        )
    session.commit()
    return result
