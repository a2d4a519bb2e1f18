"""Prescriptions, claims and dispensings in the invariant run: doctors prescribe and cancel,
pharmacies claim, dispense (whole iterations, parts, several package lines, substitutes),
replay their Idempotency-Keys, undo, and read what remains."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal
from typing import Any

from medrecord import clock
from tests.invariants.client import Client
from tests.invariants.world import (
    DOCTORS,
    PHARMACIST_ORG,
    PHARMACY_STAFF,
    Citizen,
    Dispensing,
    Prescription,
    recent,
)

# Beyond this many open prescriptions a citizen's next prescription cancels one instead.
MAX_OPEN = 10


def units(value: Any) -> Decimal:
    return Decimal(str(value))


def _open_rx(cl: Client, c: Citizen) -> Prescription | None:
    with cl.world.lock:
        open_ = {k: p for k, p in c.prescriptions.items() if p.status == "open"}
        return recent(cl.rng, open_) or recent(cl.rng, c.prescriptions)


def _staff_of(cl: Client, pharmacy_id: str | None) -> str:
    """Staff of the given pharmacy mostly; sometimes of another (who must be refused)."""
    if pharmacy_id and cl.rng.random() < 0.85:
        return cl.rng.choice(PHARMACY_STAFF[pharmacy_id])
    return cl.rng.choice(list(PHARMACIST_ORG))


def learn_prescription(cl: Client, c: Citizen, p: dict[str, Any]) -> None:
    claim = p.get("claimed_by")
    with cl.world.lock:
        known = c.prescriptions.get(p["id"])
        if known is None:
            known = c.prescriptions[p["id"]] = Prescription(
                p["id"], p["medication_id"], p["drug_id"], p["package_number"],
                p["substitution_allowed"],
            )  # fmt: skip
        known.status = p["status"]
        known.order = (claim["order_id"], claim["pharmacy_id"]) if claim else None


# --- prescriptions -------------------------------------------------------------------------


def prescribe(cl: Client) -> None:
    c = cl.world.pick_citizen(cl.rng)
    with cl.world.lock:
        open_count = sum(p.status == "open" for p in c.prescriptions.values())
        live = {k: m for k, m in c.medications.items() if m.status == "active"}
        m = recent(cl.rng, live) or recent(cl.rng, c.medications)
    if open_count >= MAX_OPEN:
        return cancel_prescription(cl, c)
    if m is None:
        return
    today = clock.today()
    package = cl.rng.choice(cl.world.drugs[m.drug_id].packages)
    body: dict[str, Any] = {
        "medication_id": m.id,
        "package_number": package.number,
        "package_quantity": cl.rng.randint(1, 3),
        "iterations": 1,
        "valid_from": str(today),
        "valid_to": str(today + timedelta(days=cl.rng.randint(10, 90))),
        "substitution_allowed": cl.rng.random() < 0.8,
        "supplementary_instructions": f"Label {cl.tag()}",
    }
    if cl.rng.random() < 0.4:
        body |= {
            "iterations": cl.rng.randint(2, 4),
            "iteration_interval": cl.rng.randint(1, 2),
            "iteration_interval_unit": cl.rng.choice(["days", "weeks"]),
        }
    r = cl.call(
        "prescription.create",
        cl.rng.choice(DOCTORS),
        "POST",
        f"/citizens/{c.cpr}/prescriptions",
        cpr=c.cpr,
        json=body,
    )
    if r is None:
        cl.ledger.lost_track("prescription.create", c.cpr, m.id)
    elif r.status_code == 201:
        p = r.json()
        expected = package.size * body["package_quantity"] * body["iterations"]
        if units(p["prescribed_units"]) != expected:
            cl.ledger.violation(
                f"prescription.create: prescribed {p['prescribed_units']} for {body}"
            )
        cl.ledger.ack(
            "prescription.create", c.cpr, prescription_id=p["id"], sent=body,
            prescribed_units=units(p["prescribed_units"]),
            units_per_iteration=units(p["units_per_iteration"]),
        )  # fmt: skip
        learn_prescription(cl, c, p)


def cancel_prescription(cl: Client, c: Citizen | None = None) -> None:
    c = c or cl.world.pick_citizen(cl.rng)
    rx = _open_rx(cl, c)
    if rx is None:
        return
    r = cl.call(
        "prescription.cancel",
        cl.rng.choice(DOCTORS),
        "POST",
        f"/citizens/{c.cpr}/prescriptions/{rx.id}/cancel",
        cpr=c.cpr,
        json={"reason": f"Dose changed {cl.tag()}"},
    )
    if r is None:
        cl.ledger.lost_track("prescription.cancel", c.cpr, rx.id)
    elif r.status_code == 200:
        cl.ledger.ack("prescription.cancel", c.cpr, prescription_id=rx.id)
        learn_prescription(cl, c, r.json())


def list_prescriptions(cl: Client) -> None:
    c = cl.world.pick_citizen(cl.rng)
    actor = cl.rng.choice(list(PHARMACIST_ORG) + DOCTORS)
    params = {"status": "open"} if cl.rng.random() < 0.3 else None
    r = cl.call(
        "prescription.list", actor, "GET", f"/citizens/{c.cpr}/prescriptions", cpr=c.cpr,
        params=params,
    )  # fmt: skip
    if r is None or r.status_code != 200:
        return
    for p in r.json():
        prescribed, dispensed = units(p["prescribed_units"]), units(p["dispensed_units"])
        remaining, now = units(p["remaining_units"]), units(p["dispensable_now_units"])
        if not (
            0 <= dispensed <= prescribed
            and remaining == prescribed - dispensed
            and 0 <= now <= remaining
            and prescribed == units(p["units_per_iteration"]) * p["iterations"]
        ):
            cl.ledger.violation(
                f"prescription.list: {p['id']} prescribed {prescribed}, dispensed {dispensed},"
                f" remaining {remaining}, dispensable now {now}"
            )
        learn_prescription(cl, c, p)


# --- claims --------------------------------------------------------------------------------


def claim(cl: Client) -> None:
    c = cl.world.pick_citizen(cl.rng)
    rx = _open_rx(cl, c)
    if rx is None:
        return
    actor = cl.rng.choice(list(PHARMACIST_ORG))
    r = cl.call(
        "order.create", actor, "POST", f"/citizens/{c.cpr}/prescriptions/{rx.id}/order", cpr=c.cpr
    )
    if r is None:
        cl.ledger.lost_track("order.create", c.cpr, rx.id)
    elif r.status_code in (200, 201):
        order = r.json()
        if order["pharmacy_id"] != PHARMACIST_ORG[actor]:
            cl.ledger.violation(f"order.create: {actor} got another pharmacy's order {order}")
        cl.ledger.ack(
            "order.create" if r.status_code == 201 else "order.held", c.cpr,
            order_id=order["id"], prescription_id=rx.id, pharmacy_id=order["pharmacy_id"],
        )  # fmt: skip
        with cl.world.lock:
            rx.order = (order["id"], order["pharmacy_id"])


def release_claim(cl: Client) -> None:
    c = cl.world.pick_citizen(cl.rng)
    with cl.world.lock:
        claimed = {k: p for k, p in c.prescriptions.items() if p.order is not None}
        rx = recent(cl.rng, claimed)
    if rx is None or rx.order is None:
        return claim(cl)
    order_id, pharmacy_id = rx.order
    r = cl.call(
        "order.cancel",
        _staff_of(cl, pharmacy_id),
        "POST",
        f"/citizens/{c.cpr}/orders/{order_id}/cancel",
        cpr=c.cpr,
        json={"reason": f"Customer left {cl.tag()}"},
    )
    if r is None:
        cl.ledger.lost_track("order.cancel", c.cpr, rx.id)
    elif r.status_code == 200:
        cl.ledger.ack("order.cancel", c.cpr, order_id=order_id, prescription_id=rx.id)
        with cl.world.lock:
            if rx.order and rx.order[0] == order_id:
                rx.order = None


# --- dispensings ---------------------------------------------------------------------------


def dispensing_body(cl: Client, rx: Prescription) -> dict[str, Any]:
    """Empty (the prescribed package, filling what may go out), the short form, one or more
    lines of the drug's other sizes, or a substitute from its substitution group."""
    own = cl.world.drugs[rx.drug_id].packages
    shape = cl.rng.random()
    if shape < 0.25:
        return {}
    if shape < 0.4:
        return {"package_number": rx.package_number, "package_quantity": cl.rng.randint(1, 2)}
    if shape < 0.85 or not cl.world.substitutes(rx.drug_id):
        chosen = cl.rng.sample(own, k=cl.rng.randint(1, min(2, len(own))))
    else:
        chosen = [cl.rng.choice(cl.world.substitutes(rx.drug_id))]
    return {
        "lines": [
            {"package_number": p.number, "package_quantity": cl.rng.randint(1, 2)} for p in chosen
        ]
    }


def dispense(cl: Client) -> None:
    c = cl.world.pick_citizen(cl.rng)
    rx = _open_rx(cl, c)
    if rx is None:
        return
    actor = _staff_of(cl, rx.order[1] if rx.order else None)
    body = dispensing_body(cl, rx)
    key = f"{cl.ledger.run_tag}-{uuid.UUID(int=cl.rng.getrandbits(128), version=4)}"
    path = f"/citizens/{c.cpr}/prescriptions/{rx.id}/dispensings"
    r = cl.call(
        "dispensing.create", actor, "POST", path, cpr=c.cpr, json=body,
        headers={"Idempotency-Key": key}, retry=True,
    )  # fmt: skip
    if r is None:
        cl.ledger.lost_track("dispensing.create", c.cpr, rx.id)
        return
    if r.status_code != 201:
        return
    d = r.json()
    if units(d["units"]) != sum((units(line["units"]) for line in d["lines"]), Decimal(0)):
        cl.ledger.violation(f"dispensing.create: units {d['units']} are not its lines' {d}")
    if units(d["remaining_units"]) < 0:
        cl.ledger.violation(f"dispensing.create: remaining {d['remaining_units']} below 0")
    if "lines" in body and [
        (x["package_number"], x["package_quantity"]) for x in body["lines"]
    ] != [(x["package_number"], x["package_quantity"]) for x in d["lines"]]:
        cl.ledger.violation(f"dispensing.create: lines {d['lines']} for {body['lines']}")
    cl.ledger.ack(
        "dispensing.create", c.cpr, dispensing_id=d["id"], prescription_id=rx.id,
        units=units(d["units"]), pharmacy_id=PHARMACIST_ORG[actor],
        lines=[(x["package_number"], x["package_quantity"]) for x in d["lines"]],
    )  # fmt: skip
    with cl.world.lock:
        c.dispensings[d["id"]] = Dispensing(d["id"], rx.id, PHARMACIST_ORG[actor])
        rx.order = None  # a dispensing fulfils the claim
        if d["prescription_status"] != "open":
            rx.status = d["prescription_status"]
    if cl.rng.random() < 0.08:
        _replay(cl, c, actor, path, key, body, d)


def _replay(
    cl: Client, c: Citizen, actor: str, path: str, key: str, body: dict[str, Any], first: Any
) -> None:
    """The same key and body: the first answer again, no second dispensing. The same key
    with another body: 422, nothing dispensed."""
    if cl.rng.random() < 0.7:
        r = cl.call(
            "dispensing.replay", actor, "POST", path, cpr=c.cpr, json=body,
            headers={"Idempotency-Key": key}, retry=True,
        )  # fmt: skip
        if (
            r is not None
            and r.status_code != 503
            and (r.status_code != 201 or r.json()["id"] != first["id"])
        ):
            cl.ledger.violation(
                f"dispensing.replay: key {key} answered {r.status_code} {r.text[:200]},"
                f" first answer was dispensing {first['id']}"
            )
    else:
        # Any other body will do: the key decides before the packages are looked at.
        other = (
            {"package_number": "100001", "package_quantity": 7}
            if body != {}
            else {"lines": [{"package_number": "100015"}]}
        )
        r = cl.call(
            "dispensing.key-reused", actor, "POST", path, cpr=c.cpr, json=other,
            headers={"Idempotency-Key": key},
        )  # fmt: skip
        if r is not None and r.status_code not in (422, 503):
            cl.ledger.violation(f"dispensing.key-reused: key {key} answered {r.status_code}")


def undo(cl: Client) -> None:
    c = cl.world.pick_citizen(cl.rng)
    with cl.world.lock:
        done = {k: d for k, d in c.dispensings.items() if not d.undo_acked}
        d = recent(cl.rng, done, last=10)
    if d is None:
        return dispense(cl)
    r = cl.call(
        "dispensing.undo",
        _staff_of(cl, d.pharmacy_id),
        "POST",
        f"/citizens/{c.cpr}/dispensings/{d.id}/undo",
        cpr=c.cpr,
        json={"reason": f"Wrong citizen at the counter {cl.tag()}"},
    )
    if r is None:
        cl.ledger.lost_track("dispensing.undo", c.cpr, d.id)
    elif r.status_code == 200:
        body = r.json()
        cl.ledger.ack(
            "dispensing.undo", c.cpr, dispensing_id=d.id, prescription_id=d.prescription_id
        )
        with cl.world.lock:
            d.undo_acked = True
            if rx := c.prescriptions.get(d.prescription_id):
                rx.status = body["prescription_status"]


def read_dispensing(cl: Client) -> None:
    c = cl.world.pick_citizen(cl.rng)
    with cl.world.lock:
        d = recent(cl.rng, c.dispensings, last=10)
        undone_before = d is not None and d.undo_acked
    if d is None:
        return list_prescriptions(cl)
    r = cl.call(
        "dispensing.read",
        cl.rng.choice(list(PHARMACIST_ORG)),
        "GET",
        f"/citizens/{c.cpr}/dispensings/{d.id}",
        cpr=c.cpr,
    )
    if r is not None and r.status_code == 200:
        body = r.json()
        if undone_before and body["status"] != "undone":
            cl.ledger.violation(f"dispensing.read: {d.id} undo was acknowledged, reads {body}")
        if units(body["remaining_units"]) < 0:
            cl.ledger.violation(f"dispensing.read: remaining below 0: {body}")
