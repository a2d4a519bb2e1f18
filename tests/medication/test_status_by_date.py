"""The status a clinician sees is what the dates say today: a pause holds only inside its
window, and a medication past its end date has ended (SPEC §2; issue 10, points 4-6).
The server honours the dates; no client has to come back and flip a status."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from medrecord import clock
from medrecord.models import Citizen, Drug, DrugPackage, Medication, current_status
from tests.support.factories import make_prescription
from tests.support.http import base, dispense, etag, medication_body

# Relative to the real day: tokens are verified against the real clock, so a test moves the
# frozen clock only after its tokens are minted.
TODAY = clock.today()


def _on(day: date) -> None:
    clock.freeze(datetime.combine(day, time(10), tzinfo=clock.COPENHAGEN))


def _create(
    client: TestClient, citizen: Citizen, doctor: dict[str, str], drug: Drug, **kw: Any
) -> Any:
    response = client.post(
        f"{base(citizen)}/medications", headers=doctor, json=medication_body(drug.id, **kw)
    )
    assert response.status_code == 201, response.text
    return response.json()


def _card_status(client: TestClient, citizen: Citizen, doctor: dict[str, str], med_id: str) -> str:
    card = client.get(f"{base(citizen)}/medication-card", headers=doctor).json()
    return str(next(m["status"] for m in card["medications"] if m["id"] == med_id))


def _prescribe(
    client: TestClient, citizen: Citizen, doctor: dict[str, str], med_id: str, package: DrugPackage
) -> Any:
    return client.post(
        f"{base(citizen)}/prescriptions",
        headers=doctor,
        json={
            "medication_id": med_id,
            "package_number": package.package_number,
            "valid_from": clock.today().isoformat(),
            "valid_to": (TODAY + timedelta(days=300)).isoformat(),
        },
    )


def test_a_pause_from_next_week_leaves_the_medication_active_and_dispensable_until_then(
    client: TestClient,
    db: Session,
    citizen: Citizen,
    doctor: dict[str, str],
    pharmacist: dict[str, str],
    medication: Medication,
    package: DrugPackage,
) -> None:
    """Issue 10, point 4: `pause {"paused_from": <next week>}` paused it today."""
    rx = make_prescription(db, medication=medication, package=package, iterations=2)
    url = f"{base(citizen)}/medications/{medication.id}"
    next_week = TODAY + timedelta(days=7)

    paused = client.post(
        f"{url}/pause", headers={**doctor, **etag(1)}, json={"paused_from": next_week.isoformat()}
    )
    dispensed_now = dispense(client, citizen, rx.id, pharmacist)
    _on(next_week)
    dispensed_in_the_pause = dispense(client, citizen, rx.id, pharmacist)

    assert paused.status_code == 200
    assert (paused.json()["status"], paused.json()["paused_from"]) == ("active", str(next_week))
    assert dispensed_now.status_code == 201
    assert dispensed_in_the_pause.status_code == 409
    assert dispensed_in_the_pause.json()["type"].endswith("/medication-paused")
    assert _card_status(client, citizen, doctor, str(medication.id)) == "paused"


def test_a_scheduled_pause_can_be_replaced_or_lifted_before_it_starts(
    client: TestClient, citizen: Citizen, doctor: dict[str, str], drug: Drug
) -> None:
    med = _create(client, citizen, doctor, drug)
    url = f"{base(citizen)}/medications/{med['id']}"

    soon, later = TODAY + timedelta(days=9), TODAY + timedelta(days=18)
    client.post(f"{url}/pause", headers={**doctor, **etag(1)}, json={"paused_from": str(soon)})
    moved = client.post(
        f"{url}/pause", headers={**doctor, **etag(2)}, json={"paused_from": str(later)}
    )
    lifted = client.post(f"{url}/resume", headers={**doctor, **etag(3)})

    assert moved.status_code == 200
    assert (moved.json()["status"], moved.json()["paused_from"]) == ("active", str(later))
    assert lifted.status_code == 200
    assert (lifted.json()["status"], lifted.json()["paused_from"]) == ("active", None)


def test_a_pause_that_ended_yesterday_no_longer_holds(
    client: TestClient,
    db: Session,
    citizen: Citizen,
    doctor: dict[str, str],
    pharmacist: dict[str, str],
    medication: Medication,
    package: DrugPackage,
) -> None:
    """Issue 10, point 5: paused 12-11 to 21-11 was still paused on 22-11."""
    rx = make_prescription(db, medication=medication, package=package, iterations=2)
    paused_from, paused_to = TODAY - timedelta(days=10), TODAY - timedelta(days=1)
    _on(paused_from)
    url = f"{base(citizen)}/medications/{medication.id}"
    client.post(
        f"{url}/pause",
        headers={**doctor, **etag(1)},
        json={"paused_from": str(paused_from), "paused_to": str(paused_to)},
    )
    refused_in_the_pause = dispense(client, citizen, rx.id, pharmacist)
    _on(TODAY)

    read = client.get(url, headers=doctor).json()
    on_card = _card_status(client, citizen, doctor, str(medication.id))
    dispensed_after = dispense(client, citizen, rx.id, pharmacist)
    paused_again = client.post(f"{url}/pause", headers={**doctor, **etag(2)}, json={})

    assert refused_in_the_pause.status_code == 409
    assert (read["status"], on_card) == ("active", "active")
    assert dispensed_after.status_code == 201
    assert paused_again.json()["status"] == "paused"


def test_a_medication_past_its_end_date_has_ended_and_nothing_more_goes_out(
    client: TestClient,
    citizen: Citizen,
    doctor: dict[str, str],
    pharmacist: dict[str, str],
    drug: Drug,
    package: DrugPackage,
) -> None:
    """Issue 10, point 6: ended yesterday, yet created active, prescribed and dispensed."""
    start, yesterday = str(TODAY - timedelta(days=20)), str(TODAY - timedelta(days=1))
    ended = _create(client, citizen, doctor, drug, start_date=start, end_date=yesterday)
    running = _create(client, citizen, doctor, drug, start_date=start, end_date=str(TODAY))
    rx = _prescribe(client, citizen, doctor, running["id"], package).json()
    _on(TODAY + timedelta(days=1))

    refused_prescription = _prescribe(client, citizen, doctor, ended["id"], package)
    refused_dispensing = dispense(client, citizen, rx["id"], pharmacist)
    pause = client.post(
        f"{base(citizen)}/medications/{running['id']}/pause", headers={**doctor, **etag(1)}, json={}
    )

    assert ended["status"] == "ended"
    assert _card_status(client, citizen, doctor, running["id"]) == "ended"
    assert refused_prescription.status_code == 409
    assert refused_prescription.json()["type"].endswith("/medication-not-active")
    assert refused_dispensing.status_code == 409
    assert refused_dispensing.json()["type"].endswith("/medication-ended")
    assert pause.status_code == 409


def test_an_ended_medication_is_extended_by_replacing_its_end_date(
    client: TestClient, citizen: Citizen, doctor: dict[str, str], drug: Drug
) -> None:
    start = str(TODAY - timedelta(days=20))
    ended = _create(
        client, citizen, doctor, drug, start_date=start, end_date=str(TODAY - timedelta(days=1))
    )

    extended = client.put(
        f"{base(citizen)}/medications/{ended['id']}",
        headers={**doctor, **etag(1)},
        json=medication_body(drug.id, start_date=start, end_date=str(TODAY + timedelta(days=30))),
    )

    assert extended.status_code == 200
    assert extended.json()["status"] == "active"


@pytest.mark.parametrize(
    ("stored", "paused_from", "paused_to", "end_date", "expected"),
    [
        ("active", None, None, None, "active"),
        ("active", None, None, TODAY, "active"),
        ("active", None, None, TODAY - timedelta(days=1), "ended"),
        ("paused", TODAY, None, None, "paused"),
        ("paused", TODAY + timedelta(days=1), None, None, "active"),
        ("paused", TODAY - timedelta(days=9), TODAY, None, "paused"),
        ("paused", TODAY - timedelta(days=9), TODAY - timedelta(days=1), None, "active"),
        ("paused", TODAY - timedelta(days=9), None, TODAY - timedelta(days=1), "ended"),
        ("withdrawn", None, None, TODAY - timedelta(days=1), "withdrawn"),
    ],
)
def test_the_current_status_rule(
    stored: str,
    paused_from: date | None,
    paused_to: date | None,
    end_date: date | None,
    expected: str,
) -> None:
    status = current_status(
        stored, paused_from=paused_from, paused_to=paused_to, end_date=end_date, today=TODAY
    )
    assert status == expected
