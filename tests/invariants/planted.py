"""Defects planted in a finished run's database, one of each kind the checks look for, so
that a test can show the checks find them (a check that cannot fail proves nothing). The
caller rolls the transaction back."""

from __future__ import annotations

from sqlalchemy import Connection, text

from tests.invariants.ledger import Ledger


def plant(conn: Connection, ledger: Ledger, citizen_ids: list[str]) -> dict[str, str]:
    """Plant the defects; returns, per check (the keys of ``checks.all_violations``), what
    was planted there."""
    ids = {"ids": citizen_ids}

    def one(sql: str, **params: object) -> str:
        row = conn.execute(text(sql), ids | params).first()
        assert row is not None, f"nothing to plant a defect in: {sql}"
        return str(row[0])

    dispensed = one(
        "SELECT id FROM prescription WHERE citizen_id = ANY(CAST(:ids AS uuid[]))"
        " AND dispensed_units > 0 LIMIT 1"
    )
    conn.execute(
        text("UPDATE prescription SET dispensed_units = dispensed_units - 1 WHERE id = :id"),
        {"id": dispensed},
    )
    line = one(
        "SELECT dispensing_id FROM dispensing_line WHERE citizen_id = ANY(CAST(:ids AS uuid[]))"
        " AND line_number = 1 LIMIT 1"
    )
    conn.execute(
        text("UPDATE dispensing_line SET units = units + 1 WHERE dispensing_id = :id"),
        {"id": line},
    )
    reopened = one(
        "SELECT o.id FROM pharmacy_order o JOIN prescription p"
        " ON p.citizen_id = o.citizen_id AND p.id = o.prescription_id"
        " WHERE o.citizen_id = ANY(CAST(:ids AS uuid[])) AND o.status = 'cancelled'"
        " AND p.status <> 'open' AND NOT EXISTS (SELECT 1 FROM pharmacy_order x"
        "  WHERE x.prescription_id = o.prescription_id AND x.status IN ('ordered', 'dispensing'))"
        " LIMIT 1"
    )
    conn.execute(
        text("UPDATE pharmacy_order SET status = 'ordered' WHERE id = :id"), {"id": reopened}
    )
    gap = one(
        "SELECT medication_id FROM medication_version WHERE citizen_id = ANY(CAST(:ids AS uuid[]))"
        " AND version = 2 LIMIT 1"
    )
    conn.execute(
        text("DELETE FROM medication_version WHERE medication_id = :id AND version = 2"),
        {"id": gap},
    )
    acked = [a.facts["dispensing_id"] for a in ledger.acked("dispensing.create")]
    lost = one(
        "SELECT id FROM dispensing WHERE id = ANY(CAST(:acked AS uuid[])) AND id <> :line"
        " AND status = 'completed' LIMIT 1",
        acked=acked,
        line=line,
    )
    conn.execute(text("DELETE FROM dispensing_line WHERE dispensing_id = :id"), {"id": lost})
    conn.execute(text("DELETE FROM dispensing WHERE id = :id"), {"id": lost})
    audited = next(s for s in ledger.sent if s.cpr and s.status == 200)
    conn.execute(
        text(
            "INSERT INTO audit_event (id, occurred_at, actor_subject, actor_name, actor_role,"
            " actor_organisation_id, citizen_id, action, resource_type, resource_id, purpose,"
            " reason, outcome, request_id)"
            " SELECT gen_random_uuid(), occurred_at, actor_subject, actor_name, actor_role,"
            " actor_organisation_id, citizen_id, action, resource_type, resource_id, purpose,"
            " reason, outcome, request_id FROM audit_event WHERE request_id = :rid"
        ),
        {"rid": audited.request_id},
    )
    card = citizen_ids[0]
    conn.execute(
        text("UPDATE medication_card SET version = version + 1 WHERE citizen_id = :id"),
        {"id": card},
    )
    return {
        "card versions": f"card of citizen {card}: a version no change made",
        "prescription counters": f"prescription {dispensed}: one unit less counted",
        "dispensing lines": f"dispensing {line}: a line one unit larger",
        "claims": f"claim {reopened} reopened on a closed prescription",
        "medication versions": f"medication {gap}: version 2 deleted",
        "acknowledged writes": f"dispensing {lost} deleted",
        "audit rows": f"request {audited.request_id}: a second audit row",
    }
