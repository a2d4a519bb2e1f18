"""The card read: the whole card as one JSON document built by PostgreSQL in one statement."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from medrecord.models import OPEN_ORDER_STATUSES, current_status_sql
from medrecord.prescription.repository import effective_status_sql, medication_visible_sql

# The whole card in one statement and one round trip: the hot path of the service. Every
# sub-select filters by citizen_id first (shard key; primary and unique key prefixes).
# An open order is a claim: the statuses come from the model's one definition.
_OPEN_ORDER_STATUSES = ", ".join(f"'{status}'" for status in OPEN_ORDER_STATUSES)

# The rules it restates (private visibility, expiry) come from one SQL fragment each, shared
# with the prescription queries and pinned to the Python rules by a test; no client text is
# formatted in.
CARD_SQL = text(
    f"""
WITH meds AS (
    SELECT m.*, d.name AS drug_name, d.form AS drug_form, d.strength AS drug_strength,
           d.atc_code AS drug_atc_code, d.active_substances AS drug_active_substances,
           d.substitution_group AS drug_substitution_group,
           d.dispensing_group AS drug_dispensing_group
    FROM medication m JOIN drug d ON d.id = m.drug_id
    WHERE m.citizen_id = :citizen_id
      AND (:include_withdrawn OR m.status <> 'withdrawn')
      -- private items leave no trace for those who may not see them
      AND {medication_visible_sql("m")}
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
                                      'atc_code', m.drug_atc_code,
                                      'active_substances', m.drug_active_substances,
                                      'substitution_group', m.drug_substitution_group,
                                      'dispensing_group', m.drug_dispensing_group),
            'indication_code', m.indication_code, 'indication_text', m.indication_text,
            'route', m.route, 'dosage', m.dosage, 'dosage_derived', m.dosage_derived,
            'dosage_text', m.dosage_text,
            'substitution_allowed', m.substitution_allowed, 'start_date', m.start_date,
            'started_previously', m.started_previously, 'end_date', m.end_date,
            -- the dates decide what the status is today
            'status', {current_status_sql("m")},
            'paused_from', m.paused_from, 'paused_to', m.paused_to,
            'withdrawal_reason', m.withdrawal_reason, 'private', m.private,
            'modified_at', m.modified_at, 'modified_by', m.modified_by,
            'prescriptions', COALESCE((
                SELECT json_agg(json_build_object(
                    'id', p.id, 'drug_id', p.drug_id, 'package_number', p.package_number,
                    'package_quantity', p.package_quantity, 'iterations', p.iterations,
                    'unit', p.unit, 'prescribed_units', p.prescribed_units,
                    'remaining_units', p.prescribed_units - p.dispensed_units,
                    'iteration_interval', p.iteration_interval,
                    'iteration_interval_unit', p.iteration_interval_unit,
                    'supplementary_instructions', p.supplementary_instructions,
                    'valid_from', p.valid_from, 'valid_to', p.valid_to,
                    'cancellation_reason', p.cancellation_reason,
                    'invalid_reason', p.invalid_reason,
                    -- expiry is computed, never stored late
                    'status', {effective_status_sql("p")},
                    'claimed_by', (
                        SELECT json_build_object('order_id', o.id, 'pharmacy_id', o.pharmacy_id,
                                                 'pharmacy_name', org.name, 'status', o.status)
                        FROM pharmacy_order o JOIN organisation org ON org.id = o.pharmacy_id
                        WHERE o.citizen_id = p.citizen_id AND o.prescription_id = p.id
                          AND o.status IN ({_OPEN_ORDER_STATUSES})),
                    'prescriber', p.prescriber,
                    'latest_dispensing', (
                        SELECT json_build_object('id', x.id, 'dispensed_at', x.dispensed_at,
                                                 'pharmacy_id', x.pharmacy_id,
                                                 'units', x.units, 'status', x.status,
                                                 'lines', (
                            SELECT json_agg(json_build_object(
                                'package_number', l.package_number,
                                'package_quantity', l.package_quantity,
                                'units', l.units, 'substituted', l.substituted)
                                ORDER BY l.line_number)
                            FROM dispensing_line l
                            WHERE l.citizen_id = x.citizen_id AND l.dispensing_id = x.id))
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
"""  # noqa: S608
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
