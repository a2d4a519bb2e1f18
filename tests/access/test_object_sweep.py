"""Object-level safety: another citizen's ids, in the path or the body, are simply not there."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from medrecord.access.actor import Role
from medrecord.dosage.examples import daily
from medrecord.models import Dispensing, Medication, PharmacyOrder, Prescription
from tests.support.tokens import Tokens
from tests.support.world import build_world


def test_every_id_of_another_citizen_is_404_and_leaks_nothing(
    client: TestClient, db: Session, tokens: Tokens
) -> None:
    a = build_world(db, unique="A" + uuid.uuid4().hex[:5])
    b = build_world(db, unique="B" + uuid.uuid4().hex[:5])
    # The hardest case: the caller may see B too (same GP practice, same pharmacy), just not
    # through A's address.
    b.citizen.gp_practice_id = a.gp.id
    b.order.pharmacy_id = a.pharmacy.id
    b.dispensing.pharmacy_id = a.pharmacy.id
    db.flush()
    doctor, pharmacist = a.headers(tokens, Role.doctor), a.headers(tokens, Role.pharmacist)
    on_a = f"/api/v1/citizens/{a.cpr}"
    one = {"If-Match": '"1"'}
    calls: list[tuple[str, str, dict[str, str], Any]] = [
        ("GET", f"{on_a}/medications/{b.medication.id}", doctor, None),
        (
            "PUT",
            f"{on_a}/medications/{b.medication.id}",
            {**doctor, **one},
            {
                "drug_id": b.drug.id,
                "indication_text": "x",
                "start_date": "2026-11-01",
                "dosage": daily(morning=1),
            },
        ),
        ("POST", f"{on_a}/medications/{b.medication.id}/pause", {**doctor, **one}, {}),
        ("POST", f"{on_a}/medications/{b.paused.id}/resume", {**doctor, **one}, None),
        (
            "POST",
            f"{on_a}/medications/{b.medication.id}/withdraw",
            {**doctor, **one},
            {"reason": "Stop it"},
        ),
        ("POST", f"{on_a}/medications/{b.medication.id}/mark-private", {**doctor, **one}, None),
        ("POST", f"{on_a}/medications/{b.private.id}/unmark-private", {**doctor, **one}, None),
        ("GET", f"{on_a}/medications/{b.medication.id}/versions", doctor, None),
        (
            "POST",
            f"{on_a}/prescriptions",
            doctor,
            {
                "medication_id": str(b.medication.id),
                "package_number": b.package.package_number,
                "valid_from": "2026-11-01",
                "valid_to": "2027-11-01",
            },
        ),
        ("POST", f"{on_a}/prescriptions/{b.prescription.id}/cancel", doctor, {"reason": "Stop"}),
        ("POST", f"{on_a}/prescriptions/{b.prescription.id}/order", pharmacist, None),
        (
            "POST",
            f"{on_a}/prescriptions/{b.prescription.id}/dispensings",
            {**pharmacist, "Idempotency-Key": str(uuid.uuid4())},
            {},
        ),
        ("POST", f"{on_a}/orders/{b.order.id}/cancel", pharmacist, {}),
        ("POST", f"{on_a}/dispensings/{b.dispensing.id}/undo", pharmacist, {"reason": "Oops"}),
        ("GET", f"{on_a}/dispensings/{b.dispensing.id}", pharmacist, None),
    ]
    secrets = [b.citizen.name, b.cpr, b.drug.name, str(b.citizen.id)]

    results = [(m, url, client.request(m, url, headers=h, json=body)) for m, url, h, body in calls]

    not_404 = [(m, url, r.status_code) for m, url, r in results if r.status_code != 404]
    leaks = [(m, url) for m, url, r in results if any(s in r.text for s in secrets)]
    print(
        f"\nobject sweep: {len(calls)} foreign ids tried, {len(not_404)} not 404, "
        f"{len(leaks)} leaks"
    )
    assert not_404 == []
    assert leaks == []
    db.expire_all()
    assert db.get(Medication, (b.citizen.id, b.medication.id)).version == 1  # type: ignore[union-attr]
    assert db.get(Prescription, (b.citizen.id, b.prescription.id)).status == "open"  # type: ignore[union-attr]
    assert db.get(PharmacyOrder, (b.citizen.id, b.order.id)).status == "ordered"  # type: ignore[union-attr]
    assert db.get(Dispensing, (b.citizen.id, b.dispensing.id)).status == "completed"  # type: ignore[union-attr]
