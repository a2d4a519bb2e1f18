"""The doctors' and nurses' operations of the invariant run: the card, medications and their
versions, and requests the service must refuse (no relation, a nurse writing).

Each operation picks a citizen and an object it knows of, sends one request (two when a
stale version is refreshed), records what was acknowledged, and checks what a read shows
against what was acknowledged before the read began.
"""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from typing import Any

import httpx

from medrecord import clock
from medrecord.dosage.examples import daily
from tests.invariants.client import Client
from tests.invariants.world import (
    DOCTORS,
    NURSES,
    PHARMACIST_ORG,
    RUN_DRUGS,
    STRANGER,
    Citizen,
    Medication,
    recent,
)

# A citizen's card holds at most this many medications in use; beyond, a create withdraws.
MAX_IN_USE = 8
DOCTOR_ORG = {"dr.jensen": "380101000016001", "dr.pedersen": "380201000016004"}


def medication_body(cl: Client, drug_id: str, text: str) -> dict[str, Any]:
    today = clock.today()
    body: dict[str, Any] = {
        "drug_id": drug_id,
        "indication_text": text,
        "route": "oral",
        "dosage": cl.rng.choice([daily(morning=1), daily(morning=1, evening=1), daily(noon=2)]),
        "substitution_allowed": cl.rng.random() < 0.8,
        "start_date": str(today),
    }
    if cl.rng.random() < 0.3:
        body["end_date"] = str(today + timedelta(days=cl.rng.randint(30, 365)))
    return body


def learn_medication(cl: Client, c: Citizen, m: dict[str, Any], *, acked: bool) -> None:
    with cl.world.lock:
        known = c.medications.get(m["id"])
        if known is None:
            known = c.medications[m["id"]] = Medication(m["id"], m["drug"]["id"], 0, 0)
        if m["version"] >= known.version:
            known.version, known.drug_id, known.status = m["version"], m["drug"]["id"], m["status"]
            if not m["private"]:
                known.private_org = None
        if acked:
            known.acked_version = max(known.acked_version, m["version"])


def _floors(cl: Client, c: Citizen) -> dict[str, int]:
    with cl.world.lock:
        return {m.id: m.acked_version for m in c.medications.values()}


def _check_floor(cl: Client, what: str, medication_id: str, version: int, floor: int) -> None:
    if version < floor:
        cl.ledger.violation(
            f"{what}: medication {medication_id} at version {version}, but version {floor} was"
            " acknowledged before the read began (a lost or invisible write)"
        )


def _pick(cl: Client, c: Citizen, *, live: bool = True) -> Medication | None:
    with cl.world.lock:
        pool = {k: m for k, m in c.medications.items() if not live or m.status != "withdrawn"}
        return recent(cl.rng, pool) or recent(cl.rng, c.medications)


# --- reads ---------------------------------------------------------------------------------


def read_card(cl: Client, c: Citizen | None = None) -> None:
    c = c or cl.world.pick_citizen(cl.rng)
    actor = cl.rng.choice(DOCTORS + NURSES)
    floors, card_floor = _floors(cl, c), c.card_version
    params = {"include": "withdrawn"} if cl.rng.random() < 0.3 else None
    r = cl.call(
        "card.read", actor, "GET", f"/citizens/{c.cpr}/medication-card", cpr=c.cpr, params=params
    )
    if r is None or r.status_code != 200:
        return
    card = r.json()
    if r.headers.get("ETag") != f'"{card["version"]}"':
        cl.ledger.violation(
            f"card.read: ETag {r.headers.get('ETag')} for version {card['version']}"
        )
    if card["version"] < card_floor:
        cl.ledger.violation(
            f"card.read: card of {c.cpr} at version {card['version']} after {card_floor} was read"
        )
    for m in card["medications"]:
        _check_floor(cl, "card.read", m["id"], m["version"], floors.get(m["id"], 0))
        for p in m["prescriptions"]:
            if not 0 <= p["remaining_units"] <= p["prescribed_units"]:
                cl.ledger.violation(f"card.read: prescription {p['id']} remaining {p}")
        learn_medication(cl, c, m, acked=False)
    with cl.world.lock:
        c.card_version = max(c.card_version, card["version"])


def read_card_as_pharmacy(cl: Client) -> None:
    """Pharmacists read the whole card only with the citizen's consent (403 without it);
    pharmacy assistants never (403)."""
    c = cl.world.pick_citizen(cl.rng)
    consent = cl.rng.random() < 0.5
    actor = cl.rng.choice(list(PHARMACIST_ORG))
    r = cl.call(
        "card.read.pharmacy",
        actor,
        "GET",
        f"/citizens/{c.cpr}/medication-card",
        cpr=c.cpr,
        headers={"X-Access-Purpose": "consent"} if consent else None,
    )
    expected = 200 if consent and actor.startswith("pharm.") else 403
    if r is not None and r.status_code not in (expected, 503):
        cl.ledger.violation(f"card.read.pharmacy: {actor} (consent {consent}) got {r.status_code}")


def read_card_without_relation(cl: Client) -> None:
    c = cl.world.pick_citizen(cl.rng)
    r = cl.call(
        "card.read.no-relation", STRANGER, "GET", f"/citizens/{c.cpr}/medication-card", cpr=c.cpr
    )
    if r is not None and r.status_code not in (403, 503):
        cl.ledger.violation(f"card.read.no-relation: {r.status_code}, expected 403")


def read_card_in_emergency(cl: Client) -> None:
    """Break the glass: a doctor without a relation reads with purpose emergency and a reason."""
    c = cl.world.pick_citizen(cl.rng)
    r = cl.call(
        "card.read.emergency",
        STRANGER,
        "GET",
        f"/citizens/{c.cpr}/medication-card",
        cpr=c.cpr,
        headers={
            "X-Access-Purpose": "emergency",
            "X-Access-Reason": "Unconscious at the emergency department, medication unknown",
        },
    )
    if r is not None and r.status_code not in (200, 503):
        cl.ledger.violation(f"card.read.emergency: {r.status_code}, expected 200")


def read_medication(cl: Client) -> None:
    c = cl.world.pick_citizen(cl.rng)
    m = _pick(cl, c, live=False)
    if m is None:
        return read_card(cl)
    floor = m.acked_version
    r = cl.call(
        "medication.read",
        cl.rng.choice(DOCTORS + NURSES),
        "GET",
        f"/citizens/{c.cpr}/medications/{m.id}",
        cpr=c.cpr,
    )
    if r is not None and r.status_code == 200:
        body = r.json()
        _check_floor(cl, "medication.read", m.id, body["version"], floor)
        if r.headers.get("ETag") != f'"{body["version"]}"':
            cl.ledger.violation(f"medication.read: ETag {r.headers.get('ETag')} for {body}")
        learn_medication(cl, c, body, acked=False)


def read_versions(cl: Client) -> None:
    c = cl.world.pick_citizen(cl.rng)
    m = _pick(cl, c, live=False)
    if m is None:
        return read_card(cl)
    floor = m.acked_version
    r = cl.call(
        "medication.versions",
        cl.rng.choice(DOCTORS + NURSES),
        "GET",
        f"/citizens/{c.cpr}/medications/{m.id}/versions",
        cpr=c.cpr,
    )
    if r is None or r.status_code != 200:
        return
    versions = r.json()
    numbers = [v["version"] for v in versions]
    times = [datetime.fromisoformat(v["changed_at"]) for v in versions]
    if numbers != list(range(1, len(numbers) + 1)) or versions[0]["change"] != "created":
        cl.ledger.violation(f"medication.versions: {m.id} lists versions {numbers}")
    if any(b <= a for a, b in itertools.pairwise(times)):
        cl.ledger.violation(f"medication.versions: {m.id} changed_at not increasing: {times}")
    _check_floor(cl, "medication.versions", m.id, len(numbers), floor)


# --- writes --------------------------------------------------------------------------------


def create_medication(cl: Client) -> None:
    c = cl.world.pick_citizen(cl.rng)
    with cl.world.lock:
        in_use = sum(m.status != "withdrawn" for m in c.medications.values())
    if in_use >= MAX_IN_USE:
        return withdraw_medication(cl, c)
    text = f"Indication {cl.tag()}"
    drug = cl.rng.choice(RUN_DRUGS)
    headers = {"If-Match": f'"{c.card_version}"'} if cl.rng.random() < 0.2 else None
    r = cl.call(
        "medication.create",
        cl.rng.choice(DOCTORS),
        "POST",
        f"/citizens/{c.cpr}/medications",
        cpr=c.cpr,
        json=medication_body(cl, drug, text),
        headers=headers,
    )
    if r is None:
        cl.ledger.lost_track("medication.create", c.cpr, None)
    elif r.status_code == 201:
        body = r.json()
        cl.ledger.ack(
            "medication.create", c.cpr, medication_id=body["id"], version=body["version"],
            change="created", indication_text=text, drug_id=drug,
        )  # fmt: skip
        learn_medication(cl, c, body, acked=True)


def create_medication_as_nurse(cl: Client) -> None:
    """Nurses read; they do not prescribe (403, audited as denied)."""
    c = cl.world.pick_citizen(cl.rng)
    text = f"Indication {cl.tag()}"
    r = cl.call(
        "medication.create.nurse",
        cl.rng.choice(NURSES),
        "POST",
        f"/citizens/{c.cpr}/medications",
        cpr=c.cpr,
        json=medication_body(cl, RUN_DRUGS[0], text),
    )
    if r is not None and r.status_code not in (403, 503):
        cl.ledger.violation(f"medication.create.nurse: {r.status_code}, expected 403")
        if r.status_code == 201:
            body = r.json()
            cl.ledger.ack(
                "medication.create", c.cpr, medication_id=body["id"], version=1,
                change="created", indication_text=text, drug_id=RUN_DRUGS[0],
            )  # fmt: skip


def _change(
    cl: Client,
    c: Citizen,
    m: Medication,
    *,
    op: str,
    change: str,
    actor: str,
    method: str,
    suffix: str,
    json: Any = None,
    expect: dict[str, Any] | None = None,
) -> httpx.Response | None:
    """A write with If-Match (the version the client knows, perhaps stale: 412 then, and
    sometimes a read to catch up, as a real client would)."""
    r = cl.call(
        op,
        actor,
        method,
        f"/citizens/{c.cpr}/medications/{m.id}{suffix}",
        cpr=c.cpr,
        json=json,
        headers={"If-Match": f'"{m.version}"'},
    )
    if r is None:
        cl.ledger.lost_track(op, c.cpr, m.id)
    elif r.status_code == 200:
        body = r.json()
        cl.ledger.ack(
            op, c.cpr, medication_id=m.id, version=body["version"], change=change,
            expect=expect or {}, invalidated=body.get("invalidated_prescriptions", []),
        )  # fmt: skip
        learn_medication(cl, c, body, acked=True)
    elif r.status_code == 412 and cl.rng.random() < 0.5:
        read_medication_of(cl, c, m)
    return r


def read_medication_of(cl: Client, c: Citizen, m: Medication) -> None:
    r = cl.call(
        "medication.read",
        cl.rng.choice(DOCTORS),
        "GET",
        f"/citizens/{c.cpr}/medications/{m.id}",
        cpr=c.cpr,
    )
    if r is not None and r.status_code == 200:
        learn_medication(cl, c, r.json(), acked=False)


def replace_medication(cl: Client) -> None:
    c = cl.world.pick_citizen(cl.rng)
    m = _pick(cl, c)
    if m is None:
        return create_medication(cl)
    text = f"Indication {cl.tag()}"
    drug = m.drug_id if cl.rng.random() < 0.85 else cl.rng.choice(RUN_DRUGS)
    r = _change(
        cl, c, m, op="medication.replace", change="updated", actor=cl.rng.choice(DOCTORS),
        method="PUT", suffix="", json=medication_body(cl, drug, text),
        expect={"indication_text": text, "drug_id": drug},
    )  # fmt: skip
    if r is not None and r.status_code == 200 and r.json()["invalidated_prescriptions"]:
        with cl.world.lock:
            for rx_id in r.json()["invalidated_prescriptions"]:
                if rx := c.prescriptions.get(rx_id):
                    rx.status, rx.order = "invalid", None


def pause_medication(cl: Client) -> None:
    c = cl.world.pick_citizen(cl.rng)
    m = _pick(cl, c)
    if m is None:
        return
    if m.status == "paused":
        return resume_medication(cl, c, m)
    today = clock.today()
    body: dict[str, str] = {}
    if cl.rng.random() < 0.3:  # a scheduled pause: active until then
        start = today + timedelta(days=cl.rng.randint(1, 5))
        body = {"paused_from": str(start), "paused_to": str(start + timedelta(days=3))}
    # A pause from today is dated by the server's today (not compared: a run may pass midnight).
    expect = {"status": "paused", **body}
    _change(
        cl, c, m, op="medication.pause", change="paused", actor=cl.rng.choice(DOCTORS),
        method="POST", suffix="/pause", json=body or None, expect=expect,
    )  # fmt: skip


def resume_medication(cl: Client, c: Citizen | None = None, m: Medication | None = None) -> None:
    c = c or cl.world.pick_citizen(cl.rng)
    if m is None:
        with cl.world.lock:
            paused = {k: m for k, m in c.medications.items() if m.status == "paused"}
            m = recent(cl.rng, paused) or _pick(cl, c)
    if m is None:
        return
    _change(
        cl, c, m, op="medication.resume", change="resumed", actor=cl.rng.choice(DOCTORS),
        method="POST", suffix="/resume", expect={"status": "active", "paused_from": None},
    )  # fmt: skip


def withdraw_medication(cl: Client, c: Citizen | None = None) -> None:
    c = c or cl.world.pick_citizen(cl.rng)
    m = _pick(cl, c)
    if m is None:
        return
    reason = f"Side effects {cl.tag()}"
    r = _change(
        cl, c, m, op="medication.withdraw", change="withdrawn", actor=cl.rng.choice(DOCTORS),
        method="POST", suffix="/withdraw", json={"reason": reason},
        expect={"status": "withdrawn", "withdrawal_reason": reason},
    )  # fmt: skip
    if r is not None and r.status_code == 200:
        with cl.world.lock:
            for rx in c.prescriptions.values():
                if rx.medication_id == m.id and rx.status == "open":
                    rx.status, rx.order = "cancelled", None


def mark_private(cl: Client) -> None:
    """Mark (or unmark, by the marking organisation) a medication private."""
    c = cl.world.pick_citizen(cl.rng)
    m = _pick(cl, c)
    if m is None:
        return
    if m.private_org is None:
        actor = cl.rng.choice(DOCTORS)
        op, change, private = "medication.mark-private", "marked-private", True
    else:
        owners = [d for d in DOCTORS if DOCTOR_ORG[d] == m.private_org]
        actor = owners[0] if owners and cl.rng.random() < 0.9 else cl.rng.choice(DOCTORS)
        op, change, private = "medication.unmark-private", "unmarked-private", False
    suffix = "/mark-private" if private else "/unmark-private"
    r = _change(
        cl, c, m, op=op, change=change, actor=actor, method="POST", suffix=suffix,
        expect={"private": private},
    )  # fmt: skip
    if r is not None and r.status_code == 200:
        with cl.world.lock:
            m.private_org = DOCTOR_ORG[actor] if private else None


def review_card(cl: Client) -> None:
    """Mark the card reviewed, with the card version some read showed (often stale: 412), or
    just read, as a doctor at the screen would."""
    c = cl.world.pick_citizen(cl.rng)
    if cl.rng.random() < 0.5:
        read_card(cl, c)
    r = cl.call(
        "card.review",
        cl.rng.choice(DOCTORS),
        "POST",
        f"/citizens/{c.cpr}/medication-card/review",
        cpr=c.cpr,
        headers={"If-Match": f'"{c.card_version}"'},
    )
    if r is None:
        cl.ledger.lost_track("card.review", c.cpr, None)
    elif r.status_code == 200:
        version = r.json()["version"]
        cl.ledger.ack("card.review", c.cpr, version=version)
        with cl.world.lock:
            c.card_version = max(c.card_version, version)
