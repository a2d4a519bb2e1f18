"""Where SQL restates a Python rule for speed, both give the same answer over every case.

The card is built by one SQL statement and the prescription queries filter in SQL; the rules
they restate (private visibility, expiry) are stated once in Python and once as one SQL
fragment each. These tests run the fragments on the real PostgreSQL."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from medrecord.access.policy import Access, sees_private_item
from medrecord.card.repository import CARD_SQL
from medrecord.models import (
    MedicationStatus,
    PrescriptionStatus,
    Purpose,
    current_status,
    current_status_sql,
)
from medrecord.prescription.repository import effective_status_sql, medication_visible_sql
from medrecord.prescription.rules import effective_status

ORGS = [None, "380101000016001", "380301000016006"]
VISIBILITY_CASES = list(
    itertools.product([False, True], ORGS, ORGS, [False, True])
)  # private, marked_by, caller's organisation, sees_all_private


@pytest.mark.parametrize(("private", "marked_by", "organisation_id", "sees_all"), VISIBILITY_CASES)
def test_private_visibility_is_the_same_in_sql_and_python(
    db: Session,
    private: bool,
    marked_by: str | None,
    organisation_id: str | None,
    sees_all: bool,
) -> None:
    sql = text(
        f"SELECT {medication_visible_sql('m')} FROM (SELECT CAST(:private AS boolean) AS private,"
        " CAST(:marked_by AS text) AS private_organisation_id) AS m"
    )
    in_sql = db.execute(
        sql,
        {
            "private": private,
            "marked_by": marked_by,
            "organisation_id": organisation_id,
            "sees_all_private": sees_all,
        },
    ).scalar_one()
    access = Access(purpose=Purpose.treatment, reason=None, sees_all_private=sees_all)

    in_python = sees_private_item(
        access, organisation_id=organisation_id, private=private, marked_by=marked_by
    )

    # NULL in a WHERE clause leaves the row out, as False does.
    assert bool(in_sql) is in_python


TODAY = date(2026, 11, 22)
EXPIRY_CASES = list(
    itertools.product(
        list(PrescriptionStatus),
        [TODAY - timedelta(days=400), TODAY - timedelta(days=1), TODAY, TODAY + timedelta(days=1)],
    )
)


@pytest.mark.parametrize(("status", "valid_to"), EXPIRY_CASES)
def test_expiry_is_the_same_in_sql_and_python(
    db: Session, status: PrescriptionStatus, valid_to: date
) -> None:
    sql = text(
        f"SELECT {effective_status_sql('p')} FROM (SELECT CAST(:status AS text) AS status,"
        " CAST(:valid_to AS date) AS valid_to) AS p"
    )
    in_sql = db.execute(sql, {"status": status.value, "valid_to": valid_to, "today": TODAY})

    assert in_sql.scalar_one() == effective_status(status, valid_to, TODAY)


DAYS = [None, TODAY - timedelta(days=1), TODAY, TODAY + timedelta(days=1)]
STATUS_CASES = list(
    itertools.product(
        [MedicationStatus.active, MedicationStatus.paused, MedicationStatus.withdrawn],
        DAYS,
        DAYS,
        DAYS,
    )
)  # stored status, paused_from, paused_to, end_date


@pytest.mark.parametrize(("stored", "paused_from", "paused_to", "end_date"), STATUS_CASES)
def test_the_medication_status_is_the_same_in_sql_and_python(
    db: Session,
    stored: MedicationStatus,
    paused_from: date | None,
    paused_to: date | None,
    end_date: date | None,
) -> None:
    sql = text(
        f"SELECT {current_status_sql('m')} FROM (SELECT CAST(:status AS text) AS status,"
        " CAST(:paused_from AS date) AS paused_from, CAST(:paused_to AS date) AS paused_to,"
        " CAST(:end_date AS date) AS end_date) AS m"
    )
    row = {"status": stored.value, "paused_from": paused_from, "paused_to": paused_to}
    in_sql = db.execute(sql, row | {"end_date": end_date, "today": TODAY}).scalar_one()

    assert in_sql == current_status(
        stored, paused_from=paused_from, paused_to=paused_to, end_date=end_date, today=TODAY
    )


def test_the_card_statement_uses_the_pinned_fragments() -> None:
    statement = str(CARD_SQL)

    assert current_status_sql("m") in statement
    assert medication_visible_sql("m") in statement
    assert effective_status_sql("p") in statement
