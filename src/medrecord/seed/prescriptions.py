"""A medication's prescription with its history: iterations handed out up to yesterday (the
pause, the withdrawal), now and then in split packs or undone and handed out again; then open,
completed, expired (its validity ran out with iterations left), cancelled by the doctor or by
the withdrawal, or claimed by a pharmacy that is about to hand out the next iteration."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from medrecord.seed.organisations import STAFF, Organisation
from medrecord.seed.population import below, between
from medrecord.seed.rows import HISTORY_DAYS, Batch, N, World, money, random_uuid
from medrecord.seed.treatments import Treatment, copy_text

EXPIRED, CANCELLED, ORDERED = 0.05, 0.02, 0.25  # shares of prescriptions (see _write)
UNDONE, SPLIT = 0.005, 0.05  # shares of dispensings
CANCEL_REASONS = ("Wrong strength prescribed", "Replaced by a new prescription")
UNDO_REASONS = ("Wrong package handed out", "Handed to the wrong citizen")
ORDER_AHEAD = 7  # days: a pharmacy claims a prescription whose next iteration is this close


@dataclass(frozen=True)
class Made:
    """Who made the prescription, from which medication version, and its medication's end."""

    cid: str
    mid: str
    medication_version: int
    doctor: str  # COPY text of the prescriber's snapshot
    until: date  # nothing is handed out from this day (today, the pause, the withdrawal)
    withdrawn: tuple[str, str] | None  # the withdrawal's reason and time: cancels what is left
    paused: bool  # paused today: no pharmacy claims it


def add_prescription(
    world: World,
    rng: random.Random,
    batch: Batch,
    made: Made,
    t: Treatment,
    start: date,
    pharmacy: Organisation,
) -> int:
    """Writes the prescription, its dispensings and any open order; returns the card changes
    beyond the prescription itself (a cancellation, a claim)."""
    today, interval, until = world.today, t.interval_days, made.until
    validity, cancel_on = HISTORY_DAYS, None
    if t.course_days:
        valid_from, iterations = start, 1
        dispensed = 1 if start < today else 0
    elif t.once:
        valid_from, iterations = max(start, today - timedelta(days=between(rng, 1, 45))), 1
        dispensed = (
            1
            if valid_from < min(until, valid_from + timedelta(days=30)) and (rng.random() < 0.5)
            else 0
        )
        validity = 30
    else:
        expires = made.withdrawn is None and rng.random() < EXPIRED
        if expires and (today - start).days >= 400:
            # Written for a year, more than a year ago: the citizen never renewed it.
            valid_from, validity = today - timedelta(days=between(rng, 400, HISTORY_DAYS - 30)), 365
            until = min(until, valid_from + timedelta(days=validity))
        else:
            valid_from = max(start, today - timedelta(days=between(rng, 20, HISTORY_DAYS - 30)))
        cancel_on = None
        if made.withdrawn is None and not made.paused and rng.random() < CANCELLED:
            cancel_on = max(
                valid_from + timedelta(days=1), today - timedelta(days=between(rng, 1, 60))
            )
            until = min(until, cancel_on)
        elapsed = (until - valid_from).days - 1
        due = 0 if elapsed < 0 else elapsed // interval + 1
        iterations = min(max(between(rng, 2, 4), due + 1), max(2, HISTORY_DAYS // interval))
        dispensed = min(due, iterations - 1)
    if made.withdrawn is not None:  # written before the withdrawal
        valid_from = min(valid_from, until - timedelta(days=1))
    valid_to = valid_from + timedelta(days=validity)
    pid = random_uuid(rng)
    per_iteration = t.package.size * t.package_quantity
    upi = money(per_iteration)
    last = N
    for i in range(1, dispensed + 1):
        last = _dispense(world, rng, batch, made.cid, pid, i, t, upi, pharmacy,
                         valid_from + timedelta(days=(i - 1) * interval))  # fmt: skip
    status, reason, version, modified_at, changes = "open", N, 1, world.at(valid_from), 0
    if dispensed >= iterations:
        status = "completed"
    elif made.withdrawn is not None:  # as close_open_prescriptions_of does
        status, version, modified_at = "cancelled", 2, made.withdrawn[1]
        reason = copy_text(f"Medication withdrawn: {made.withdrawn[0]}")
    elif cancel_on is not None:
        status, version, modified_at, changes = "cancelled", 2, world.at(cancel_on), 1
        reason = copy_text(rng.choice(CANCEL_REASONS))
    elif valid_to >= today and not made.paused:
        next_due = valid_from + timedelta(days=dispensed * interval)
        if next_due <= today + timedelta(days=ORDER_AHEAD) and rng.random() < ORDERED:
            n = between(rng, 1, STAFF["pharmacist"])
            at = world.at(max(valid_from, today - timedelta(days=between(rng, 0, 3))))
            batch.add(
                "pharmacy_order", made.cid, random_uuid(rng), pid, pharmacy.id, "ordered",
                world.staff(pharmacy, "pharmacist", n), at, at,
            )  # fmt: skip
            changes = 1
    batch.add(
        "prescription", made.cid, pid, made.mid, str(made.medication_version), t.drug_id,
        t.package.number, str(t.package_quantity), str(iterations),
        str(interval) if iterations > 1 else N, "days" if iterations > 1 else N,
        t.package.unit, upi, money(per_iteration * iterations),
        money(per_iteration * dispensed), t.derived(start)[2], t.indication_code or N,
        copy_text(t.indication_text) if t.indication_text else N, valid_from.isoformat(),
        valid_to.isoformat(), "t", status, reason, last, last, made.doctor, str(version),
        world.at(valid_from), modified_at,
    )  # fmt: skip
    return changes


def _dispense(
    world: World,
    rng: random.Random,
    batch: Batch,
    cid: str,
    pid: str,
    iteration: int,
    t: Treatment,
    upi: str,
    usual: Organisation,
    day: date,
) -> str:
    """Iteration ``iteration`` handed out on ``day`` (at the usual pharmacy, 10 %: another),
    in split packs now and then; rarely undone that afternoon and handed out again. Returns
    when the completed dispensing was."""
    shop = usual if rng.random() < 0.9 else world.pharmacies[below(rng, len(world.pharmacies))]
    pharmacist = world.staff(shop, "pharmacist", between(rng, 1, STAFF["pharmacist"]))
    at = world.at(day)
    if rng.random() < UNDONE and day + timedelta(days=1) < world.today:
        did = random_uuid(rng)
        undone = world.later(day)
        batch.add(
            "dispensing", cid, did, pid, str(iteration), "t", shop.id, pharmacist, upi, at,
            "undone", undone, copy_text(rng.choice(UNDO_REASONS)),
        )  # fmt: skip
        _lines(batch, cid, did, t, upi, split=False)
        at = undone
    did = random_uuid(rng)
    batch.add(
        "dispensing", cid, did, pid, str(iteration), "t", shop.id, pharmacist, upi, at,
        "completed", N, N,
    )  # fmt: skip
    _lines(batch, cid, did, t, upi, split=t.split is not None and rng.random() < SPLIT)
    return at


def _lines(batch: Batch, cid: str, did: str, t: Treatment, upi: str, *, split: bool) -> None:
    if t.split is None or not split:
        batch.add(
            "dispensing_line", cid, did, "1", t.drug_id, t.package.number,
            str(t.package_quantity), upi, "f",
        )  # fmt: skip
        return
    for number, (package, quantity) in enumerate(t.split, start=1):
        batch.add(
            "dispensing_line", cid, did, str(number), t.drug_id, package.number, str(quantity),
            money(package.size * quantity), "f",
        )  # fmt: skip
