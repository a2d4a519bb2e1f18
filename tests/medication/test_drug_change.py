"""A prescription names its drug: when a medication changes drug, its open prescriptions become
invalid with a reason, the claim is released, and no pharmacy dispenses them (SPEC §2; issue
10, point 12)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from medrecord.models import (
    Citizen,
    Drug,
    DrugPackage,
    Medication,
    Organisation,
    PharmacyOrder,
    Prescription,
)
from tests.support.factories import make_drug, make_order, make_prescription
from tests.support.http import base, dispense, etag, medication_body


def test_changing_the_drug_makes_open_prescriptions_invalid_with_the_reason(
    client: TestClient,
    db: Session,
    citizen: Citizen,
    doctor: dict[str, str],
    pharmacist: dict[str, str],
    pharmacy: Organisation,
    medication: Medication,
    drug: Drug,
    package: DrugPackage,
) -> None:
    """Pinex changed to Ventoline: the pharmacy still dispensed the open Pinex prescription."""
    open_rx = make_prescription(db, medication=medication, package=package, iterations=2)
    done_rx = make_prescription(
        db, medication=medication, package=package, iterations=1, dispensed_iterations=1
    )
    order = make_order(db, prescription=open_rx, pharmacy=pharmacy)
    ventoline = make_drug(db, name="Ventoline", form="tablet")

    changed = client.put(
        f"{base(citizen)}/medications/{medication.id}",
        headers={**doctor, **etag(1)},
        json=medication_body(ventoline.id),
    )
    card = client.get(f"{base(citizen)}/medication-card", headers=doctor).json()
    dispensed = dispense(client, citizen, open_rx.id, pharmacist)
    counter = client.get(f"{base(citizen)}/prescriptions", headers=pharmacist).json()
    listed = client.get(f"{base(citizen)}/prescriptions", headers=doctor).json()

    assert changed.status_code == 200
    assert changed.json()["invalidated_prescriptions"] == [str(open_rx.id)]
    statuses = {
        p["id"]: (p["status"], p["invalid_reason"]) for p in card["medications"][0]["prescriptions"]
    }
    assert statuses[str(done_rx.id)] == ("completed", None)
    status, reason = statuses[str(open_rx.id)]
    assert status == "invalid"
    assert reason.startswith(f"The medication changed drug from {drug.name}")
    assert "Ventoline" in reason
    assert dispensed.status_code == 409
    assert dispensed.json()["type"].endswith("/prescription-invalid")
    assert str(open_rx.id) not in {p["id"] for p in counter}
    invalid = next(p for p in listed if p["id"] == str(open_rx.id))
    assert (invalid["status"], invalid["dispensable_now_units"]) == ("invalid", 0)
    db.expire_all()
    assert db.get(PharmacyOrder, (citizen.id, order.id)).status == "cancelled"  # type: ignore[union-attr]


def test_a_change_that_keeps_the_drug_leaves_prescriptions_open(
    client: TestClient,
    db: Session,
    citizen: Citizen,
    doctor: dict[str, str],
    medication: Medication,
    drug: Drug,
    package: DrugPackage,
) -> None:
    rx = make_prescription(db, medication=medication, package=package, iterations=2)

    changed = client.put(
        f"{base(citizen)}/medications/{medication.id}",
        headers={**doctor, **etag(1)},
        json=medication_body(drug.id, indication_text="Headache"),
    )

    assert changed.json()["invalidated_prescriptions"] == []
    db.expire_all()
    assert db.get(Prescription, (citizen.id, rx.id)).status == "open"  # type: ignore[union-attr]
