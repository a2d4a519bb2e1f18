"""What a request decides after waiting for a row lock: the state committed while it waited,
never the state from before the wait."""

from __future__ import annotations

import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from medrecord.access.tokens import TokenSigner
from tests.support.factories import make_medication, make_prescription
from tests.support.world import RaceWorld


def _wait_for_a_lock_waiter(engine: Engine, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    with engine.connect() as conn:
        while time.monotonic() < deadline:
            waiting = conn.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                    " AND datname = current_database()"
                )
            ).scalar_one()
            if waiting:
                return
            conn.rollback()
            time.sleep(0.02)
    raise AssertionError("the dispensing never waited for the prescription's lock")


def test_a_dispensing_that_waited_for_the_lock_sees_the_pause_committed_meanwhile(
    live_server: str,
    race_engine: Engine,
    race_db: Session,
    race_world: RaceWorld,
    signer: TokenSigner,
) -> None:
    medication = make_medication(race_db, citizen=race_world.citizen, drug=race_world.drug)
    rx = make_prescription(race_db, medication=medication, package=race_world.package)
    race_db.commit()
    base = f"{live_server}/api/v1/citizens/{race_world.citizen.cpr}"
    pharmacist = signer.mint(
        sub="pharm-wait",
        name="Waiting Pharmacist",
        role="pharmacist",
        org=race_world.pharmacies[0].id,
    )
    doctor = signer.mint(sub="gp-pause", name="Dr. Pause", role="doctor", org=race_world.gp.id)

    holder = race_engine.connect()  # another pharmacy's transaction, holding the prescription
    holder.begin()
    holder.execute(
        text("SELECT 1 FROM prescription WHERE citizen_id = :c AND id = :p FOR UPDATE"),
        {"c": rx.citizen_id, "p": rx.id},
    )
    try:
        with ThreadPoolExecutor(max_workers=1) as pool, httpx.Client(timeout=30) as client:
            dispensing = pool.submit(
                client.post,
                f"{base}/prescriptions/{rx.id}/dispensings",
                headers={
                    "Authorization": f"Bearer {pharmacist}",
                    "Idempotency-Key": str(uuid.uuid4()),
                },
                json={},
            )
            _wait_for_a_lock_waiter(race_engine)
            read = client.get(
                f"{base}/medications/{medication.id}", headers={"Authorization": f"Bearer {doctor}"}
            )
            paused = client.post(
                f"{base}/medications/{medication.id}/pause",
                headers={"Authorization": f"Bearer {doctor}", "If-Match": read.headers["ETag"]},
            )
            assert paused.status_code == 200, paused.text  # the pause does not need that lock
            holder.rollback()  # the other pharmacy lets go
            answer = dispensing.result(timeout=30)
    finally:
        holder.close()

    assert answer.status_code == 409, answer.text
    assert answer.json()["type"].endswith("/medication-paused")
