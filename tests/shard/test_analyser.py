"""The shard-key analyser (tests/support/shard_keys.py) on SQL snippets: it passes what routes to
one citizen's shard under distribution by citizen_id and fails what does not."""

from __future__ import annotations

import pytest
from sqlalchemy.dialects import postgresql

from medrecord.card.repository import CARD_SQL
from tests.support.shard_keys import analyse, to_postgres_placeholders


def unpinned(statement: str) -> list[str]:
    """The aliases the check finds unpinned; fails the test on a parse error."""
    analysis = analyse(statement)
    assert analysis.error is None, analysis.error
    return sorted(u.alias for u in analysis.unpinned)


def test_psycopg_placeholders_become_postgres_parameters() -> None:
    assert (
        to_postgres_placeholders("SELECT %(a)s, %(b)s, %(a)s, '5%%', %s")
        == "SELECT $1, $2, $1, '5%', $3"
    )


@pytest.mark.parametrize(
    "statement",
    [
        "SELECT * FROM medication WHERE citizen_id = %(c)s AND id = %(id)s",
        "SELECT * FROM medication m WHERE m.citizen_id = %(c)s::UUID",
        "SELECT * FROM medication m WHERE %(c)s = m.citizen_id",
        "SELECT * FROM medication m WHERE m.citizen_id = ANY(%(cs)s)",
        "SELECT * FROM medication m WHERE m.citizen_id IN (%(c1)s, %(c2)s)",
        "SELECT * FROM medication m WHERE m.citizen_id = 'c0ffee00-0000-0000-0000-000000000000'",
        "SELECT * FROM public.medication m WHERE m.citizen_id = $1 FOR UPDATE",
        "SELECT * FROM medication m JOIN drug d ON d.id = m.drug_id WHERE m.citizen_id = $1",
    ],
)
def test_reference_pinned_by_a_parameter_or_literal_passes(statement: str) -> None:
    assert unpinned(statement) == []


def test_reference_pinned_through_a_join_on_citizen_id_passes() -> None:
    assert (
        unpinned(
            "SELECT * FROM medication m JOIN prescription p "
            "ON p.citizen_id = m.citizen_id AND p.medication_id = m.id WHERE m.citizen_id = $1"
        )
        == []
    )
    assert (
        unpinned(
            "SELECT * FROM medication m JOIN prescription p USING (citizen_id) "
            "WHERE p.citizen_id = $1"
        )
        == []
    )


def test_reference_pinned_transitively_passes() -> None:
    statement = """
        SELECT * FROM dispensing_line l
        JOIN dispensing d ON d.citizen_id = l.citizen_id AND d.id = l.dispensing_id
        JOIN prescription p ON p.id = d.prescription_id
        WHERE d.citizen_id = p.citizen_id AND p.citizen_id = $1
    """
    assert unpinned(statement) == []


def test_join_on_another_column_does_not_pin() -> None:
    statement = """
        SELECT * FROM prescription p JOIN dispensing d ON d.prescription_id = p.id
        WHERE p.citizen_id = $1
    """
    assert unpinned(statement) == ["d"]


def test_or_pins_nothing() -> None:
    assert unpinned("SELECT * FROM medication m WHERE m.citizen_id = $1 OR m.id = $2") == ["m"]


def test_left_join_condition_does_not_pin_the_preserved_side() -> None:
    statement = """
        SELECT * FROM prescription p
        LEFT JOIN dispensing d ON d.citizen_id = p.citizen_id AND p.citizen_id = $1
    """
    assert unpinned(statement) == ["d", "p"]
    statement = """
        SELECT * FROM prescription p
        LEFT JOIN dispensing d ON d.citizen_id = p.citizen_id WHERE p.citizen_id = $1
    """
    assert unpinned(statement) == []


def test_unpinned_sub_select_fails() -> None:
    statement = """
        SELECT m.id, (SELECT count(*) FROM prescription p WHERE p.medication_id = m.id)
        FROM medication m WHERE m.citizen_id = $1
    """
    assert unpinned(statement) == ["p"]


def test_sub_select_correlated_on_citizen_id_passes() -> None:
    statement = """
        SELECT m.id, (SELECT count(*) FROM prescription p
                      WHERE p.citizen_id = m.citizen_id AND p.medication_id = m.id)
        FROM medication m
        WHERE m.citizen_id = $1
          AND NOT EXISTS (SELECT 1 FROM pharmacy_order o WHERE o.citizen_id = m.citizen_id)
          AND m.id IN (SELECT v.medication_id FROM medication_version v WHERE v.citizen_id = $1)
    """
    assert unpinned(statement) == []


def test_exists_in_where_without_citizen_fails() -> None:
    statement = """
        SELECT * FROM medication m WHERE m.citizen_id = $1
          AND EXISTS (SELECT 1 FROM dispensing d WHERE d.pharmacy_id = $2)
    """
    assert unpinned(statement) == ["d"]


def test_sub_query_pinning_its_rows_does_not_pin_the_outer_query() -> None:
    statement = """
        SELECT * FROM medication m
        WHERE EXISTS (SELECT 1 FROM prescription p WHERE p.citizen_id = $1
                      AND p.citizen_id = m.citizen_id)
    """
    assert unpinned(statement) == ["m"]  # conservative: write m.citizen_id = $1


def test_in_sub_query_of_pinned_citizen_ids_pins() -> None:
    statement = """
        SELECT * FROM dispensing d
        WHERE d.citizen_id IN (SELECT p.citizen_id FROM prescription p WHERE p.citizen_id = $1)
    """
    assert unpinned(statement) == []


def test_cte_pinned_inside_pins_its_readers() -> None:
    statement = """
        WITH meds AS (SELECT m.* FROM medication m WHERE m.citizen_id = $1)
        SELECT * FROM meds JOIN prescription p ON p.citizen_id = meds.citizen_id
    """
    assert unpinned(statement) == []


def test_condition_on_a_cte_does_not_pin_its_scan() -> None:
    statement = """
        WITH meds AS MATERIALIZED (SELECT m.* FROM medication m)
        SELECT * FROM meds WHERE meds.citizen_id = $1
    """
    assert unpinned(statement) == ["m"]


def test_sub_select_in_from_pinned_inside_passes() -> None:
    statement = """
        SELECT * FROM (SELECT citizen_id, id FROM prescription WHERE citizen_id = $1) AS p
        JOIN dispensing d ON d.citizen_id = p.citizen_id AND d.prescription_id = p.id
    """
    assert unpinned(statement) == []


def test_condition_on_a_plain_sub_select_pins_its_scan() -> None:
    statement = """
        SELECT * FROM prescription p
        LEFT JOIN (SELECT o.citizen_id, o.prescription_id FROM pharmacy_order o
                   WHERE o.status = 'ordered') AS open_order
          ON open_order.citizen_id = p.citizen_id AND open_order.prescription_id = p.id
        WHERE p.citizen_id = $1
    """
    assert unpinned(statement) == []
    grouped = statement.replace("WHERE o.status = 'ordered'", "GROUP BY 1, 2")
    assert unpinned(grouped) == ["o"]


def test_row_comparison_with_citizen_id_pins() -> None:
    # SQLAlchemy's selectinload of a composite key
    statement = """
        SELECT * FROM dispensing_line
        WHERE (dispensing_line.citizen_id, dispensing_line.dispensing_id)
              IN ((%(p_1_1)s, %(p_1_2)s), (%(p_2_1)s, %(p_2_2)s))
    """
    assert unpinned(statement) == []
    assert unpinned("SELECT * FROM medication m WHERE (m.citizen_id, m.id) = ($1, $2)") == []
    assert unpinned("SELECT * FROM medication m WHERE (m.id, m.version) IN (($1, $2))") == ["m"]


def test_union_checks_each_branch() -> None:
    statement = """
        SELECT id FROM medication WHERE citizen_id = $1
        UNION ALL SELECT id FROM prescription WHERE status = 'open'
    """
    assert unpinned(statement) == ["prescription"]


def test_unpinned_update_fails_and_pinned_update_passes() -> None:
    assert unpinned("UPDATE prescription SET status = 'invalid' WHERE id = $1") == ["prescription"]
    assert (
        unpinned(
            "UPDATE prescription SET status = 'invalid' WHERE citizen_id = $1 AND id = $2 "
            "RETURNING version"
        )
        == []
    )
    assert (
        unpinned(
            "UPDATE prescription p SET status = 'invalid' FROM medication m "
            "WHERE p.citizen_id = m.citizen_id AND p.medication_id = m.id "
            "AND m.citizen_id = $1"
        )
        == []
    )


def test_unpinned_delete_fails() -> None:
    assert unpinned("DELETE FROM idempotency_record WHERE expires_at < now()") == [
        "idempotency_record"
    ]
    assert unpinned("DELETE FROM treatment_relation WHERE citizen_id = $1 AND id = $2") == []


def test_insert_must_name_citizen_id() -> None:
    assert unpinned("INSERT INTO medication (citizen_id, id) VALUES ($1, $2)") == []
    assert unpinned("INSERT INTO medication (id, drug_id) VALUES ($1, $2)") == ["medication"]
    assert unpinned("INSERT INTO drug (id, name) VALUES ($1, $2)") == []


def test_insert_select_is_checked_as_its_select() -> None:
    pinned = """
        INSERT INTO medication_version (citizen_id, medication_id, version, change, state)
        SELECT m.citizen_id, m.id, m.version, 'created', '{}' FROM medication m
        WHERE m.citizen_id = $1 AND m.id = $2
    """
    assert unpinned(pinned) == []
    assert unpinned(pinned.replace("m.citizen_id = $1 AND ", "")) == ["m"]


def test_sqlalchemy_insertmanyvalues_passes() -> None:
    statement = (
        "INSERT INTO dispensing_line (citizen_id, dispensing_id, line_number) "
        "SELECT p0::UUID, p1::UUID, p2::INTEGER FROM (VALUES (%(citizen_id__0)s, "
        "%(dispensing_id__0)s, %(line_number__0)s, 0), (%(citizen_id__1)s, "
        "%(dispensing_id__1)s, %(line_number__1)s, 1)) AS imp_sen(p0, p1, p2, sen_counter) "
        "ORDER BY sen_counter RETURNING dispensing_line.units, dispensing_line.sen_counter"
    )
    assert unpinned(statement) == []


def test_statement_that_does_not_parse_is_reported() -> None:
    analysis = analyse("SELEC * FROM medication")
    assert not analysis.routes_to_one_shard
    assert analysis.error is not None and "does not parse" in analysis.error


def test_other_statement_on_a_citizen_owned_table_is_reported() -> None:
    assert analyse("LOCK TABLE prescription").error is not None
    assert analyse("COPY medication FROM STDIN").error is not None
    for harmless in ("SAVEPOINT sa_1", "SELECT 1", "SHOW standard_conforming_strings"):
        assert analyse(harmless).routes_to_one_shard


def test_the_card_read_routes_to_one_shard() -> None:
    statement = str(CARD_SQL.compile(dialect=postgresql.psycopg.dialect()))  # type: ignore[no-untyped-call]
    analysis = analyse(statement)
    assert analysis.routes_to_one_shard, analysis
    assert {"medication", "prescription", "dispensing", "medication_card"} <= analysis.tables
    # ... and the check would see a correlation lost in it:
    broken = statement.replace("WHERE x.citizen_id = p.citizen_id AND", "WHERE")
    assert sorted(u.alias for u in analyse(broken).unpinned) == ["l", "x"]
