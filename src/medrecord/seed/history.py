"""A citizen's history beside the card: hospital admissions and reads of the card."""

from __future__ import annotations

import random
from datetime import UTC, datetime, time, timedelta

from medrecord.seed.organisations import Organisation
from medrecord.seed.rows import HISTORY_DAYS, Batch, N, World, ordered_uuid, random_uuid

ADMITTED_NOW, ADMITTED_BEFORE = 0.02, 0.06  # shares of citizens


def add_relations(world: World, rng: random.Random, batch: Batch, cid: str) -> None:
    """A hospital admission now (2 %) or in the last two years (6 %)."""
    r = rng.random()
    if r >= ADMITTED_NOW + ADMITTED_BEFORE:
        return
    ward = world.hospitals[rng.randrange(len(world.hospitals))]
    if r < ADMITTED_NOW:
        begun = world.today - timedelta(days=rng.randint(0, 10))
        ends = world.today + timedelta(days=rng.randint(1, 14))
    else:
        begun = world.today - timedelta(days=rng.randint(20, HISTORY_DAYS))
        ends = begun + timedelta(days=rng.randint(1, 14))
    batch.add(
        "treatment_relation", cid, random_uuid(rng), ward.id, "admitted", world.at(begun),
        world.at(ends), world.staff(ward, "doctor"), world.at(begun),
    )  # fmt: skip


def add_access_log(
    world: World,
    rng: random.Random,
    batch: Batch,
    cid: str,
    gp: Organisation,
    pharmacy: Organisation,
    number: int,
) -> None:
    """One to four reads of the card in the last two years: the GP's, a pharmacy's (with the
    citizen's consent), the citizen's own."""
    midnight = datetime.combine(world.today, time(0), tzinfo=UTC)
    for _ in range(1 + rng.randrange(4)):
        at = (midnight - timedelta(seconds=rng.randrange(HISTORY_DAYS * 86400))).isoformat()
        who = rng.random()
        if who < 0.6:
            subject, name, role, org, purpose = (
                f"doctor-1@{gp.id}",
                f"Doctor 1, {gp.name}",
                "doctor",
                gp.id,
                "treatment",
            )
        elif who < 0.9:
            subject, name, role, org, purpose = (
                f"pharmacist-1@{pharmacy.id}", f"Pharmacist 1, {pharmacy.name}", "pharmacist",
                pharmacy.id, "consent",
            )  # fmt: skip
        else:
            subject, name, role, org, purpose = f"citizen-{cid}", "Citizen", "citizen", N, "self"
        batch.add(
            "audit_event", ordered_uuid(rng, number), at, subject, name, role, org, cid,
            "medication-card.read", "medication_card", N, purpose, N, "success", N,
        )  # fmt: skip
