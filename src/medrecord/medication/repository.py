from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from medrecord.models import (
    Drug,
    Medication,
    MedicationCard,
    MedicationVersion,
)

# The whole card in one statement and one round trip: the hot path of the service. Every
# sub-select filters by citizen_id first (shard key; primary and unique key prefixes).
CARD_SQL = text(
    """
WITH meds AS (
    SELECT m.*, d.name AS drug_name, d.form AS drug_form, d.strength AS drug_strength,
           d.atc_code AS drug_atc_code
    FROM medication m JOIN drug d ON d.id = m.drug_id
    WHERE m.citizen_id = :citizen_id
      AND (:include_withdrawn OR m.status <> 'withdrawn')
      -- private items leave no trace for those who may not see them
      AND (:sees_all_private OR NOT m.private OR m.private_organisation_id = :organisation_id)
)
SELECT json_build_object(
    'version', c.version,
    'reviewed_at', c.reviewed_at,
    'reviewed_by', c.reviewed_by,
    'medications', COALESCE((
        SELECT json_agg(json_build_object(
            'id', m.id, 'version', m.version,
            'drug', json_build_object('id', m.drug_id, 'name', m.drug_name,
                                      'form', m.drug_form, 'strength', m.drug_strength,
                                      'atc_code', m.drug_atc_code),
            'indication_code', m.indication_code, 'indication_text', m.indication_text,
            'route', m.route, 'dosage', m.dosage, 'dosage_text', m.dosage_text,
            'substitution_allowed', m.substitution_allowed, 'start_date', m.start_date,
            'started_previously', m.started_previously, 'end_date', m.end_date,
            'status', m.status, 'paused_from', m.paused_from, 'paused_to', m.paused_to,
            'withdrawal_reason', m.withdrawal_reason, 'private', m.private,
            'modified_at', m.modified_at, 'modified_by', m.modified_by,
            'prescriptions', COALESCE((
                SELECT json_agg(json_build_object(
                    'id', p.id, 'drug_id', p.drug_id, 'package_number', p.package_number,
                    'package_quantity', p.package_quantity, 'iterations', p.iterations,
                    'remaining_iterations', p.iterations - p.dispensed_iterations,
                    'remaining_packages',
                        (p.iterations - p.dispensed_iterations) * p.package_quantity,
                    'iteration_interval_days', p.iteration_interval_days,
                    'valid_from', p.valid_from, 'valid_to', p.valid_to,
                    -- expiry is computed, never stored late
                    'status', CASE WHEN p.status = 'open' AND p.valid_to < :today
                                   THEN 'expired' ELSE p.status END,
                    'claimed_by', (
                        SELECT json_build_object('order_id', o.id, 'pharmacy_id', o.pharmacy_id,
                                                 'pharmacy_name', org.name, 'status', o.status)
                        FROM pharmacy_order o JOIN organisation org ON org.id = o.pharmacy_id
                        WHERE o.citizen_id = p.citizen_id AND o.prescription_id = p.id
                          AND o.status IN ('ordered', 'dispensing')),
                    'prescriber', p.prescriber,
                    'latest_dispensing', (
                        SELECT json_build_object('id', x.id, 'dispensed_at', x.dispensed_at,
                                                 'pharmacy_id', x.pharmacy_id,
                                                 'package_number', x.package_number,
                                                 'package_quantity', x.package_quantity,
                                                 'substituted', x.substituted,
                                                 'status', x.status)
                        FROM dispensing x
                        WHERE x.citizen_id = p.citizen_id AND x.prescription_id = p.id
                          AND x.status = 'completed'
                        ORDER BY x.dispensed_at DESC LIMIT 1)
                ) ORDER BY p.created_at, p.id)
                FROM prescription p
                WHERE p.citizen_id = m.citizen_id AND p.medication_id = m.id
            ), '[]'::json)
        ) ORDER BY m.created_at, m.id)
        FROM meds m
    ), '[]'::json)
)
FROM medication_card c
WHERE c.citizen_id = :citizen_id
"""
)


def card_document(
    session: Session,
    citizen_id: uuid.UUID,
    *,
    include_withdrawn: bool,
    sees_all_private: bool,
    organisation_id: str | None,
    today: date,
) -> dict[str, Any]:
    """The card (without the citizen) as a JSON document shaped like MedicationCardRead."""
    document: dict[str, Any] = session.execute(
        CARD_SQL,
        {
            "citizen_id": citizen_id,
            "include_withdrawn": include_withdrawn,
            "sees_all_private": sees_all_private,
            "organisation_id": organisation_id,
            "today": today,
        },
    ).scalar_one()
    return document


def lock_card(session: Session, citizen_id: uuid.UUID) -> MedicationCard:
    """The card row, locked: card writes are serialised per citizen."""
    return session.execute(
        select(MedicationCard).where(MedicationCard.citizen_id == citizen_id).with_for_update()
    ).scalar_one()


def bump_card_version(session: Session, citizen_id: uuid.UUID) -> int:
    return session.execute(
        update(MedicationCard)
        .where(MedicationCard.citizen_id == citizen_id)
        .values(version=MedicationCard.version + 1)
        .returning(MedicationCard.version)
    ).scalar_one()


def get_medication(
    session: Session, citizen_id: uuid.UUID, medication_id: uuid.UUID, *, lock: bool = False
) -> tuple[Medication, Drug] | None:
    stmt = (
        select(Medication, Drug)
        .join(Drug, Drug.id == Medication.drug_id)
        .where(Medication.citizen_id == citizen_id, Medication.id == medication_id)
    )
    if lock:
        stmt = stmt.with_for_update(of=Medication)
    row = session.execute(stmt).first()
    return None if row is None else (row[0], row[1])


def get_drug(session: Session, drug_id: str) -> Drug | None:
    return session.get(Drug, drug_id)


def state_of(m: Medication) -> dict[str, Any]:
    """The medication's clinical content, as kept in each version row."""
    return {
        "drug_id": m.drug_id,
        "indication_code": m.indication_code,
        "indication_text": m.indication_text,
        "route": m.route,
        "dosage": m.dosage,
        "dosage_text": m.dosage_text,
        "substitution_allowed": m.substitution_allowed,
        "start_date": m.start_date.isoformat() if m.start_date else None,
        "started_previously": m.started_previously,
        "end_date": m.end_date.isoformat() if m.end_date else None,
        "status": m.status,
        "paused_from": m.paused_from.isoformat() if m.paused_from else None,
        "paused_to": m.paused_to.isoformat() if m.paused_to else None,
        "withdrawal_reason": m.withdrawal_reason,
        "private": m.private,
    }


def add_version(
    session: Session, medication: Medication, *, change: str, by: dict[str, Any], at: datetime
) -> None:
    session.add(
        MedicationVersion(
            citizen_id=medication.citizen_id,
            medication_id=medication.id,
            version=medication.version,
            change=change,
            state=state_of(medication),
            changed_by=by,
            changed_at=at,
        )
    )


def list_versions(
    session: Session, citizen_id: uuid.UUID, medication_id: uuid.UUID
) -> Sequence[MedicationVersion]:
    return session.scalars(
        select(MedicationVersion)
        .where(
            MedicationVersion.citizen_id == citizen_id,
            MedicationVersion.medication_id == medication_id,
        )
        .order_by(MedicationVersion.version)
    ).all()
