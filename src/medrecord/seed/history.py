"""A citizen's history beside the card: hospital admissions, reads of the card, and now and
then an emergency access with an administrator's review of it."""

from __future__ import annotations

import random
from datetime import UTC, datetime, time, timedelta

from medrecord.seed.organisations import STAFF, Organisation
from medrecord.seed.population import below, between
from medrecord.seed.rows import HISTORY_DAYS, Batch, N, World, ordered_uuid, random_uuid
from medrecord.seed.treatments import copy_text

ADMITTED_NOW, ADMITTED_BEFORE = 0.02, 0.06  # shares of citizens
EMERGENCY = 0.005  # share of citizens whose card was read in an emergency in the last 2 years
REVIEWED_AFTER = 14  # days: older emergency accesses have been reviewed
EMERGENCY_REASONS = (
    "Unconscious patient admitted through the emergency department",
    "Acute admission, the patient cannot consent or answer questions",
    "Suspected poisoning: the current medication is needed now",
)
CONCLUSIONS = (
    "Justified: acute admission, treatment relation confirmed by the ward.",
    "Justified: the patient was unconscious on arrival.",
)


def add_relations(world: World, rng: random.Random, batch: Batch, cid: str) -> None:
    """A hospital admission now (2 %) or in the last two years (6 %)."""
    r = rng.random()
    if r >= ADMITTED_NOW + ADMITTED_BEFORE:
        return
    ward = world.hospitals[below(rng, len(world.hospitals))]
    if r < ADMITTED_NOW:
        begun = world.today - timedelta(days=between(rng, 0, 10))
        ends = world.today + timedelta(days=between(rng, 1, 14))
    else:
        begun = world.today - timedelta(days=between(rng, 20, HISTORY_DAYS))
        ends = begun + timedelta(days=between(rng, 1, 14))
    doctor = world.staff(ward, "doctor", between(rng, 1, STAFF["doctor"]))
    batch.add(
        "treatment_relation", cid, random_uuid(rng), ward.id, "admitted", world.at(begun),
        world.at(ends), doctor, world.at(begun),
    )  # fmt: skip


def add_access_log(
    world: World,
    rng: random.Random,
    batch: Batch,
    cid: str,
    gp: Organisation,
    doctor: int,
    pharmacy: Organisation,
    number: int,
) -> None:
    """One to four reads of the card in the last two years: the GP's (the citizen's own
    doctor at the practice), a pharmacy's (with the citizen's consent), the citizen's own."""
    midnight = datetime.combine(world.today, time(0), tzinfo=UTC)
    for _ in range(1 + below(rng, 4)):
        at = (midnight - timedelta(seconds=below(rng, HISTORY_DAYS * 86400))).isoformat()
        who = rng.random()
        if who < 0.6:
            subject, name, role, org, purpose = (
                gp.subject("doctor", doctor), gp.person("doctor", doctor), "doctor", gp.id,
                "treatment",
            )  # fmt: skip
        elif who < 0.9:
            n = between(rng, 1, STAFF["pharmacist"])
            subject, name, role, org, purpose = (
                pharmacy.subject("pharmacist", n), pharmacy.person("pharmacist", n),
                "pharmacist", pharmacy.id, "consent",
            )  # fmt: skip
        else:
            subject, name, role, org, purpose = f"citizen-{cid}", "Citizen", "citizen", N, "self"
        batch.add(
            "audit_event", ordered_uuid(rng, number), at, subject, name, role, org, cid,
            "medication-card.read", "medication_card", N, purpose, N, "success", N,
        )  # fmt: skip
    if rng.random() < EMERGENCY:
        _emergency(world, rng, batch, cid, number)


def _emergency(world: World, rng: random.Random, batch: Batch, cid: str, number: int) -> None:
    """A hospital doctor read the card without a relation, giving a reason; an administrator
    has reviewed it unless it is recent (the review is audited too, as the app does)."""
    ward = world.hospitals[below(rng, len(world.hospitals))]
    n = between(rng, 1, STAFF["doctor"])
    happened = datetime.combine(world.today, time(0), tzinfo=UTC) - timedelta(
        seconds=below(rng, HISTORY_DAYS * 86400)
    )
    event = ordered_uuid(rng, number)
    batch.add(
        "audit_event", event, happened.isoformat(), ward.subject("doctor", n),
        ward.person("doctor", n), "doctor", ward.id, cid, "medication-card.read",
        "medication_card", N, "emergency", copy_text(rng.choice(EMERGENCY_REASONS)), "success", N,
    )  # fmt: skip
    if (world.today - happened.date()).days <= REVIEWED_AFTER:
        return
    reviewed = (happened + timedelta(days=between(rng, 1, REVIEWED_AFTER))).isoformat()
    admin = between(rng, 1, STAFF["admin"])
    batch.add(
        "emergency_review", event, reviewed, world.staff(ward, "admin", admin),
        copy_text(rng.choice(CONCLUSIONS)),
    )  # fmt: skip
    batch.add(
        "audit_event", ordered_uuid(rng, number), reviewed, ward.subject("admin", admin),
        ward.person("admin", admin), "admin", ward.id, cid, "emergency-access.review",
        "audit_event", event, "admin", N, "success", N,
    )  # fmt: skip
