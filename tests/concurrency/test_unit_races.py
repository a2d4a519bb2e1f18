"""Partial and multi-line dispensings raced through a real HTTP server: ten pharmacies reach
for the last units at once, in whole packs, halves and splits. Never more units go out than
were prescribed, and the prescription counts exactly what the successful dispensings hold
(issue 10)."""

from __future__ import annotations

import uuid
from collections import Counter
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from medrecord.access.tokens import TokenSigner
from medrecord.models import Dispensing, DrugPackage, Prescription
from tests.concurrency.test_races import http_request, pharmacist_headers
from tests.support.burst import Burst
from tests.support.factories import make_package, make_prescription
from tests.support.world import RaceWorld

ROUNDS = 100


@pytest.fixture(scope="module")
def small_packs(race_db: Session, race_world: RaceWorld) -> tuple[DrugPackage, DrugPackage]:
    """The race drug also comes in 50 and 10 tablets (its prescribed pack holds 100)."""
    fifty = make_package(race_db, drug=race_world.drug, size=Decimal(50))
    ten = make_package(race_db, drug=race_world.drug, size=Decimal(10))
    race_db.commit()
    return fifty, ten


def new_round(
    live_server: str, race_db: Session, race_world: RaceWorld, iterations: int
) -> tuple[Prescription, str]:
    """A fresh prescription of the race drug (1 pack of 100 per iteration), and its URL."""
    rx = make_prescription(
        race_db, medication=race_world.medication, package=race_world.package, iterations=iterations
    )
    race_db.commit()
    cpr = race_world.citizen.cpr
    return rx, f"{live_server}/api/v1/citizens/{cpr}/prescriptions/{rx.id}/dispensings"


def fresh_key(headers: dict[str, str]) -> dict[str, str]:
    return headers | {"Idempotency-Key": str(uuid.uuid4())}


def units_out(race_db: Session, rx: Prescription) -> Decimal:
    total = race_db.scalar(
        select(func.coalesce(func.sum(Dispensing.units), 0)).where(
            Dispensing.citizen_id == rx.citizen_id,
            Dispensing.prescription_id == rx.id,
            Dispensing.status == "completed",
        )
    )
    return Decimal(total)


def test_the_last_units_raced_in_packs_halves_and_splits_never_overflow(
    live_server: str,
    burst: Burst,
    race_db: Session,
    race_world: RaceWorld,
    signer: TokenSigner,
    small_packs: tuple[DrugPackage, DrugPackage],
) -> None:
    fifty, ten = small_packs
    headers = pharmacist_headers(signer, race_world)
    bodies: list[dict[str, object]] = [
        {},  # the whole iteration: 100
        {"lines": [{"package_number": fifty.package_number}]},  # 50
        {
            "lines": [
                {"package_number": fifty.package_number},
                {"package_number": ten.package_number, "package_quantity": 3},
            ]
        },  # 80
        {"lines": [{"package_number": ten.package_number, "package_quantity": 2}]},  # 20
    ]
    outcomes: Counter[str] = Counter()
    statuses: Counter[int] = Counter()
    for _ in range(ROUNDS):
        rx, url = new_round(live_server, race_db, race_world, 1)
        responses = burst(
            [
                http_request("POST", url, fresh_key(headers[i % 10]), bodies[i % len(bodies)])
                for i in range(20)
            ]
        )
        race_db.expire_all()
        race_db.refresh(rx)
        acknowledged = sum(
            (Decimal(str(r.json()["units"])) for r in responses if r.status_code == 201),
            Decimal(0),
        )
        statuses.update(r.status_code for r in responses)
        out = units_out(race_db, rx)
        assert out <= rx.prescribed_units == Decimal(100)
        assert out == rx.dispensed_units == acknowledged
        assert (rx.status == "completed") == (out == rx.prescribed_units)
        outcomes[f"{out} out"] += 1
    print(
        f"\nlast units raced, {ROUNDS} rounds of 20 requests (100, 50, 50+30, 20 tablets) from"
        f" 10 pharmacies: statuses {dict(statuses)}; units out per round {dict(outcomes)}"
    )
    assert set(statuses) <= {201, 409}


def test_halves_raced_after_a_partial_dispensing_never_exceed_what_remains(
    live_server: str,
    burst: Burst,
    race_db: Session,
    race_world: RaceWorld,
    signer: TokenSigner,
    small_packs: tuple[DrugPackage, DrugPackage],
) -> None:
    fifty, _ = small_packs
    headers = pharmacist_headers(signer, race_world)
    half = {"lines": [{"package_number": fifty.package_number}]}
    winners: Counter[int] = Counter()
    for _ in range(ROUNDS):
        rx, url = new_round(live_server, race_db, race_world, 2)
        first = burst([http_request("POST", url, fresh_key(headers[0]), half)])
        assert first[0].status_code == 201
        # The rest (50) goes out without waiting; the next iteration waits for no interval
        # here, so the ten race for what remains: 150 units, at most 50 of them now.
        responses = burst(
            [http_request("POST", url, fresh_key(headers[i]), half) for i in range(10)]
        )
        race_db.expire_all()
        race_db.refresh(rx)
        winners[sum(r.status_code == 201 for r in responses)] += 1
        assert units_out(race_db, rx) == rx.dispensed_units <= rx.prescribed_units
    print(
        f"\nrest of a partial iteration, {ROUNDS} rounds of 10 pharmacies: winners {dict(winners)}"
    )
    # Each 50 is either the rest of iteration 1 or a part of iteration 2: all 150 units can go
    # out in three halves, never more.
    assert winners == Counter({3: ROUNDS})
