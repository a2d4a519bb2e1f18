"""The invariants, checked with SQL on the run's database after the clients stop. Each check
returns the violations it found, as sentences that name the object and the numbers.

The database is read as its owner (the URL the test was given), not through the service.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from sqlalchemy import Connection, text

from tests.invariants.ledger import VALIDATION_TYPE, Ack, Ledger

# Acknowledged writes that bump the card version by one (SPEC: any change on the card).
CARD_CHANGES = {
    "medication.create", "medication.replace", "medication.pause", "medication.resume",
    "medication.withdraw", "medication.mark-private", "medication.unmark-private",
    "prescription.create", "prescription.cancel", "order.create", "order.cancel",
    "dispensing.create", "dispensing.undo", "card.review",
}  # fmt: skip
MEDICATION_CHANGES = {a for a in CARD_CHANGES if a.startswith("medication.")}


def _rows(conn: Connection, sql: str, **params: Any) -> list[Any]:
    return list(conn.execute(text(sql), params))


def _unique_dispensings(ledger: Ledger) -> dict[str, Ack]:
    """Acknowledged dispensings by id (a retry answered by a replay acknowledges it again)."""
    return {a.facts["dispensing_id"]: a for a in ledger.acked("dispensing.create")}


def prescription_counters(conn: Connection, ids: list[str]) -> list[str]:
    """Dispensed ≤ prescribed, the counter equals its dispensings, status and version agree."""
    found = []
    for r in _rows(
        conn,
        """
        SELECT p.id, p.prescribed_units, p.dispensed_units, p.units_per_iteration, p.iterations,
               p.status, p.version,
               COALESCE(SUM(d.units), 0) AS all_units,
               COALESCE(SUM(d.units) FILTER (WHERE d.status = 'undone'), 0) AS undone_units,
               COALESCE(SUM(d.units) FILTER (WHERE d.status = 'completed'), 0) AS kept_units,
               COUNT(d.id) AS dispensings,
               COUNT(d.id) FILTER (WHERE d.status = 'undone') AS undos
        FROM prescription p
        LEFT JOIN dispensing d ON d.citizen_id = p.citizen_id AND d.prescription_id = p.id
        WHERE p.citizen_id = ANY(CAST(:ids AS uuid[]))
        GROUP BY p.citizen_id, p.id
        """,
        ids=ids,
    ):
        name = f"prescription {r.id}"
        remaining = r.prescribed_units - r.dispensed_units
        if not 0 <= r.dispensed_units <= r.prescribed_units:
            found.append(f"{name}: dispensed {r.dispensed_units} of {r.prescribed_units}")
        if r.dispensed_units != r.kept_units:
            found.append(
                f"{name}: counter says {r.dispensed_units} dispensed, its dispensings not undone"
                f" hold {r.kept_units}"
            )
        if remaining != r.prescribed_units - r.all_units + r.undone_units:
            found.append(
                f"{name}: remaining {remaining} != prescribed {r.prescribed_units} - dispensed"
                f" {r.all_units} + undone {r.undone_units}"
            )
        if r.prescribed_units != r.units_per_iteration * r.iterations:
            found.append(f"{name}: prescribed {r.prescribed_units} != iterations x per iteration")
        if r.status == "open" and remaining <= 0:
            found.append(f"{name}: open with nothing remaining")
        if remaining == 0 and r.status != "completed":
            found.append(f"{name}: nothing remains but its status is {r.status}")
        closed = 1 if r.status in ("cancelled", "invalid") else 0
        if r.version != 1 + r.dispensings + r.undos + closed:
            found.append(
                f"{name}: version {r.version}, but 1 + {r.dispensings} dispensings + {r.undos}"
                f" undos + {closed} closing = {1 + r.dispensings + r.undos + closed} (a gap or a"
                " lost change)"
            )
    return found


def dispensing_lines(conn: Connection, ids: list[str]) -> list[str]:
    """A dispensing holds what its lines hold; a line holds its packages."""
    return [
        f"dispensing {r.id}: {r.units} units, its {r.lines} lines hold {r.line_units}"
        + ("" if r.sized else " (a line's units are not package size x packages)")
        for r in _rows(
            conn,
            """
            SELECT d.id, d.units, COUNT(l.line_number) AS lines,
                   COALESCE(SUM(l.units), 0) AS line_units,
                   COALESCE(bool_and(l.units = pk.size * l.package_quantity), false) AS sized
            FROM dispensing d
            LEFT JOIN dispensing_line l ON l.citizen_id = d.citizen_id AND l.dispensing_id = d.id
            LEFT JOIN drug_package pk ON pk.package_number = l.package_number
            WHERE d.citizen_id = ANY(CAST(:ids AS uuid[]))
            GROUP BY d.citizen_id, d.id
            """,
            ids=ids,
        )
        if r.lines == 0 or r.units != r.line_units or not r.sized
    ]


def claims(conn: Connection, ids: list[str]) -> list[str]:
    """At most one open claim per prescription, and only on an open prescription."""
    return [
        f"prescription {r.id} ({r.status}) has {r.open_orders} open claims"
        for r in _rows(
            conn,
            """
            SELECT p.id, p.status, COUNT(o.id) AS open_orders
            FROM prescription p
            JOIN pharmacy_order o ON o.citizen_id = p.citizen_id AND o.prescription_id = p.id
            WHERE p.citizen_id = ANY(CAST(:ids AS uuid[])) AND o.status IN ('ordered', 'dispensing')
            GROUP BY p.citizen_id, p.id, p.status
            """,
            ids=ids,
        )
        if r.open_orders > 1 or r.status != "open"
    ]


def medication_versions(conn: Connection, ids: list[str]) -> list[str]:
    """Versions 1..n without gaps, the row at version n, times strictly increasing, and the
    row's content that of its last version."""
    found = []
    for r in _rows(
        conn,
        """
        SELECT m.id, m.version, m.status, m.indication_text, m.drug_id, m.private,
               array_agg(v.version ORDER BY v.version) AS versions,
               array_agg(v.changed_at ORDER BY v.version) AS times,
               array_agg(v.change ORDER BY v.version) AS changes,
               (array_agg(v.state ORDER BY v.version DESC))[1] AS last_state
        FROM medication m
        JOIN medication_version v ON v.citizen_id = m.citizen_id AND v.medication_id = m.id
        WHERE m.citizen_id = ANY(CAST(:ids AS uuid[]))
        GROUP BY m.citizen_id, m.id
        """,
        ids=ids,
    ):
        name = f"medication {r.id}"
        if list(r.versions) != list(range(1, r.version + 1)):
            found.append(f"{name}: at version {r.version}, version rows {list(r.versions)}")
        if r.changes[0] != "created":
            found.append(f"{name}: first version is {r.changes[0]}")
        if any(b <= a for a, b in zip(r.times, r.times[1:], strict=False)):
            found.append(f"{name}: versions not strictly increasing in time: {list(r.times)}")
        now = {"status": r.status, "indication_text": r.indication_text, "drug_id": r.drug_id,
               "private": r.private}  # fmt: skip
        if {k: r.last_state.get(k) for k in now} != now:
            found.append(f"{name}: row {now} differs from its last version {r.last_state}")
    return found


def _within(found: list[str], what: str, actual: int, acknowledged: int, unknown: int) -> None:
    if not acknowledged <= actual <= acknowledged + unknown:
        kind = "lost" if actual < acknowledged else "unacknowledged (phantom)"
        extra = f" (+ up to {unknown} without an answer)" if unknown else ""
        found.append(
            f"{what}: {actual} in the database, {acknowledged} acknowledged{extra}: {kind}"
        )


def acknowledged_writes(conn: Connection, ledger: Ledger, citizen_ids: dict[str, str]) -> list[str]:
    """Every acknowledged write is there with what the client sent, and nothing else is."""
    found: list[str] = []
    ids = list(citizen_ids.values())
    unknown_by: Counter[tuple[str, str | None]] = Counter((u.op, u.target) for u in ledger.unknown)
    unknown_of_citizen: Counter[tuple[str, str]] = Counter((u.op, u.cpr) for u in ledger.unknown)

    # Medications: each acknowledged version with its change and content; no other versions.
    versions = {
        (str(r.medication_id), r.version): r
        for r in _rows(
            conn,
            "SELECT medication_id, version, change, state FROM medication_version"
            " WHERE citizen_id = ANY(CAST(:ids AS uuid[]))",
            ids=ids,
        )
    }
    per_medication: Counter[str] = Counter()
    for a in ledger.acks:
        if a.op not in MEDICATION_CHANGES:
            continue
        key = (a.facts["medication_id"], a.facts["version"])
        per_medication[key[0]] += 1
        row = versions.get(key)
        expect = a.facts.get("expect") or {
            k: a.facts[k] for k in ("indication_text", "drug_id") if k in a.facts
        }
        if row is None:
            found.append(f"{a.op} acknowledged medication {key[0]} version {key[1]}: no such row")
        elif row.change != a.facts["change"] or any(
            row.state.get(k) != v for k, v in expect.items()
        ):
            found.append(
                f"{a.op} acknowledged medication {key[0]} version {key[1]} with {expect}"
                f" ({a.facts['change']}); the row is {row.change} with"
                f" { {k: row.state.get(k) for k in expect} }"
            )
    rows_per_medication = Counter(m for m, _ in versions)
    for medication_id, count in rows_per_medication.items():
        unknown = sum(unknown_by[(op, medication_id)] for op in MEDICATION_CHANGES)
        if not per_medication[medication_id]:  # created without an answer
            unknown += unknown_by[("medication.create", None)]
        _within(found, f"versions of medication {medication_id}", count,
                per_medication[medication_id], unknown)  # fmt: skip
    for cpr, citizen_id in citizen_ids.items():
        made = _rows(
            conn, "SELECT count(*) AS n FROM medication WHERE citizen_id = :c", c=citizen_id
        )
        acked = sum(a.cpr == cpr for a in ledger.acked("medication.create"))
        _within(found, f"medications of {cpr}", made[0].n, acked,
                unknown_of_citizen[("medication.create", cpr)])  # fmt: skip

    found += _prescriptions_present(conn, ledger, citizen_ids, unknown_by, unknown_of_citizen)
    found += _dispensings_present(conn, ledger, ids, unknown_by)
    return found


def _prescriptions_present(
    conn: Connection,
    ledger: Ledger,
    citizen_ids: dict[str, str],
    unknown_by: Counter[tuple[str, str | None]],
    unknown_of_citizen: Counter[tuple[str, str]],
) -> list[str]:
    found: list[str] = []
    ids = list(citizen_ids.values())
    rows = {
        str(r.id): r
        for r in _rows(
            conn,
            "SELECT id, citizen_id, medication_id, package_number, package_quantity, iterations,"
            " iteration_interval, supplementary_instructions, prescribed_units, status"
            " FROM prescription WHERE citizen_id = ANY(CAST(:ids AS uuid[]))",
            ids=ids,
        )
    }
    for a in ledger.acked("prescription.create"):
        row, sent = rows.get(a.facts["prescription_id"]), a.facts["sent"]
        if row is None:
            found.append(f"acknowledged prescription {a.facts['prescription_id']}: no such row")
            continue
        stored = (str(row.medication_id), row.package_number, row.package_quantity,
                  row.iterations, row.supplementary_instructions, row.prescribed_units)  # fmt: skip
        wanted = (sent["medication_id"], sent["package_number"], sent["package_quantity"],
                  sent["iterations"], sent["supplementary_instructions"],
                  a.facts["prescribed_units"])  # fmt: skip
        if stored != wanted:
            found.append(f"prescription {row.id}: stored {stored}, acknowledged {wanted}")
    for a in ledger.acked("prescription.cancel"):
        row = rows.get(a.facts["prescription_id"])
        if row is None or row.status != "cancelled":
            found.append(
                f"cancel of {a.facts['prescription_id']} acknowledged; it is {row and row.status}"
            )
    for cpr, citizen_id in citizen_ids.items():
        count = sum(str(r.citizen_id) == citizen_id for r in rows.values())
        acked = sum(a.cpr == cpr for a in ledger.acked("prescription.create"))
        _within(found, f"prescriptions of {cpr}", count, acked,
                unknown_of_citizen[("prescription.create", cpr)])  # fmt: skip

    orders = {
        str(r.id): r
        for r in _rows(
            conn,
            "SELECT id, prescription_id, pharmacy_id, status FROM pharmacy_order"
            " WHERE citizen_id = ANY(CAST(:ids AS uuid[]))",
            ids=ids,
        )
    }
    for a in ledger.acked("order.create"):
        row = orders.get(a.facts["order_id"])
        if row is None or (str(row.prescription_id), row.pharmacy_id) != (
            a.facts["prescription_id"],
            a.facts["pharmacy_id"],
        ):
            found.append(f"acknowledged claim {a.facts}: stored {row and row._asdict()}")
    for a in ledger.acked("order.cancel"):
        row = orders.get(a.facts["order_id"])
        if row is None or row.status != "cancelled":
            found.append(
                f"release of claim {a.facts['order_id']} (pharmacy {row and row.pharmacy_id},"
                f" prescription {a.facts['prescription_id']}) was acknowledged, but the claim"
                f" is now {row and row.status!r}: a lost update"
            )
    claims_per_rx = Counter(str(o.prescription_id) for o in orders.values())
    acked_claims = Counter(a.facts["prescription_id"] for a in ledger.acked("order.create"))
    for rx_id in set(claims_per_rx) | set(acked_claims):
        _within(found, f"claims of prescription {rx_id}", claims_per_rx[rx_id],
                acked_claims[rx_id], unknown_by[("order.create", rx_id)])  # fmt: skip
    return found


def _dispensings_present(
    conn: Connection, ledger: Ledger, ids: list[str], unknown_by: Counter[tuple[str, str | None]]
) -> list[str]:
    found: list[str] = []
    lines: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for r in _rows(
        conn,
        "SELECT dispensing_id, package_number, package_quantity FROM dispensing_line"
        " WHERE citizen_id = ANY(CAST(:ids AS uuid[])) ORDER BY dispensing_id, line_number",
        ids=ids,
    ):
        lines[str(r.dispensing_id)].append((r.package_number, r.package_quantity))
    rows = {
        str(r.id): r
        for r in _rows(
            conn,
            "SELECT id, prescription_id, pharmacy_id, units, status FROM dispensing"
            " WHERE citizen_id = ANY(CAST(:ids AS uuid[]))",
            ids=ids,
        )
    }
    acked = _unique_dispensings(ledger)
    for dispensing_id, a in acked.items():
        row = rows.get(dispensing_id)
        if row is None:
            found.append(f"acknowledged dispensing {dispensing_id}: no such row (a lost write)")
            continue
        stored = (str(row.prescription_id), row.pharmacy_id, row.units, lines[dispensing_id])
        wanted = (a.facts["prescription_id"], a.facts["pharmacy_id"], a.facts["units"],
                  [tuple(x) for x in a.facts["lines"]])  # fmt: skip
        if stored != wanted:
            found.append(f"dispensing {dispensing_id}: stored {stored}, acknowledged {wanted}")
    undone_acked = {a.facts["dispensing_id"] for a in ledger.acked("dispensing.undo")}
    for dispensing_id in undone_acked:
        row = rows.get(dispensing_id)
        if row is None or row.status != "undone":
            found.append(
                f"undo of dispensing {dispensing_id} acknowledged; it is {row and row.status}"
            )
    if len(ledger.acked("dispensing.undo")) != len(undone_acked):
        found.append("a dispensing was undone twice (two undos acknowledged)")
    per_rx: Counter[str] = Counter(str(r.prescription_id) for r in rows.values())
    acked_per_rx = Counter(a.facts["prescription_id"] for a in acked.values())
    for rx_id in set(per_rx) | set(acked_per_rx):
        _within(found, f"dispensings of prescription {rx_id}", per_rx[rx_id],
                acked_per_rx[rx_id], unknown_by[("dispensing.create", rx_id)])  # fmt: skip
    undone = {d for d, r in rows.items() if r.status == "undone"}
    unknown_undos = {u.target for u in ledger.unknown if u.op == "dispensing.undo"}
    for d in sorted(undone - undone_acked - unknown_undos):
        found.append(f"dispensing {d} is undone, but no undo of it was acknowledged (a phantom)")
    return found


def card_versions(conn: Connection, ledger: Ledger, citizen_ids: dict[str, str]) -> list[str]:
    """The card version is 1 + the acknowledged changes on the card: no gaps, none lost."""
    found: list[str] = []
    dispensings = _unique_dispensings(ledger)
    bumps: Counter[str] = Counter(
        a.cpr for a in ledger.acks if a.op in CARD_CHANGES and a.op != "dispensing.create"
    )
    bumps.update(a.cpr for a in dispensings.values())
    unknown: Counter[str] = Counter(u.cpr for u in ledger.unknown if u.op in CARD_CHANGES)
    for r in _rows(
        conn,
        "SELECT c.cpr, k.version FROM medication_card k JOIN citizen c ON c.id = k.citizen_id"
        " WHERE k.citizen_id = ANY(CAST(:ids AS uuid[]))",
        ids=list(citizen_ids.values()),
    ):
        _within(found, f"card versions of {r.cpr} after the first", r.version - 1,
                bumps[r.cpr], unknown[r.cpr])  # fmt: skip
    return found


def audit_rows(conn: Connection, ledger: Ledger, citizen_ids: dict[str, str]) -> list[str]:
    """One audit row per request that named a citizen, refused ones included, for that
    citizen, with the outcome the client saw; none for requests never sent."""
    found: list[str] = []
    rows: dict[str, list[Any]] = defaultdict(list)
    for r in _rows(
        conn,
        "SELECT request_id, citizen_id, outcome, action FROM audit_event"
        " WHERE request_id LIKE :prefix",
        prefix=f"{ledger.run_tag}-%",
    ):
        rows[r.request_id].append(r)
    sent_ids = {s.request_id for s in ledger.sent}
    for s in ledger.sent:
        if s.cpr is None:
            continue
        got = rows.get(s.request_id, [])
        if s.status is None or s.status == 503:
            if len(got) > 1:
                found.append(f"{s.op} {s.request_id} ({s.status}): {len(got)} audit rows")
            continue
        if s.problem == VALIDATION_TYPE:
            found.append(f"{s.op} {s.request_id}: the test sent an invalid request (422)")
            continue
        if len(got) != 1:
            found.append(
                f"{s.op} {s.request_id} → {s.status} {s.problem or ''}: {len(got)} audit rows"
            )
            continue
        row = got[0]
        if str(row.citizen_id) != citizen_ids[s.cpr]:
            found.append(f"{s.op} {s.request_id}: audit row names citizen {row.citizen_id}")
        if (row.outcome == "success") != (200 <= s.status < 300):
            found.append(f"{s.op} {s.request_id} → {s.status}: audit outcome {row.outcome}")
    for request_id in sorted(set(rows) - sent_ids):
        found.append(f"audit rows for request {request_id}, which no client sent")
    return found


def all_violations(
    conn: Connection, ledger: Ledger, citizen_ids: dict[str, str]
) -> dict[str, list[str]]:
    ids = list(citizen_ids.values())
    return {
        "during the run": list(ledger.violations),
        "prescription counters": prescription_counters(conn, ids),
        "dispensing lines": dispensing_lines(conn, ids),
        "claims": claims(conn, ids),
        "medication versions": medication_versions(conn, ids),
        "acknowledged writes": acknowledged_writes(conn, ledger, citizen_ids),
        "card versions": card_versions(conn, ledger, citizen_ids),
        "audit rows": audit_rows(conn, ledger, citizen_ids),
    }
