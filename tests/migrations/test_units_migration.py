"""The data migration of issue 10: prescriptions counted in iterations are counted in units,
from what their dispensings actually handed out, and each dispensing becomes one line."""

from __future__ import annotations

import logging
from collections.abc import Callable
from decimal import Decimal

import pytest
from sqlalchemy import text

from medrecord import migrate
from medrecord.db import make_engine

BEFORE = "d3e05a6e0042"  # the revision before amounts were kept in units

# (name, package quantity, iterations, dispensed iterations, status, dispensings' quantities)
PRESCRIPTIONS: list[tuple[str, int, int, int, str, list[int]]] = [
    ("untouched", 2, 2, 0, "open", []),
    ("one-of-two", 1, 2, 1, "open", [1]),
    # The old model counted a 1-package dispensing of a 2-package iteration as the iteration.
    ("partial-completed", 2, 1, 1, "completed", [1]),
    ("no-rows", 1, 3, 2, "open", []),
]


def test_prescriptions_are_counted_in_units_from_what_went_out(
    fresh_database: Callable[[], str], caplog: pytest.LogCaptureFixture
) -> None:
    engine = make_engine(fresh_database())
    try:
        migrate.upgrade(engine, BEFORE)
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO organisation VALUES ('gp1', 'GP', 'gp_practice')"))
            conn.execute(text("INSERT INTO organisation VALUES ('ph1', 'Apotek', 'pharmacy')"))
            conn.execute(
                text(
                    "INSERT INTO citizen (id, cpr, name, birth_date, gp_practice_id, created_at) "
                    "VALUES (gen_random_uuid(), '0101501234', 'A', '1950-01-01', 'gp1', now())"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO drug (id, name, form, strength, atc_code, dosage_units) "
                    "VALUES ('1', 'D', 'tablet', '1 mg', 'N02BE01', '{tablet}');"
                    "INSERT INTO drug_package (package_number, drug_id, size, unit) "
                    "VALUES ('100001', '1', 100, 'tablet')"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO medication (citizen_id, id, drug_id, indication_text, route,"
                    " dosage, dosage_derived, dosage_text, substitution_allowed, start_date,"
                    " started_previously, status, private, version, created_by, modified_by,"
                    " created_at, modified_at) "
                    "SELECT id, gen_random_uuid(), '1', 'Pain', 'oral', '{\"free_text\": \"x\"}',"
                    ' \'{"texts": {"da": {"long": "x"}, "en": {"long": "x"}}}\', \'x\','
                    " true, '2026-11-01', false, 'active', false, 1, '{}', '{}', now(), now()"
                    " FROM citizen"
                )
            )
            for name, quantity, iterations, dispensed, status, outs in PRESCRIPTIONS:
                conn.execute(
                    text(
                        "INSERT INTO prescription (citizen_id, id, medication_id,"
                        " medication_version, drug_id, package_number, package_quantity,"
                        " iterations, iteration_interval_days, valid_from, valid_to,"
                        " substitution_allowed, status, cancellation_reason,"
                        " dispensed_iterations, prescriber, version, created_at, modified_at) "
                        "SELECT citizen_id, gen_random_uuid(), id, 1, '1', '100001', :quantity,"
                        " :iterations, 30, '2026-11-01', '2027-11-01', true, :status, :name,"
                        " :dispensed, '{}', 1, now(), now() FROM medication"
                    ),
                    {
                        "quantity": quantity,
                        "iterations": iterations,
                        "status": status,
                        "name": name,
                        "dispensed": dispensed,
                    },
                )
                for number, out in enumerate(outs, start=1):
                    conn.execute(
                        text(
                            "INSERT INTO dispensing (citizen_id, id, prescription_id,"
                            " iteration_number, pharmacy_id, pharmacist, drug_id, package_number,"
                            " package_quantity, substituted, dispensed_at, status) "
                            "SELECT citizen_id, gen_random_uuid(), id, :number, 'ph1', '{}', '1',"
                            " '100001', :out, false, now(), 'completed' FROM prescription"
                            " WHERE cancellation_reason = :name"
                        ),
                        {"number": number, "out": out, "name": name},
                    )

        with caplog.at_level(logging.WARNING):
            migrate.upgrade(engine)

        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT cancellation_reason, unit, prescribed_units, dispensed_units,"
                    " status, iteration_interval, iteration_interval_unit, indication_text"
                    " FROM prescription"
                )
            ).all()
            lines = conn.execute(
                text("SELECT line_number, package_quantity, units FROM dispensing_line")
            ).all()
        migrated = {row[0]: row[1:] for row in rows}
        assert migrated["untouched"][:4] == ("tablet", Decimal(400), Decimal(0), "open")
        assert migrated["one-of-two"][:4] == ("tablet", Decimal(200), Decimal(100), "open")
        # The package the old model lost is dispensable again.
        assert migrated["partial-completed"][:4] == ("tablet", Decimal(200), Decimal(100), "open")
        assert migrated["no-rows"][:4] == ("tablet", Decimal(300), Decimal(200), "open")
        assert migrated["untouched"][4:] == (30, "days", "Pain")
        assert sorted(lines) == [(1, 1, Decimal(100)), (1, 1, Decimal(100))]
        assert "1 prescription(s) completed by partial dispensings are open again" in caplog.text

        migrate.downgrade(engine, BEFORE)
        with engine.connect() as conn:
            back = conn.execute(
                text("SELECT cancellation_reason, dispensed_iterations FROM prescription")
            ).all()
        assert dict(back) == {
            "untouched": 0, "one-of-two": 1, "partial-completed": 1, "no-rows": 2,
        }  # fmt: skip
    finally:
        engine.dispose()
