"""Every API route called as every role, expectations generated from the permission table.

Anonymous → 401; a role the table does not allow → 403; an allowed role (with a relation,
consent or its own data as the table's scope demands) → 2xx. A route without a declared
permission, or without a scenario here, fails the suite.
"""

from __future__ import annotations

import itertools
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from medrecord import clock
from medrecord.access.actor import Role
from medrecord.access.permissions import Permission, Scope, scope_of
from medrecord.config import Settings
from medrecord.dosage.examples import daily
from medrecord.http import AUTHENTICATED
from medrecord.main import create_app
from medrecord.models import AuditEvent
from tests.support.factories import random_cpr
from tests.support.http import etag
from tests.support.queries import card_version
from tests.support.tokens import Tokens
from tests.support.world import World

_ids = itertools.count(1)


@dataclass
class Call:
    url: str
    json: Any = None
    headers: dict[str, str] = field(default_factory=dict)


Scenario = Callable[[World, Role | None, Session], Call]


def med(w: World, suffix: str = "") -> str:
    return f"/api/v1/citizens/{w.cpr}/medications/{w.medication.id}{suffix}"


def medication_json(w: World) -> dict[str, Any]:
    return {
        "drug_id": w.drug.id,
        "indication_text": "Pain",
        "start_date": "2026-11-01",
        "dosage": daily(morning=1),
    }


def relation_json(w: World, role: Role | None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": "admitted",
        "valid_to": (clock.now() + timedelta(days=5)).isoformat(),
    }
    if role is Role.admin:
        body["organisation_id"] = w.hospital.id
    return body


SCENARIOS: dict[tuple[str, str], Scenario] = {
    ("GET", "/api/v1/citizens/{cpr}/medication-card"): lambda w, r, db: Call(
        f"/api/v1/citizens/{w.cpr}/medication-card"
    ),
    ("POST", "/api/v1/citizens/{cpr}/medication-card/review"): lambda w, r, db: Call(
        f"/api/v1/citizens/{w.cpr}/medication-card/review",
        headers=etag(card_version(db, w.citizen)),
    ),
    ("POST", "/api/v1/citizens/{cpr}/medications"): lambda w, r, db: Call(
        f"/api/v1/citizens/{w.cpr}/medications", medication_json(w)
    ),
    ("GET", "/api/v1/citizens/{cpr}/medications/{medication_id}"): lambda w, r, db: Call(med(w)),
    ("PUT", "/api/v1/citizens/{cpr}/medications/{medication_id}"): lambda w, r, db: Call(
        med(w), medication_json(w), etag(1)
    ),
    ("POST", "/api/v1/citizens/{cpr}/medications/{medication_id}/pause"): lambda w, r, db: Call(
        med(w, "/pause"), {}, etag(1)
    ),
    ("POST", "/api/v1/citizens/{cpr}/medications/{medication_id}/resume"): lambda w, r, db: Call(
        f"/api/v1/citizens/{w.cpr}/medications/{w.paused.id}/resume", None, etag(1)
    ),
    ("POST", "/api/v1/citizens/{cpr}/medications/{medication_id}/withdraw"): lambda w, r, db: Call(
        med(w, "/withdraw"), {"reason": "Stopped"}, etag(1)
    ),
    ("POST", "/api/v1/citizens/{cpr}/medications/{medication_id}/mark-private"): lambda w, r, db: (
        Call(med(w, "/mark-private"), None, etag(1))
    ),
    (
        "POST",
        "/api/v1/citizens/{cpr}/medications/{medication_id}/unmark-private",
    ): lambda w, r, db: Call(
        f"/api/v1/citizens/{w.cpr}/medications/{w.private.id}/unmark-private", None, etag(1)
    ),
    ("GET", "/api/v1/citizens/{cpr}/medications/{medication_id}/versions"): lambda w, r, db: Call(
        med(w, "/versions")
    ),
    ("POST", "/api/v1/citizens/{cpr}/prescriptions"): lambda w, r, db: Call(
        f"/api/v1/citizens/{w.cpr}/prescriptions",
        {
            "medication_id": str(w.medication.id),
            "package_number": w.package.package_number,
            "valid_from": clock.today().isoformat(),
            "valid_to": (clock.today() + timedelta(days=30)).isoformat(),
        },
    ),
    ("GET", "/api/v1/citizens/{cpr}/prescriptions"): lambda w, r, db: Call(
        f"/api/v1/citizens/{w.cpr}/prescriptions"
    ),
    ("POST", "/api/v1/citizens/{cpr}/prescriptions/{prescription_id}/cancel"): lambda w, r, db: (
        Call(
            f"/api/v1/citizens/{w.cpr}/prescriptions/{w.prescription.id}/cancel",
            {"reason": "Changed"},
        )
    ),
    ("POST", "/api/v1/citizens/{cpr}/prescriptions/{prescription_id}/order"): lambda w, r, db: Call(
        f"/api/v1/citizens/{w.cpr}/prescriptions/{w.prescription.id}/order"
    ),
    ("POST", "/api/v1/citizens/{cpr}/orders/{order_id}/cancel"): lambda w, r, db: Call(
        f"/api/v1/citizens/{w.cpr}/orders/{w.order.id}/cancel", {}
    ),
    (
        "POST",
        "/api/v1/citizens/{cpr}/prescriptions/{prescription_id}/dispensings",
    ): lambda w, r, db: Call(
        f"/api/v1/citizens/{w.cpr}/prescriptions/{w.prescription.id}/dispensings",
        {},
        {"Idempotency-Key": str(uuid.uuid4())},
    ),
    ("POST", "/api/v1/citizens/{cpr}/dispensings/{dispensing_id}/undo"): lambda w, r, db: Call(
        f"/api/v1/citizens/{w.cpr}/dispensings/{w.dispensing.id}/undo", {"reason": "Mistake"}
    ),
    ("GET", "/api/v1/citizens/{cpr}/dispensings/{dispensing_id}"): lambda w, r, db: Call(
        f"/api/v1/citizens/{w.cpr}/dispensings/{w.dispensing.id}"
    ),
    ("GET", "/api/v1/pharmacy/dispensings/today"): lambda w, r, db: Call(
        "/api/v1/pharmacy/dispensings/today"
    ),
    ("GET", "/api/v1/citizens/{cpr}/treatment-relations"): lambda w, r, db: Call(
        f"/api/v1/citizens/{w.cpr}/treatment-relations"
    ),
    ("POST", "/api/v1/citizens/{cpr}/treatment-relations"): lambda w, r, db: Call(
        f"/api/v1/citizens/{w.cpr}/treatment-relations", relation_json(w, r)
    ),
    ("GET", "/api/v1/citizens/{cpr}/access-log"): lambda w, r, db: Call(
        f"/api/v1/citizens/{w.cpr}/access-log"
    ),
    ("GET", "/api/v1/me/access-log"): lambda w, r, db: Call("/api/v1/me/access-log"),
    ("GET", "/api/v1/me/medication-card"): lambda w, r, db: Call("/api/v1/me/medication-card"),
    ("GET", "/api/v1/admin/emergency-accesses"): lambda w, r, db: Call(
        "/api/v1/admin/emergency-accesses"
    ),
    ("POST", "/api/v1/admin/emergency-accesses/{audit_event_id}/review"): lambda w, r, db: Call(
        f"/api/v1/admin/emergency-accesses/{w.emergency_event.id}/review",
        {"conclusion": "Justified by the ER notes."},
    ),
    ("GET", "/api/v1/drugs"): lambda w, r, db: Call("/api/v1/drugs?search=Worlddrug"),
    ("GET", "/api/v1/drugs/{drug_id}"): lambda w, r, db: Call(f"/api/v1/drugs/{w.drug.id}"),
    ("POST", "/api/v1/citizens"): lambda w, r, db: Call(
        "/api/v1/citizens", {"cpr": random_cpr(), "name": "New Person"}
    ),
    ("POST", "/api/v1/organisations"): lambda w, r, db: Call(
        "/api/v1/organisations",
        {"id": f"T{next(_ids)}-{uuid.uuid4().hex[:8]}", "name": "New Org", "kind": "hospital"},
    ),
}


def api_routes() -> list[tuple[str, str, dict[str, Any]]]:
    with tempfile.TemporaryDirectory(prefix="medrecord-matrix-") as data_dir:
        spec = create_app(Settings(data_dir=Path(data_dir))).openapi()
    return [
        (method.upper(), path, op)
        for path, item in spec["paths"].items()
        if path.startswith("/api/v1")
        for method, op in item.items()
    ]


ROUTES = api_routes()
ROLES: list[Role | None] = [None, *Role]


def expected(op: dict[str, Any], role: Role | None) -> str:
    if role is None:
        return "401"
    permission = op["x-permission"]
    if permission == AUTHENTICATED:
        return "2xx"
    scope = scope_of(role, Permission(permission))
    if scope is None or (op.get("x-own-only") and scope is not Scope.own):
        return "403"
    return "2xx"


def test_every_route_declares_a_permission_and_has_a_scenario() -> None:
    missing_policy = [(m, p) for m, p, op in ROUTES if "x-permission" not in op]
    missing_scenario = [(m, p) for m, p, _ in ROUTES if (m, p) not in SCENARIOS]
    assert missing_policy == []
    assert missing_scenario == []
    assert len(ROUTES) == len(SCENARIOS)


CELLS = [(m, p, op, role) for m, p, op in ROUTES for role in ROLES]


@pytest.mark.parametrize(
    ("method", "path", "op", "role"),
    CELLS,
    ids=[f"{m} {p} as {r or 'anonymous'}" for m, p, _, r in CELLS],
)
def test_role_may_call_route_exactly_as_the_table_says(
    client: TestClient,
    db: Session,
    tokens: Tokens,
    world: World,
    method: str,
    path: str,
    op: dict[str, Any],
    role: Role | None,
) -> None:
    call = SCENARIOS[(method, path)](world, role, db)
    headers = {**world.headers(tokens, role), **call.headers}
    permission = op["x-permission"]
    needs_consent = (
        role is not None
        and permission != AUTHENTICATED
        and scope_of(role, Permission(permission)) is Scope.consent
    )
    if needs_consent:
        headers["X-Access-Purpose"] = "consent"

    response = client.request(method, call.url, json=call.json, headers=headers)

    want = expected(op, role)
    got = f"{response.status_code // 100}xx" if response.is_success else str(response.status_code)
    assert got == want, f"{method} {path} as {role}: {response.status_code} {response.text[:300]}"
    if want == "403":
        # Every denial is audited, whether or not the route names a citizen.
        denied = db.scalars(
            select(AuditEvent.outcome).where(
                AuditEvent.request_id == response.headers["x-request-id"]
            )
        ).all()
        assert denied == ["denied"], f"{method} {path} as {role}: audit rows {denied}"
