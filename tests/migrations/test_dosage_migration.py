"""The data migration of issue 9: old flat dosages become structures where their meaning is
certain, and free text (with the text the card showed) where it is not."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from sqlalchemy import text

from medrecord import migrate
from medrecord.db import make_engine

BEFORE = "b1d05a6e0040"  # the revision before dosages were structured

OLD_DOSAGES: list[tuple[str, dict[str, Any], str, str | None]] = [
    # (name, old dosage, old text, end date)
    ("fixed", {"kind": "fixed", "unit": "tablet", "morning": 1, "evening": 1},
     "1 tablet morning and evening", None),
    ("timed", {"kind": "fixed", "unit": "unit", "timed": [{"time": "22:00", "quantity": 24}],
               "note": "i låret"}, "24 units at 22:00. i låret", None),
    ("course", {"kind": "temporary", "unit": "capsule", "morning": 1, "noon": 1, "evening": 1},
     "1 capsule morning, noon and evening (temporary)", "2026-11-07"),
    ("as-needed", {"kind": "as_needed", "unit": "tablet", "max_per_day": 4},
     "1 tablet as needed, at most 4 tablets a day", None),
    ("temporary-open", {"kind": "temporary", "unit": "tablet", "morning": 6},
     "6 tablets morning (temporary)", None),
    ("fixed-with-max", {"kind": "fixed", "unit": "tablet", "morning": 1, "max_per_day": 3},
     "1 tablet morning", None),
    ("odd-unit", {"kind": "fixed", "unit": "spoonful", "morning": 1}, "1 spoonful morning", None),
    ("unit-not-of-form", {"kind": "fixed", "unit": "ml", "morning": 1000}, "1000 ml morning", None),
    ("duplicate-times", {"kind": "fixed", "unit": "capsule", "timed": [
        {"time": "08:00", "quantity": 1}, {"time": "08:00", "quantity": 2}]},
     "1 capsule at 08:00 and 2 capsules at 08:00", None),
]  # fmt: skip


def test_old_dosages_are_structured_where_certain_and_free_text_otherwise(
    fresh_database: Callable[[], str],
) -> None:
    engine = make_engine(fresh_database())
    try:
        migrate.upgrade(engine, BEFORE)
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO organisation VALUES ('gp1', 'GP', 'gp_practice')"))
            conn.execute(
                text(
                    "INSERT INTO citizen (id, cpr, name, birth_date, gp_practice_id, created_at) "
                    "VALUES (gen_random_uuid(), '0101501234', 'A', '1950-01-01', 'gp1', now())"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO drug (id, name, form, strength, atc_code, dosage_units) "
                    "VALUES ('1', 'D', 'tablet', '1 mg', 'N02BE01', '{tablet,unit,capsule}')"
                )
            )
            for name, dosage, old_text, end in OLD_DOSAGES:
                conn.execute(
                    text(
                        "INSERT INTO medication (citizen_id, id, drug_id, indication_text, route,"
                        " dosage, dosage_text, substitution_allowed, start_date,"
                        " started_previously, end_date, status, private, version, created_by,"
                        " modified_by, created_at, modified_at) "
                        "SELECT id, gen_random_uuid(), '1', :name, 'oral', CAST(:dosage AS jsonb),"
                        " :text, true, '2026-11-01', false, CAST(:end AS date), 'active', false,"
                        " 1, '{}', '{}', now(), now() FROM citizen"
                    ),
                    {"name": name, "dosage": json.dumps(dosage), "text": old_text, "end": end},
                )

        migrate.upgrade(engine)

        with engine.connect() as conn:
            rows = conn.execute(
                text("SELECT indication_text, dosage, dosage_derived, dosage_text FROM medication")
            ).all()
        migrated = {name: (dosage, derived, shown) for name, dosage, derived, shown in rows}
        assert migrated["fixed"][0] == {
            "unit": "tablet",
            "periods": [
                {
                    "cycle_days": 1,
                    "days": [
                        {
                            "day": 1,
                            "doses": [
                                {"at": "morning", "quantity": 1},
                                {"at": "evening", "quantity": 1},
                            ],
                        }
                    ],
                }
            ],
        }
        assert migrated["fixed"][2] == "1 tablet morgen og aften"
        assert migrated["timed"][2] == "24 enheder kl. 22:00 daglig.\nBemærk: i låret"
        assert migrated["course"][0]["periods"][0]["length_days"] == 7
        assert migrated["course"][1]["temporary"] is True
        assert migrated["course"][2] == "1 kapsel morgen, middag og aften i 1 uge"
        free = {
            "as-needed", "temporary-open", "fixed-with-max", "odd-unit", "duplicate-times",
            "unit-not-of-form",
        }  # fmt: skip
        for name, (dosage, derived, _) in migrated.items():
            if name in free:
                old_text = next(t for n, _, t, _ in OLD_DOSAGES if n == name)
                assert dosage == {"free_text": old_text}, name
                assert derived["type"] == "unspecified"
        assert {n for n, (d, _, _) in migrated.items() if "free_text" not in d} == {
            "fixed",
            "timed",
            "course",
        }

        migrate.downgrade(engine, BEFORE)
        with engine.connect() as conn:
            back = {
                name: dosage
                for name, dosage in conn.execute(
                    text("SELECT indication_text, dosage FROM medication")
                )
            }
        assert back["fixed"] == {"kind": "fixed", "unit": "tablet", "morning": 1, "evening": 1}
    finally:
        engine.dispose()
