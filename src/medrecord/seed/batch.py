"""One batch of citizens as COPY text, table by table: each citizen with a GP practice, a
card, medications drawn by age and sex (version rows to match), prescriptions with their
iterations, dispensings up to yesterday with their lines, now and then a hospital admission,
and a few reads of the card in the access log.

Rows are written as COPY text lines, not through ``write_row``: adapting every value costs more
than everything else together, and almost all of it is constant per treatment or per day."""

from __future__ import annotations

import math
import random
from datetime import date, timedelta
from itertools import pairwise

from medrecord.seed import history, population
from medrecord.seed.organisations import STAFF, Organisation
from medrecord.seed.population import below, between
from medrecord.seed.prescriptions import Made, add_prescription
from medrecord.seed.rows import HISTORY_DAYS, Batch, N, World, ordered_uuid, random_uuid
from medrecord.seed.treatments import Treatment, copy_text

# Mean medications on the card by age: (age, mean), linear in between.
MEDICATIONS_BY_AGE: tuple[tuple[int, float], ...] = (
    (0, 0.3), (19, 0.3), (30, 0.8), (50, 2.0), (65, 3.6), (80, 6.0), (120, 6.0),
)  # fmt: skip
WITHDRAWN, PAUSED, PRIVATE, PRESCRIBED = 0.04, 0.03, 0.02, 0.8  # shares of medications
REVIEWED = 0.4  # share of cards with medications their GP reviewed (ajourført) in the last year
WITHDRAWAL_REASONS = ("Side effects", "No longer needed", "Replaced by another treatment")


def mean_medications(age: int) -> float:
    for (a0, m0), (a1, m1) in pairwise(MEDICATIONS_BY_AGE):
        if a0 <= age <= a1:
            return m0 + (m1 - m0) * (age - a0) / (a1 - a0)
    return MEDICATIONS_BY_AGE[-1][1]


def poisson(rng: random.Random, mean: float) -> int:
    """Knuth's method: fine for the small means of a medication list."""
    limit, k, p = math.exp(-mean), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def make_batch(
    world: World, rng: random.Random, cprs: population.CprAllocator, first: int, count: int
) -> Batch:
    """Citizens number ``first`` to ``first + count - 1``."""
    batch = Batch(citizens=count)
    for number in range(first, first + count):
        _citizen(world, rng, cprs, batch, number)
    return batch


def _citizen(
    world: World, rng: random.Random, cprs: population.CprAllocator, batch: Batch, number: int
) -> None:
    today = world.today
    sex = "F" if rng.random() < 0.505 else "M"
    age = population.draw_age(rng)
    born = population.birth_date(rng, age, today)
    cid = ordered_uuid(rng, number)
    gp = world.gps[below(rng, len(world.gps))]
    doctor = between(rng, 1, STAFF["doctor"])  # the citizen's own doctor at the practice
    pharmacy = world.pharmacies[below(rng, len(world.pharmacies))]
    batch.add(
        "citizen", cid, cprs.next(born, sex), population.name(rng, sex), born.isoformat(), gp.id,
        world.at(max(born, today - timedelta(days=HISTORY_DAYS))),
    )  # fmt: skip
    card_version = 1
    wanted = poisson(rng, mean_medications(age))
    fitting, weights = world.candidates(age, sex)
    if wanted and fitting:
        kinds: set[str] = set()
        for treatment in rng.choices(fitting, cum_weights=weights, k=wanted * 2):
            if len(kinds) >= wanted:
                break
            if treatment.kind in kinds:
                continue
            kinds.add(treatment.kind)
            card_version += _medication(
                world, rng, batch, cid, age, sex, treatment, world.staff(gp, "doctor", doctor),
                gp, pharmacy,
            )  # fmt: skip
    reviewed_at = reviewed_by = N
    if card_version > 1 and rng.random() < REVIEWED:
        reviewed_at = world.at(today - timedelta(days=between(rng, 1, 365)))
        reviewed_by = world.staff(gp, "doctor", doctor)
        card_version += 1
    batch.add("medication_card", cid, str(card_version), reviewed_at, reviewed_by)
    history.add_relations(world, rng, batch, cid)
    history.add_access_log(world, rng, batch, cid, gp, doctor, pharmacy, number)


def _start(rng: random.Random, treatment: Treatment, age: int, sex: str, today: date) -> date:
    """A course began in the last four months; a chronic treatment months or years ago (never
    before the citizen was old enough for it), older ones recorded on the 1st of the month."""
    if treatment.course_days:
        return today - timedelta(days=between(rng, 0, 120))
    years = age - treatment.ages[sex][0]
    day = today - timedelta(days=between(rng, 30, max(60, min(3650, years * 365))))
    return day if (today - day).days <= 365 else day.replace(day=1)


def _medication(
    world: World,
    rng: random.Random,
    batch: Batch,
    cid: str,
    age: int,
    sex: str,
    t: Treatment,
    doctor: str,
    gp: Organisation,
    pharmacy: Organisation,
) -> int:
    """Writes one medication with its versions and prescription; returns the card changes."""
    today = world.today
    mid = random_uuid(rng)
    start = _start(rng, t, age, sex, today)
    end = t.end_date(start)
    derived, text, _texts, text_json = t.derived(start)
    private = rng.random() < PRIVATE
    status, version = "active", 1
    paused_from = paused_to = reason = None
    r = rng.random()
    if not t.course_days and r < WITHDRAWN:
        status, version, reason = "withdrawn", 2, rng.choice(WITHDRAWAL_REASONS)
    elif not t.course_days and r < WITHDRAWN + PAUSED:
        status, version = "paused", 2
        paused_from = today + timedelta(days=between(rng, -20, 5))
        paused_to = paused_from + timedelta(days=between(rng, 7, 40))
    changed = today - timedelta(days=between(rng, 1, 20))
    created_at = world.at(start)
    modified_at = world.at(changed) if version == 2 else created_at
    code = t.indication_code or N
    itext = copy_text(t.indication_text) if t.indication_text else N
    end_s = end.isoformat() if end else N
    org = gp.id if private else N
    batch.add(
        "medication", cid, mid, t.drug_id, code, itext, t.route, t.dosage_json, derived, text,
        "t", start.isoformat(), "f", end_s, status,
        paused_from.isoformat() if paused_from else N, paused_to.isoformat() if paused_to else N,
        reason or N, modified_at if status == "withdrawn" else N, "t" if private else "f", org,
        str(version), doctor, doctor, created_at, modified_at,
    )  # fmt: skip
    # The state as medication.repository.state_of keeps it (keys in its order).
    head = (
        f'{{"drug_id":"{t.drug_id}","indication_code":{_j(t.indication_code)},'
        f'"indication_text":{_j(t.indication_text)},"route":"{t.route}",'
        f'"dosage":{t.dosage_json},"dosage_derived":{derived},"dosage_text":{text_json},'
        f'"substitution_allowed":true,"start_date":"{start.isoformat()}",'
        f'"started_previously":false,"end_date":{_j(end.isoformat() if end else None)},'
    )
    tail = f',"private":{"true" if private else "false"}}}'
    created = '"status":"active","paused_from":null,"paused_to":null,"withdrawal_reason":null'
    batch.add(
        "medication_version", cid, mid, "1", "created", head + created + tail, doctor, created_at
    )
    if version == 2:
        pause = (
            f'"status":"{status}","paused_from":{_j(_iso(paused_from))},'
            f'"paused_to":{_j(_iso(paused_to))},"withdrawal_reason":{_j(reason)}'
        )
        batch.add(
            "medication_version", cid, mid, "2", status, head + pause + tail, doctor, modified_at
        )
    changes = version
    if rng.random() < PRESCRIBED:
        withdrawn = None if status != "withdrawn" else (reason or "", modified_at)
        until = changed if withdrawn else today
        if paused_from is not None and paused_from <= today:
            until = paused_from
        made = Made(
            cid=cid, mid=mid, medication_version=1 if withdrawn else version, doctor=doctor,
            until=until, withdrawn=withdrawn,
            paused=paused_from is not None and paused_from <= today <= (paused_to or today),
        )  # fmt: skip
        changes += 1 + add_prescription(world, rng, batch, made, t, start, pharmacy)
    return changes


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None


def _j(value: str | None) -> str:
    """A JSON string or null (our values hold no quotes, backslashes or control characters)."""
    return "null" if value is None else f'"{value}"'
