"""Dosages through the API as a prescriber meets them: every shape is stored as sent and comes
back with its derived type, daily doses and texts; a contradiction is refused with its field and
changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from medrecord.demo import catalogue
from medrecord.dosage.examples import SHAPES, daily
from medrecord.medication.schemas import WRITE_EXAMPLES
from medrecord.models import Citizen, Drug, Medication
from tests.support.factories import make_drug
from tests.support.http import base, etag, medication_body
from tests.support.queries import card_version


def prescribe(
    client: TestClient,
    citizen: Citizen,
    doctor: dict[str, str],
    drug: Drug,
    dosage: Any,
    **more: Any,
) -> Any:
    body = medication_body(
        drug.id, dosage=dosage, **{"start_date": "2026-12-01", "end_date": None, **more}
    )
    return client.post(f"{base(citizen)}/medications", headers=doctor, json=body)


def drug_for(db: Session, dosage: dict[str, Any]) -> Drug:
    unit = dosage.get("unit", "tablet")
    return make_drug(db, form="test form", dosage_units=[unit])


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_every_documented_shape_is_stored_as_sent_and_derived(
    client: TestClient, db: Session, citizen: Citizen, doctor: dict[str, str], shape: str
) -> None:
    dosage = SHAPES[shape].dosage

    response = prescribe(client, citizen, doctor, drug_for(db, dosage), dosage)

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["dosage"] == dosage
    derived = body["dosage_derived"]
    assert derived["texts"]["da"]["long"] and derived["texts"]["en"]["long"]
    danish = derived["texts"]["da"]
    assert body["dosage_text"] == (danish["short"] or danish["long"])
    read = client.get(f"{base(citizen)}/medications/{body['id']}", headers=doctor).json()
    assert (read["dosage"], read["dosage_derived"]) == (dosage, derived)


def test_the_issue_s_as_needed_example_reads_as_fmk_writes_it(
    client: TestClient, db: Session, citizen: Citizen, doctor: dict[str, str], drug: Drug
) -> None:
    dosage = {"unit": "tablet", "periods": [{"as_needed": {"quantity": 2, "max_times_per_day": 4}}]}

    body = prescribe(client, citizen, doctor, drug, dosage).json()

    assert body["dosage_text"] == "2 tabletter efter behov, højst 4 gange daglig"
    assert body["dosage_derived"]["texts"]["en"]["short"] == (
        "2 tablets as needed, at most 4 times a day"
    )
    assert body["dosage_derived"]["type"] == "as_needed"
    assert body["dosage_derived"]["daily_doses"] == [None]


def test_every_other_day_and_a_weekly_dose_count_right_in_the_daily_dose(
    client: TestClient, db: Session, citizen: Citizen, doctor: dict[str, str], drug: Drug
) -> None:
    every_other = prescribe(client, citizen, doctor, drug, SHAPES["every_other_day"].dosage).json()
    weekly = prescribe(client, citizen, doctor, drug, SHAPES["weekly"].dosage).json()

    assert every_other["dosage_text"] == "1 tablet hver 2. dag"
    assert every_other["dosage_derived"]["daily_doses"][0]["quantity"] == 0.5
    assert weekly["dosage_derived"]["daily_doses"][0]["quantity"] == pytest.approx(1 / 7)
    assert weekly["dosage_derived"]["texts"]["da"]["long"].startswith(
        "Dosering fra d. 1. dec. 2026 - gentages hver uge:\nMandag: 1 tablet morgen"
    )


def test_a_taper_is_temporary_with_a_daily_dose_per_period_and_dated_periods(
    client: TestClient, db: Session, citizen: Citizen, doctor: dict[str, str], drug: Drug
) -> None:
    body = prescribe(
        client, citizen, doctor, drug, SHAPES["taper"].dosage, end_date="2026-12-09"
    ).json()

    derived = body["dosage_derived"]
    assert (derived["type"], derived["temporary"]) == ("fixed", True)
    assert [d["quantity"] for d in derived["daily_doses"]] == [6, 4, 2]
    assert derived["texts"]["da"]["short"] is None
    assert derived["texts"]["da"]["long"].split("\n\n")[1] == (
        "Dosering fra d. 4. dec. 2026 til d. 6. dec. 2026:\n4 tabletter hver morgen"
    )
    assert body["dosage_text"] == derived["texts"]["da"]["long"]


@pytest.mark.parametrize(
    ("dosage", "field"),
    [
        pytest.param(
            {
                "unit": "tablet",
                "periods": [{"as_needed": {"quantity": 2, "max_quantity_per_day": 1}}],
            },
            "body.dosage.periods.0.as_needed.max_quantity_per_day",
            id="as-needed maximum below the dose",
        ),
        pytest.param(
            {
                "unit": "capsule",
                "periods": [
                    {
                        "days": [
                            {
                                "day": 1,
                                "doses": [
                                    {"at": "20:00", "quantity": 1},
                                    {"at": "08:00", "quantity": 1},
                                    {"at": "08:00", "quantity": 2},
                                ],
                            }
                        ]
                    }
                ],
            },
            "body.dosage.unit",
            id="duplicated clock time and a unit the form does not allow",
        ),
        pytest.param(
            daily("ml", morning=1000), "body.dosage.unit", id="1000 ml morning of tablets"
        ),
        pytest.param(
            {
                "unit": "tablet",
                "periods": [{"cycle_days": 2, "days": [{"day": 3, "doses": [{"quantity": 1}]}]}],
            },
            "body.dosage.periods.0.days.0.day",
            id="day outside the cycle",
        ),
    ],
)
def test_a_contradiction_is_refused_naming_the_field_and_changes_nothing(
    client: TestClient,
    db: Session,
    citizen: Citizen,
    doctor: dict[str, str],
    drug: Drug,
    dosage: dict[str, Any],
    field: str,
) -> None:
    response = prescribe(client, citizen, doctor, drug, dosage)

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"].endswith("/invalid-dosage")
    assert field in [e["field"] for e in problem["errors"]]
    assert card_version(db, citizen) == 1
    assert db.scalar(select(func.count()).select_from(Medication)) == 0


def test_a_client_cannot_state_the_type(
    client: TestClient, db: Session, citizen: Citizen, doctor: dict[str, str], drug: Drug
) -> None:
    response = prescribe(client, citizen, doctor, drug, {**daily(morning=1), "kind": "temporary"})

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["body.dosage.structured.kind"]


def test_a_dosage_that_outlasts_the_medication_is_refused(
    client: TestClient, db: Session, citizen: Citizen, doctor: dict[str, str], drug: Drug
) -> None:
    response = prescribe(
        client, citizen, doctor, drug, SHAPES["taper"].dosage, end_date="2026-12-05"
    )

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["body.dosage.periods"]


def test_replacing_a_medication_re_derives_the_texts_from_the_new_start(
    client: TestClient, db: Session, citizen: Citizen, doctor: dict[str, str], drug: Drug
) -> None:
    created = prescribe(client, citizen, doctor, drug, SHAPES["first_day"].dosage).json()
    body = medication_body(
        drug.id, dosage=SHAPES["first_day"].dosage, start_date="2027-01-10", end_date=None
    )

    replaced = client.put(
        f"{base(citizen)}/medications/{created['id']}", headers={**doctor, **etag(1)}, json=body
    ).json()

    assert created["dosage_derived"]["texts"]["da"]["long"].startswith(
        "Dosering kun d. 1. dec. 2026:"
    )
    assert replaced["dosage_derived"]["texts"]["da"]["long"] == (
        "Dosering kun d. 10. jan. 2027:\n2 tabletter\n\n"
        "Dosering fra d. 11. jan. 2027:\n1 tablet hver dag"
    )
    assert replaced["dosage_text"] == "Første dag 2 tabletter, herefter 1 tablet daglig"


def test_the_card_shows_the_derived_dosage(
    client: TestClient, db: Session, citizen: Citizen, doctor: dict[str, str], drug: Drug
) -> None:
    prescribe(client, citizen, doctor, drug, SHAPES["as_needed"].dosage)

    card = client.get(f"{base(citizen)}/medication-card", headers=doctor).json()

    [medication] = card["medications"]
    assert medication["dosage"] == SHAPES["as_needed"].dosage
    assert medication["dosage_text"] == (
        "1-2 tabletter efter behov, højst 4 gange og 8 tabletter i døgnet"
    )
    assert medication["dosage_derived"]["texts"]["en"]["long"] == (
        "Dosage from 1 Dec 2026:\n1-2 tablets as needed, at most 4 times and 8 tablets a day"
    )


def test_the_api_documents_a_whole_request_for_every_dosage_shape(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    create = spec["paths"]["/api/v1/citizens/{cpr}/medications"]["post"]

    examples = create["requestBody"]["content"]["application/json"]["examples"]

    assert set(examples) == set(SHAPES)
    assert all(e["value"]["dosage"] == SHAPES[name].dosage for name, e in examples.items())


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_every_documented_example_is_accepted_as_posted_on_its_demo_drug(
    client: TestClient, db: Session, citizen: Citizen, doctor: dict[str, str], name: str
) -> None:
    example = WRITE_EXAMPLES[name]["value"]
    index = next(
        i for i in range(len(catalogue.DRUGS)) if catalogue.drug_id(i) == example["drug_id"]
    )
    drug_name, form, strength, atc, _, _ = catalogue.DRUGS[index]
    db.add(
        Drug(
            id=example["drug_id"],
            name=drug_name,
            form=form,
            strength=strength,
            atc_code=atc,
            dosage_units=catalogue.dosage_units(drug_name, form, strength),
        )
    )
    db.flush()

    response = client.post(f"{base(citizen)}/medications", headers=doctor, json=example)

    assert response.status_code == 201, response.text


def test_a_start_date_at_the_end_of_the_calendar_is_refused_not_a_500(
    client: TestClient, db: Session, citizen: Citizen, doctor: dict[str, str], drug: Drug
) -> None:
    response = prescribe(
        client, citizen, doctor, drug, SHAPES["taper"].dosage, start_date="9999-12-25"
    )

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["body.start_date"]
