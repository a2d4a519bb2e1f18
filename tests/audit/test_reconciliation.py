"""Audit completeness: a long mixed run of operations across all roles, reconciled request by
request against the audit log. Every request that touches a known citizen leaves exactly one
row with every mandatory field; a refusal that names no citizen (a bad token, an unknown CPR
number) leaves one row without a citizen; other requests that touch none leave none."""

from __future__ import annotations

import random
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from medrecord import clock
from medrecord.access.actor import Role
from medrecord.dosage.examples import daily
from medrecord.models import AuditEvent
from tests.support.factories import make_organisation
from tests.support.tokens import Tokens
from tests.support.world import World, build_world

OPERATIONS = 1100


@dataclass
class Op:
    name: str
    method: str
    url: str
    headers: dict[str, str]
    json: Any = None
    touches_citizen: bool = True
    audited: bool | None = None  # None: audited when it touches a citizen

    @property
    def leaves_row(self) -> bool:
        return self.touches_citizen if self.audited is None else self.audited


def operations(worlds: list[World], tokens: Tokens, er_id: str) -> list[Callable[[], Op]]:
    emergency = {
        "X-Access-Purpose": "emergency",
        "X-Access-Reason": "Acute admission, patient cannot answer",
    }

    def pick() -> World:
        return random.choice(worlds)

    def card(w: World) -> str:
        return f"/api/v1/citizens/{w.cpr}/medication-card"

    def gp_doctor(w: World) -> dict[str, str]:
        return w.headers(tokens, Role.doctor)

    def op_read_own_gp() -> Op:
        w = pick()
        return Op("card by GP doctor", "GET", card(w), gp_doctor(w))

    def op_read_other_gp() -> Op:
        w, other = random.sample(worlds, 2)
        return Op("card by unrelated doctor", "GET", card(w), gp_doctor(other))

    def op_emergency() -> Op:
        w = pick()
        return Op(
            "card in emergency",
            "GET",
            card(w),
            {**tokens.headers(role="doctor", org=er_id), **emergency},
        )

    def op_pharmacist(consent: bool) -> Callable[[], Op]:
        def make() -> Op:
            w = pick()
            extra = {"X-Access-Purpose": "consent"} if consent else {}
            return Op(
                f"card by pharmacist consent={consent}",
                "GET",
                card(w),
                {**w.headers(tokens, Role.pharmacist), **extra},
            )

        return make

    def op_citizen_own() -> Op:
        w = pick()
        return Op("own card", "GET", "/api/v1/me/medication-card", w.headers(tokens, Role.citizen))

    def op_citizen_other() -> Op:
        w, other = random.sample(worlds, 2)
        return Op("another's card", "GET", card(other), w.headers(tokens, Role.citizen))

    def op_create_medication() -> Op:
        w = pick()
        return Op(
            "create medication",
            "POST",
            f"/api/v1/citizens/{w.cpr}/medications",
            gp_doctor(w),
            {
                "drug_id": w.drug.id,
                "indication_text": "Pain",
                "start_date": "2026-11-01",
                "dosage": daily(morning=1),
            },
        )

    def op_stale_pause() -> Op:
        w = pick()
        return Op(
            "stale pause",
            "POST",
            f"/api/v1/citizens/{w.cpr}/medications/{w.medication.id}/pause",
            {**gp_doctor(w), "If-Match": '"99"'},
            {},
        )

    def op_list_prescriptions() -> Op:
        w = pick()
        return Op(
            "prescriptions by assistant",
            "GET",
            f"/api/v1/citizens/{w.cpr}/prescriptions",
            w.headers(tokens, Role.pharmacy_assistant),
        )

    def op_dispense() -> Op:
        w = pick()
        return Op(
            "dispense",
            "POST",
            f"/api/v1/citizens/{w.cpr}/prescriptions/{w.prescription.id}/dispensings",
            {**w.headers(tokens, Role.pharmacist), "Idempotency-Key": str(uuid.uuid4())},
            {},
        )

    def op_declare_relation() -> Op:
        w = pick()
        return Op(
            "declare relation",
            "POST",
            f"/api/v1/citizens/{w.cpr}/treatment-relations",
            w.headers(tokens, Role.nurse),
            {"kind": "outpatient", "valid_to": (clock.now() + timedelta(days=3)).isoformat()},
        )

    def op_admin_log() -> Op:
        w = pick()
        return Op(
            "access log by admin",
            "GET",
            f"/api/v1/citizens/{w.cpr}/access-log",
            w.headers(tokens, Role.admin),
        )

    def op_admin_card() -> Op:
        w = pick()
        return Op("card by admin", "GET", card(w), w.headers(tokens, Role.admin))

    def op_anonymous() -> Op:
        return Op("anonymous", "GET", card(pick()), {}, touches_citizen=False, audited=True)

    def op_unknown_citizen() -> Op:
        w = pick()
        return Op(
            "unknown citizen",
            "GET",
            "/api/v1/citizens/010101-0000/medication-card",
            gp_doctor(w),
            touches_citizen=False,
            audited=True,
        )

    def op_invalid_body() -> Op:
        w = pick()
        return Op(
            "invalid body",
            "POST",
            f"/api/v1/citizens/{w.cpr}/medications",
            gp_doctor(w),
            {"drug_id": w.drug.id},
            touches_citizen=False,
        )

    def op_drug_search() -> Op:
        w = pick()
        return Op(
            "drug search", "GET", "/api/v1/drugs?search=World", gp_doctor(w), touches_citizen=False
        )

    return [
        op_read_own_gp,
        op_read_other_gp,
        op_emergency,
        op_pharmacist(False),
        op_pharmacist(True),
        op_citizen_own,
        op_citizen_other,
        op_create_medication,
        op_stale_pause,
        op_list_prescriptions,
        op_dispense,
        op_declare_relation,
        op_admin_log,
        op_admin_card,
        op_anonymous,
        op_unknown_citizen,
        op_invalid_body,
        op_drug_search,
    ]


MANDATORY = (
    "occurred_at",
    "actor_subject",
    "actor_name",
    "actor_role",
    "citizen_id",
    "action",
    "resource_type",
    "purpose",
    "outcome",
    "request_id",
)


def test_audit_log_reconciles_with_a_mixed_run_of_1100_operations(
    client: TestClient, db: Session, tokens: Tokens
) -> None:
    random.seed(20261121)
    worlds = [build_world(db, unique=f"R{i}") for i in range(4)]
    er = make_organisation(db, kind="hospital", name="Akutmodtagelsen")
    makers = operations(worlds, tokens, er.id)
    sent: dict[str, tuple[Op, int]] = {}

    for i in range(OPERATIONS):
        op = random.choice(makers)()
        request_id = f"rec-{i}"
        response = client.request(
            op.method, op.url, json=op.json, headers={**op.headers, "X-Request-ID": request_id}
        )
        sent[request_id] = (op, response.status_code)

    rows = db.scalars(select(AuditEvent).where(AuditEvent.request_id.like("rec-%"))).all()
    per_request = Counter(r.request_id for r in rows)
    missing = [rid for rid, (op, _) in sent.items() if op.leaves_row and not per_request[rid]]
    duplicates = [rid for rid, n in per_request.items() if n > 1]
    unexpected = [rid for rid, (op, _) in sent.items() if not op.leaves_row and per_request[rid]]
    incomplete = [
        r.request_id
        for r in rows
        if any(
            getattr(r, f) is None
            for f in MANDATORY
            if f != "citizen_id" or sent[r.request_id][0].touches_citizen
        )
        or (r.actor_role not in ("citizen", "unauthenticated") and r.actor_organisation_id is None)
    ]
    by_id = {r.request_id: r for r in rows}
    wrong_outcome = [
        rid
        for rid, (op, status) in sent.items()
        if rid in by_id
        and by_id[rid].outcome
        != ("success" if status < 300 else "denied" if status in (401, 403, 429) else "failed")
    ]
    kinds = Counter(op.name for op, _ in sent.values())
    print(
        f"\naudit reconciliation: {len(sent)} requests ({len(kinds)} kinds), "
        f"{sum(op.touches_citizen for op, _ in sent.values())} touching a citizen, "
        f"{len(rows)} audit rows; missing {len(missing)}, duplicates {len(duplicates)}, "
        f"unexpected {len(unexpected)}, lacking a mandatory field {len(incomplete)}, "
        f"outcome mismatches {len(wrong_outcome)}"
    )
    assert len(sent) >= 1000
    assert min(kinds.values()) > 20
    assert (missing, duplicates, unexpected, incomplete, wrong_outcome) == ([], [], [], [], [])
    statuses = Counter(status for _, status in sent.values())
    assert {200, 201, 401, 403, 404, 412, 422} <= set(statuses)
