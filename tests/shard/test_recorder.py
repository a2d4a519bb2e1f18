"""The recorder and the allow-list (tests/support/sql_recorder.py, shard_allow_list.py): the
app's statements on real requests are recorded and pass, the allow-list lets through only what it
names, and a run whose app sent an unpinned statement fails, with or without xdist."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from medrecord.models import Citizen, Medication, Prescription
from tests.support import shard_allow_list
from tests.support.shard_allow_list import ALLOW_LIST, AllowedSpan
from tests.support.shard_keys import analyse, citizen_owned_tables
from tests.support.sql_recorder import StatementRecorder, app_origin, violations

pytest_plugins = ["pytester"]
ROOT = Path(__file__).resolve().parents[2]  # where ``tests`` is a package


CROSS_CITIZEN = "DELETE FROM idempotency_record WHERE expires_at < %(now)s"


def test_allow_listed_origin_passes_and_others_fail(monkeypatch: pytest.MonkeyPatch) -> None:
    span = AllowedSpan(
        "medrecord.example:purge",
        frozenset({"idempotency_record"}),
        reason="a daily batch",
        under_citus="a fan-out DELETE on every shard",
    )
    monkeypatch.setattr(shard_allow_list, "ALLOW_LIST", (span,))
    found, figures = violations({CROSS_CITIZEN: "medrecord.example:purge"})
    assert (found, figures["allow_listed"]) == ([], 1)
    [violation], _ = violations({CROSS_CITIZEN: "medrecord.example:read_card"})
    assert violation.origin == "medrecord.example:read_card"
    assert "idempotency_record" in violation.problems[0]


def test_allow_list_entries_say_why_and_what_they_become() -> None:
    owned = citizen_owned_tables()
    for span in ALLOW_LIST:
        assert span.origin.startswith("medrecord.") and ":" in span.origin
        assert span.tables and span.tables <= owned
        assert len(span.reason) > 20 and len(span.under_citus) > 20


# --- The recorder ---------------------------------------------------------------------------


def test_a_statement_sent_outside_the_app_has_no_origin() -> None:
    assert app_origin(sys._getframe()) is None


def test_card_read_through_the_app_is_recorded_and_routes_to_one_shard(
    client: TestClient,
    db: Session,
    doctor: dict[str, str],
    pharmacist: dict[str, str],
    citizen: Citizen,
    prescription: Prescription,
) -> None:
    recorder = StatementRecorder()
    recorder.install()
    try:
        cpr = f"{citizen.cpr[:6]}-{citizen.cpr[6:]}"
        card = client.get(f"/api/v1/citizens/{cpr}/medication-card", headers=doctor)
        dispensable = client.get(f"/api/v1/citizens/{cpr}/prescriptions", headers=pharmacist)
        unknown = client.get("/api/v1/citizens/010101-0000/medication-card", headers=doctor)
        # The test's own queries are not the app's (this one spans citizens).
        db.scalars(select(Medication)).all()
    finally:
        recorder.remove()

    assert (card.status_code, dispensable.status_code, unknown.status_code) == (200, 200, 404)
    origins = set(recorder.statements.values())
    assert "medrecord.card.repository:card_document" in origins
    assert not any(origin.startswith("tests.") for origin in origins)
    card_sql = next(
        text
        for text, origin in recorder.statements.items()
        if origin == "medrecord.card.repository:card_document"
    )
    assert {"medication", "prescription", "medication_card"} <= analyse(card_sql).tables
    found, figures = violations(recorder.statements)
    assert found == []
    assert figures["citizen_owned"] >= 3  # card, audit INSERT, relation, prescriptions


PLANTED = textwrap.dedent(
    """
    from tests.support import sql_recorder


    def test_the_app_sends_an_unpinned_update() -> None:
        sql_recorder._recorder.statements[
            "UPDATE prescription SET status = 'invalid' WHERE id = %(id)s"
        ] = "medrecord.prescription.repository:planted"
    """
)


@pytest.mark.parametrize("workers", ["0", "1"])
def test_a_run_whose_app_sent_an_unpinned_statement_fails(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, workers: str
) -> None:
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    pytester.makeconftest('pytest_plugins = ["tests.support.sql_recorder"]')
    pytester.makepyfile(test_planted=PLANTED)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-n", workers)
    result.assert_outcomes(passed=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [
            "*statements that would not route to one shard*",
            "from medrecord.prescription.repository:planted:",
            "*prescription: no conjunct pins its citizen_id*",
            "*1 violations*",
        ]
    )


def test_the_check_is_switched_off_with_p_no(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    pytester.makeconftest('pytest_plugins = ["tests.support.sql_recorder"]')
    pytester.makepyfile(test_planted=PLANTED)
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "-n", "0", "-p", "no:tests.support.sql_recorder"
    )
    assert result.ret == pytest.ExitCode.OK
