"""Races through a real HTTP server with real concurrent requests on separate connections."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from medrecord.access.tokens import TokenSigner
from medrecord.models import Dispensing, Medication, MedicationVersion, Prescription
from tests.support.burst import Burst
from tests.support.factories import make_medication, make_prescription
from tests.support.http import medication_body
from tests.support.queries import dispensed_iterations
from tests.support.world import RaceWorld

REPETITIONS = 100


def pharmacist_headers(signer: TokenSigner, race_world: RaceWorld) -> list[dict[str, str]]:
    return [
        {
            "Authorization": "Bearer "
            + signer.mint(sub=f"pharm-{i}", name=f"Pharmacist {i}", role="pharmacist", org=p.id)
        }
        for i, p in enumerate(race_world.pharmacies)
    ]


def http_request(
    method: str, url: str, headers: dict[str, str], body: dict[str, object] | None = None
) -> Callable[[httpx.Client], httpx.Response]:
    return lambda client: client.request(method, url, headers=headers, json=body)


def new_prescription(race_db: Session, race_world: RaceWorld, iterations: int) -> Prescription:
    rx = make_prescription(
        race_db, medication=race_world.medication, package=race_world.package, iterations=iterations
    )
    race_db.commit()
    return rx


def dispensing_rows(race_db: Session, rx: Prescription) -> int:
    return (
        race_db.scalar(
            select(func.count())
            .select_from(Dispensing)
            .where(Dispensing.citizen_id == rx.citizen_id, Dispensing.prescription_id == rx.id)
        )
        or 0
    )


def race_for_iterations(
    live_server: str,
    burst: Burst,
    race_db: Session,
    race_world: RaceWorld,
    signer: TokenSigner,
    iterations: int,
) -> tuple[Counter[int], int, Prescription]:
    rx = new_prescription(race_db, race_world, iterations)
    url = (
        f"{live_server}/api/v1/citizens/{race_world.citizen.cpr}/prescriptions/{rx.id}/dispensings"
    )
    headers = pharmacist_headers(signer, race_world)
    responses = burst(
        [
            http_request("POST", url, headers[i % 10] | {"Idempotency-Key": str(uuid.uuid4())}, {})
            for i in range(50)
        ]
    )
    race_db.expire_all()
    return Counter(r.status_code for r in responses), dispensing_rows(race_db, rx), rx


def test_last_iteration_race_has_exactly_one_winner_every_time(
    live_server: str,
    burst: Burst,
    race_db: Session,
    race_world: RaceWorld,
    signer: TokenSigner,
) -> None:
    outcomes: Counter[tuple[int, int, int]] = Counter()
    for _ in range(REPETITIONS):
        statuses, rows, _ = race_for_iterations(live_server, burst, race_db, race_world, signer, 1)
        outcomes[(statuses[201], statuses[409], rows)] += 1
    print(
        f"\nlast-iteration race, {REPETITIONS} rounds of 50 requests from 10 pharmacies: "
        f"(201s, 409s, rows) → rounds: {dict(outcomes)}"
    )
    assert outcomes == Counter({(1, 49, 1): REPETITIONS})


@pytest.mark.parametrize("iterations", [2, 5, 13])
def test_with_k_iterations_left_exactly_k_dispensings_succeed(
    live_server: str,
    burst: Burst,
    race_db: Session,
    race_world: RaceWorld,
    signer: TokenSigner,
    iterations: int,
) -> None:
    statuses, rows, rx = race_for_iterations(
        live_server, burst, race_db, race_world, signer, iterations
    )
    race_db.refresh(rx)
    print(f"\n{iterations} iterations left, 50 concurrent requests: {dict(statuses)}, rows {rows}")
    assert statuses == Counter({201: iterations, 409: 50 - iterations})
    assert rows == iterations
    assert (dispensed_iterations(rx), rx.status) == (iterations, "completed")


def test_lost_update_race_lets_exactly_one_put_through(
    live_server: str,
    burst: Burst,
    race_db: Session,
    race_world: RaceWorld,
    signer: TokenSigner,
) -> None:
    medication = make_medication(race_db, citizen=race_world.citizen, drug=race_world.drug)
    race_db.commit()
    url = f"{live_server}/api/v1/citizens/{race_world.citizen.cpr}/medications/{medication.id}"
    doctor = {
        "Authorization": "Bearer "
        + signer.mint(sub="dr", name="Dr. Race", role="doctor", org=race_world.gp.id),
        "If-Match": '"1"',
    }
    bodies = [medication_body(race_world.drug.id, indication_text=f"Writer {i}") for i in range(20)]

    responses = burst([http_request("PUT", url, doctor, body) for body in bodies])

    statuses = Counter(r.status_code for r in responses)
    versions = race_db.scalars(
        select(MedicationVersion.version).where(MedicationVersion.medication_id == medication.id)
    ).all()
    print(
        f'\nlost-update race, 20 concurrent PUTs with If-Match "1": {dict(statuses)}, '
        f"versions {sorted(versions)}"
    )
    assert statuses == Counter({200: 1, 412: 19})
    assert sorted(versions) == [1, 2]
    winner = next(r for r in responses if r.status_code == 200).json()
    race_db.expire_all()
    stored = race_db.get(Medication, (race_world.citizen.id, medication.id))
    assert stored is not None and stored.indication_text == winner["indication_text"]


def test_idempotent_retry_race_makes_one_row_and_ten_identical_answers(
    live_server: str,
    burst: Burst,
    race_db: Session,
    race_world: RaceWorld,
    signer: TokenSigner,
) -> None:
    rx = new_prescription(race_db, race_world, 3)
    url = (
        f"{live_server}/api/v1/citizens/{race_world.citizen.cpr}/prescriptions/{rx.id}/dispensings"
    )
    headers = pharmacist_headers(signer, race_world)[0]
    key = str(uuid.uuid4())

    responses = burst(
        [http_request("POST", url, headers | {"Idempotency-Key": key}, {}) for _ in range(10)]
    )

    bodies = {r.text for r in responses}
    statuses = Counter(r.status_code for r in responses)
    rows = dispensing_rows(race_db, rx)
    print(
        f"\nidempotent retry race, 10 concurrent requests with one key: {dict(statuses)}, "
        f"{len(bodies)} distinct bodies, {rows} row(s)"
    )
    assert statuses == Counter({201: 10})
    assert len(bodies) == 1
    assert rows == 1


def test_retried_medication_create_makes_one_medication_and_ten_identical_answers(
    live_server: str,
    burst: Burst,
    race_db: Session,
    race_world: RaceWorld,
    signer: TokenSigner,
) -> None:
    """A doctor's client whose answer was lost (503, broken connection) sends the create
    again with its key: the card gets one medication, every retry the first answer."""
    url = f"{live_server}/api/v1/citizens/{race_world.citizen.cpr}/medications"
    doctor = {
        "Authorization": "Bearer "
        + signer.mint(sub="dr-retry", name="Dr. Retry", role="doctor", org=race_world.gp.id),
        "Idempotency-Key": str(uuid.uuid4()),
    }
    marker = f"retried {uuid.uuid4()}"
    body = medication_body(race_world.drug.id, indication_text=marker)

    responses = burst([http_request("POST", url, doctor, body) for _ in range(10)])

    statuses = Counter(r.status_code for r in responses)
    bodies = {r.text for r in responses}
    race_db.expire_all()
    rows = race_db.scalars(
        select(Medication.id).where(
            Medication.citizen_id == race_world.citizen.id, Medication.indication_text == marker
        )
    ).all()
    print(
        f"\nmedication create retry race, 10 concurrent requests with one key: {dict(statuses)}, "
        f"{len(bodies)} distinct bodies, {len(rows)} medication(s)"
    )
    assert statuses == Counter({201: 10})
    assert len(bodies) == 1
    assert [str(m) for m in rows] == [responses[0].json()["id"]]


def test_claim_race_leaves_exactly_one_pharmacy_holding_the_prescription(
    live_server: str, burst: Burst, race_db: Session, race_world: RaceWorld, signer: TokenSigner
) -> None:
    from medrecord.models import PharmacyOrder

    rx = new_prescription(race_db, race_world, 3)
    url = f"{live_server}/api/v1/citizens/{race_world.citizen.cpr}/prescriptions/{rx.id}/order"
    pharmacies = pharmacist_headers(signer, race_world)

    responses = burst([http_request("POST", url, h) for h in pharmacies * 2])

    statuses = Counter(r.status_code for r in responses)
    winner = next(r.json()["pharmacy_id"] for r in responses if r.status_code == 201)
    open_orders = race_db.scalars(
        select(PharmacyOrder).where(PharmacyOrder.prescription_id == rx.id)
    ).all()
    print(f"\nclaim race, 20 concurrent claims from 10 pharmacies: {dict(statuses)}")
    # The winner's second request finds its own claim (200); everyone else is refused.
    assert statuses == Counter({201: 1, 200: 1, 409: 18})
    assert [(o.pharmacy_id, o.status) for o in open_orders] == [(winner, "ordered")]
    refused = [r.json() for r in responses if r.status_code == 409]
    assert {r["claimed_by"]["pharmacy_id"] for r in refused} == {winner}


def test_undo_race_restores_the_iteration_once(
    live_server: str, burst: Burst, race_db: Session, race_world: RaceWorld, signer: TokenSigner
) -> None:
    rx = new_prescription(race_db, race_world, 3)
    base = f"{live_server}/api/v1/citizens/{race_world.citizen.cpr}"
    headers = pharmacist_headers(signer, race_world)[0]
    dispensed = httpx.post(
        f"{base}/prescriptions/{rx.id}/dispensings",
        headers=headers | {"Idempotency-Key": str(uuid.uuid4())},
        json={},
    )
    assert dispensed.status_code == 201
    undo_url = f"{base}/dispensings/{dispensed.json()['id']}/undo"

    responses = burst(
        [http_request("POST", undo_url, headers, {"reason": "Wrong citizen"}) for _ in range(10)]
    )

    statuses = Counter(r.status_code for r in responses)
    race_db.expire_all()
    stored = race_db.get(Prescription, (rx.citizen_id, rx.id))
    print(f"\nundo race, 10 concurrent undos of one dispensing: {dict(statuses)}")
    assert statuses == Counter({200: 1, 409: 9})
    assert stored is not None and dispensed_iterations(stored) == 0
