"""Medication use cases: each opens with the guard, applies the rules, audits, commits once."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session

from medrecord import clock, idempotency
from medrecord.access.actor import Actor
from medrecord.access.permissions import Permission
from medrecord.access.policy import Access, DeclaredPurpose, sees_private_item
from medrecord.access.schemas import PersonRef
from medrecord.citizen import repository as citizen_repository
from medrecord.dosage import rules as dosage_rules
from medrecord.dosage.derive import derive, display_text
from medrecord.drug import repository as drug_repository
from medrecord.drug.schemas import DrugSummary
from medrecord.errors import raise_if
from medrecord.guard import guarded
from medrecord.medication import repository, rules, warnings
from medrecord.medication.schemas import (
    MedicationPause,
    MedicationRead,
    MedicationVersionRead,
    MedicationWithdraw,
    MedicationWrite,
)
from medrecord.medication.warnings import MedicationWarning
from medrecord.models import Citizen, Drug, Medication, MedicationStatus, PrescriptionStatus
from medrecord.prescription import repository as prescription_repository
from medrecord.problems import MedicationNotFound, UnknownDrug
from medrecord.versioning import check_version


def medication_read(m: Medication, drug: Drug) -> MedicationRead:
    return MedicationRead(
        id=m.id,
        version=m.version,
        drug=DrugSummary.model_validate(drug),
        indication_code=m.indication_code,
        indication_text=m.indication_text,
        route=m.route,
        dosage=m.dosage,
        dosage_derived=m.dosage_derived,
        dosage_text=m.dosage_text,
        substitution_allowed=m.substitution_allowed,
        start_date=m.start_date,
        started_previously=m.started_previously,
        end_date=m.end_date,
        status=m.status_on(clock.today()),
        paused_from=m.paused_from,
        paused_to=m.paused_to,
        withdrawal_reason=m.withdrawal_reason,
        withdrawn_at=m.withdrawn_at,
        private=m.private,
        created_at=m.created_at,
        created_by=PersonRef.of(m.created_by),
        modified_at=m.modified_at,
        modified_by=PersonRef.of(m.modified_by),
    )


# --- writes ------------------------------------------------------------------------------


def _warnings(
    session: Session, actor: Actor, access: Access, medication: Medication, drug: Drug
) -> list[MedicationWarning]:
    """What this medication duplicates among those the caller may see on the card."""
    today = clock.today()
    others = [
        (m.id, warnings.facts(d), m.status_on(today))
        for m, d in repository.in_use_with_drugs(session, medication.citizen_id)
        if m.id != medication.id
        and sees_private_item(
            access,
            organisation_id=actor.organisation_id,
            private=m.private,
            marked_by=m.private_organisation_id,
        )
    ]
    return warnings.duplicate_warnings(warnings.facts(drug), others)


def _apply(medication: Medication, write: MedicationWrite, drug: Drug) -> None:
    # Whole replacement, as FMK: what the prescriber leaves out is cleared.
    raise_if(
        dosage_rules.dosage_problem(
            write.dosage, units=drug.dosage_units, start=write.start_date, end=write.end_date
        )
    )
    derived = derive(write.dosage, start=write.start_date)
    medication.drug_id = write.drug_id
    medication.indication_code = write.indication_code
    medication.indication_text = write.indication_text
    medication.route = write.route
    medication.dosage = write.dosage.model_dump(mode="json", exclude_none=True)
    medication.dosage_derived = derived.model_dump(mode="json", exclude_none=True)
    medication.dosage_text = display_text(derived)
    medication.substitution_allowed = write.substitution_allowed
    medication.start_date = write.start_date
    medication.started_previously = write.started_previously
    medication.end_date = write.end_date


def _require_drug(session: Session, drug_id: str) -> Drug:
    drug = drug_repository.get_drug(session, drug_id)
    if drug is None:
        raise UnknownDrug()
    return drug


def create_medication(
    session: Session,
    actor: Actor,
    *,
    cpr: str,
    declared: DeclaredPurpose,
    write: MedicationWrite,
    expected_card_version: int | None = None,
    idempotency_key: str | None = None,
) -> MedicationRead:
    """Add a medication to the card. With an Idempotency-Key, a retry (the answer was lost
    to a broken connection or a 503) gets the first answer instead of a second medication."""
    with guarded(
        session,
        actor,
        cpr=cpr,
        declared=declared,
        permission=Permission.medication_write,
        action="medication.create",
        resource_type="medication",
    ) as (citizen, access, entry):
        record, first = idempotency.begin(
            session,
            citizen_id=citizen.id,
            subject=actor.subject,
            key=idempotency_key,
            request={
                "operation": "medication.create",
                "if_match": expected_card_version,
                "body": write.model_dump(mode="json"),
            },
            now=clock.now(),
        )
        if first is not None:
            result = MedicationRead.model_validate(first)
            entry.action = "medication.replay"
        else:
            result = _create(session, actor, access, citizen.id, write, expected_card_version)
            idempotency.answered(record, 201, result.model_dump(mode="json"))
        entry.resource_id = result.id
    session.commit()
    return result


def _create(
    session: Session,
    actor: Actor,
    access: Access,
    citizen_id: uuid.UUID,
    write: MedicationWrite,
    expected_card_version: int | None,
) -> MedicationRead:
    card = citizen_repository.lock_card(session, citizen_id)
    if expected_card_version is not None:
        check_version(card.version, expected_card_version, "medication card")
    drug = _require_drug(session, write.drug_id)
    now = clock.now()
    medication = Medication(
        id=uuid.uuid4(),
        citizen_id=citizen_id,
        status=MedicationStatus.active,
        private=False,
        version=1,
        created_by=actor.snapshot(),
        modified_by=actor.snapshot(),
        created_at=now,
        modified_at=now,
    )
    _apply(medication, write, drug)
    repository.add(session, medication)
    repository.add_version(session, medication, change="created", by=actor.snapshot(), at=now)
    citizen_repository.bump_card_version(session, citizen_id)
    result = medication_read(medication, drug)
    result.warnings = _warnings(session, actor, access, medication, drug)
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
                changed_by=PersonRef.of(v.changed_by),
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
    if found is None or not sees_private_item(
        access,
        organisation_id=actor.organisation_id,
        private=found[0].private,
        marked_by=found[0].private_organisation_id,
    ):
        raise MedicationNotFound()
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
    warn: bool = False,
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
        citizen_repository.bump_card_version(session, citizen.id)
        if medication.drug_id != drug.id:
            drug = _require_drug(session, medication.drug_id)
        result = medication_read(medication, drug)
        if warn:
            result.warnings = _warnings(session, actor, access, medication, drug)
    session.commit()
    return result


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
    invalidated: list[uuid.UUID] = []

    def apply(session: Session, medication: Medication, now: datetime) -> None:
        raise_if(rules.change_problem(medication.status))
        drug = _require_drug(session, write.drug_id)
        if drug.id != medication.drug_id:
            # A prescription names its drug: another drug needs a new prescription (SPEC §2).
            before = _require_drug(session, medication.drug_id)
            invalidated.extend(
                prescription_repository.close_open_prescriptions_of(
                    session,
                    medication.citizen_id,
                    medication.id,
                    status=PrescriptionStatus.invalid,
                    reason=f"The medication changed drug from {before.name} {before.strength}"
                    f" to {drug.name} {drug.strength}; prescribe the new drug.",
                    at=now,
                )
            )
        _apply(medication, write, drug)

    result = _change_medication(
        session, actor, cpr=cpr, medication_id=medication_id, declared=declared,
        expected_version=expected_version, change="updated", apply=apply, warn=True,
    )  # fmt: skip
    return result.model_copy(update={"invalidated_prescriptions": invalidated})


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
        today = clock.today()
        paused_from = pause.paused_from or today
        raise_if(
            rules.pause_problem(
                medication.status_on(today), paused_from=paused_from, paused_to=pause.paused_to
            )
        )
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
        raise_if(rules.resume_problem(medication.status))
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
        raise_if(rules.change_problem(medication.status))
        medication.status = MedicationStatus.withdrawn
        medication.withdrawal_reason = withdraw.reason
        medication.withdrawn_at = now
        medication.paused_from = medication.paused_to = None
        # As in PLL: withdrawing a treatment cancels what could still be dispensed from it.
        prescription_repository.close_open_prescriptions_of(
            session,
            medication.citizen_id,
            medication.id,
            status=PrescriptionStatus.cancelled,
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
        raise_if(
            rules.private_marking_problem(
                private=medication.private,
                wanted=private,
                marked_by=medication.private_organisation_id,
                organisation_id=actor.organisation_id,
            )
        )
        medication.private = private
        medication.private_organisation_id = actor.organisation_id if private else None

    return _change_medication(
        session, actor, cpr=cpr, medication_id=medication_id, declared=declared,
        expected_version=expected_version,
        change="marked-private" if private else "unmarked-private", apply=apply,
        permission=Permission.medication_mark_private,
    )  # fmt: skip
