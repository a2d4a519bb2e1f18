"""A dispensing whose Idempotency-Key another transaction holds waits for it, and then acts on
what that transaction did: its answer replayed if it committed, a dispensing of its own if it
rolled back (never a refusal to retry, never two dispensings)."""

from __future__ import annotations

import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from medrecord.access.tokens import TokenSigner
from medrecord.models import Dispensing
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
    raise AssertionError("the dispensing never waited for the key's holder")


def test_a_dispensing_that_waited_for_a_rolled_back_holder_of_its_key_goes_ahead(
    live_server: str,
    race_engine: Engine,
    race_db: Session,
    race_world: RaceWorld,
    signer: TokenSigner,
) -> None:
    medication = make_medication(race_db, citizen=race_world.citizen, drug=race_world.drug)
    rx = make_prescription(race_db, medication=medication, package=race_world.package)
    race_db.commit()
    subject, key = "pharm-key-wait", str(uuid.uuid4())
    pharmacist = signer.mint(
        sub=subject, name="Keyed Pharmacist", role="pharmacist", org=race_world.pharmacies[0].id
    )

    holder = race_engine.connect()  # a first attempt with the same key, not yet committed
    holder.begin()
    holder.execute(
        text(
            "INSERT INTO idempotency_record (citizen_id, caller_subject, key, request_hash,"
            " response_status, response_body, response_headers, created_at, expires_at)"
            " VALUES (:c, :s, :k, 'first', 0, '{}', '{}', now(), now() + interval '1 day')"
        ),
        {"c": rx.citizen_id, "s": subject, "k": key},
    )
    try:
        with ThreadPoolExecutor(max_workers=1) as pool, httpx.Client(timeout=30) as client:
            retry = pool.submit(
                client.post,
                f"{live_server}/api/v1/citizens/{race_world.citizen.cpr}"
                f"/prescriptions/{rx.id}/dispensings",
                headers={"Authorization": f"Bearer {pharmacist}", "Idempotency-Key": key},
                json={},
            )
            _wait_for_a_lock_waiter(race_engine)
            holder.rollback()  # the first attempt failed: nothing was dispensed
            answer = retry.result(timeout=30)
    finally:
        holder.close()

    assert answer.status_code == 201, answer.text
    race_db.rollback()
    dispensings = race_db.scalar(
        select(func.count())
        .select_from(Dispensing)
        .where(Dispensing.citizen_id == rx.citizen_id, Dispensing.prescription_id == rx.id)
    )
    assert dispensings == 1
