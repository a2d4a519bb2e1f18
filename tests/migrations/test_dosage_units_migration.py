"""The migration that adds `drug.dosage_units` fills existing drugs from their form, else from
their package, never an empty list, and names the drugs it had to guess."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from medrecord import migrate
from medrecord.db import make_engine

BEFORE, ADDED = "995a4b41de3b", "b1d05a6e0040"

# (id, form, ATC, package units) → expected dosage units
DRUGS: list[tuple[str, str, str, list[str], list[str]]] = [
    ("1", " Film-coated  Tablet", "N02BE01", ["tablet"], ["tablet"]),
    ("2", "oral drops", "A06AB08", ["ml"], ["drop", "ml"]),
    ("3", "solution for injection", "A10AE04", ["ml"], ["unit"]),  # an insulin
    ("4", "solution for injection", "A10BJ06", ["ml"], ["ml", "injection"]),
    ("5", "inhalation aerosol", "R03AC02", ["dose"], ["puff"]),
    ("6", "chewing gum", "N07BA01", [" Tablet", "capsule"], ["tablet"]),
    ("7", "cream", "D07AA02", ["g"], ["dose"]),
    ("8", "lozenge", "R02AA20", [], ["dose"]),
]


def test_existing_drugs_get_units_from_their_form_else_their_package(
    fresh_database: Callable[[], str], caplog: pytest.LogCaptureFixture
) -> None:
    engine = make_engine(fresh_database())
    try:
        migrate.upgrade(engine, BEFORE)
        with engine.begin() as conn:
            for id_, form, atc, package_units, _ in DRUGS:
                conn.execute(
                    text(
                        "INSERT INTO drug (id, name, form, strength, atc_code) "
                        "VALUES (:id, 'Zz', :form, '1 mg', :atc)"
                    ),
                    {"id": id_, "form": form, "atc": atc},
                )
                for index, unit in enumerate(package_units):
                    conn.execute(
                        text(
                            "INSERT INTO drug_package (package_number, drug_id, size, unit) "
                            "VALUES (:number, :id, 10, :unit)"
                        ),
                        {"number": f"{id_}0000{index}", "id": id_, "unit": unit},
                    )

        with caplog.at_level(logging.WARNING):
            migrate.upgrade(engine, ADDED)

        with engine.connect() as conn:
            rows = conn.execute(text("SELECT id, dosage_units FROM drug")).all()
            units: dict[str, list[str]] = {id_: list(value) for id_, value in rows}
            with pytest.raises(IntegrityError, match="ck_drug_dosage_units_not_empty"):
                conn.execute(text("UPDATE drug SET dosage_units = '{}' WHERE id = '1'"))
            conn.rollback()
        assert units == {id_: expected for id_, *_, expected in DRUGS}
        assert "4 drugs have a form without known dosage units" in caplog.text
        assert "5 (inhalation aerosol)" in caplog.text and "8 (lozenge)" in caplog.text

        migrate.downgrade(engine, BEFORE)
        with engine.connect() as conn:
            columns = conn.execute(
                text("SELECT column_name FROM information_schema.columns WHERE table_name='drug'")
            ).scalars()
            assert "dosage_units" not in set(columns)
    finally:
        engine.dispose()
