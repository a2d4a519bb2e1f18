"""The migration that adds substances, dispensing group and the over-the-counter flag: existing
drugs become prescription-only (A) with no substances, except the demo catalogue's own drugs
(same id and name), which get the catalogue's values; the database keeps flag and group
together; the downgrade keeps drugs with a level-4 ATC code."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest
from sqlalchemy import Connection, text
from sqlalchemy.exc import IntegrityError

from medrecord import migrate
from medrecord.db import make_engine

BEFORE, ADDED = "c2e05a6e0041", "d3e05a6e0042"

# (id, name, ATC) before → (substances, group, otc) after
DRUGS: list[tuple[str, str, str, tuple[list[str], str, bool]]] = [
    ("28100000000", "Pinex", "N02BE01", (["paracetamol"], "A", False)),
    ("28100380112", "OxyNorm", "N02AA05", (["oxycodone"], "A§4", False)),
    ("28100221732", "Hjertemagnyl", "B01AC06", (["acetylsalicylic acid"], "HA", True)),
    ("28100245489", "Not Eliquis", "B01AF02", ([], "A", False)),  # a demo id, another drug
    ("66000000001", "Imported", "N02BE01", ([], "A", False)),
]


def insert_drug(conn: Connection, id_: str, name: str, atc: str) -> None:
    conn.execute(
        text(
            "INSERT INTO drug (id, name, form, strength, atc_code, dosage_units) "
            "VALUES (:id, :name, 'tablet', '1 mg', :atc, ARRAY['tablet'])"
        ),
        {"id": id_, "name": name, "atc": atc},
    )


def test_existing_drugs_are_prescription_only_unless_the_demo_catalogue_says_otherwise(
    fresh_database: Callable[[], str],
) -> None:
    engine = make_engine(fresh_database())
    try:
        migrate.upgrade(engine, BEFORE)
        with engine.begin() as conn:
            for id_, name, atc, _ in DRUGS:
                insert_drug(conn, id_, name, atc)

        migrate.upgrade(engine, ADDED)

        with engine.connect() as conn:
            rows = conn.execute(
                text("SELECT id, active_substances, dispensing_group, otc FROM drug")
            ).all()
        assert {id_: (list(s), g, o) for id_, s, g, o in rows} == {
            id_: expected for id_, _, _, expected in DRUGS
        }
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("statement", "constraint"),
    [
        ("UPDATE drug SET dispensing_group = 'C'", "ck_drug_dispensing_group"),
        ("UPDATE drug SET otc = true", "ck_drug_otc_matches_dispensing_group"),
        ("UPDATE drug SET dispensing_group = 'HF'", "ck_drug_otc_matches_dispensing_group"),
        ("UPDATE drug SET atc_code = 'A12A'", "ck_drug_atc_code_format"),
    ],
)
def test_the_database_refuses_an_unknown_group_and_a_flag_against_its_group(
    fresh_database: Callable[[], str], statement: str, constraint: str
) -> None:
    engine = make_engine(fresh_database())
    try:
        migrate.upgrade(engine, ADDED)
        with engine.connect() as conn:
            insert_drug(conn, "1", "Zz", "A12AX")  # a level-4 code: a combination
            conn.execute(text("UPDATE drug SET dispensing_group = 'HF', otc = true"))
            conn.execute(text("UPDATE drug SET dispensing_group = 'A', otc = false"))
            with pytest.raises(IntegrityError, match=constraint):
                conn.execute(text(statement))
            conn.rollback()
    finally:
        engine.dispose()


def test_downgrade_drops_the_columns_and_keeps_level_4_drugs(
    fresh_database: Callable[[], str], caplog: pytest.LogCaptureFixture
) -> None:
    engine = make_engine(fresh_database())
    try:
        migrate.upgrade(engine, ADDED)
        with engine.begin() as conn:
            insert_drug(conn, "1", "Zzkalk", "A12AX")
            insert_drug(conn, "2", "Zzpinex", "N02BE01")

        with caplog.at_level(logging.WARNING):
            migrate.downgrade(engine, BEFORE)

        with engine.connect() as conn:
            columns = set(
                conn.execute(
                    text(
                        "SELECT column_name FROM information_schema.columns "
                        "WHERE table_name = 'drug'"
                    )
                ).scalars()
            )
            assert {"active_substances", "dispensing_group", "otc"}.isdisjoint(columns)
            assert conn.execute(text("SELECT count(*) FROM drug")).scalar_one() == 2
            with pytest.raises(IntegrityError, match="ck_drug_atc_code_format"):
                insert_drug(conn, "3", "Zznew", "A12AX")  # new rows meet the old check
            conn.rollback()
        assert "1 drugs have a level-4 ATC code" in caplog.text

        migrate.upgrade(engine, ADDED)
        with engine.connect() as conn:
            groups = conn.execute(text("SELECT DISTINCT dispensing_group FROM drug")).scalars()
            assert list(groups) == ["A"]
    finally:
        engine.dispose()
