"""Duplicates are warned of, not refused: in the create/replace response and on the card
(SPEC §2; issue 10, point 13: Eliquis on the card, then Xarelto, a second Eliquis and aspirin
were each accepted without a word)."""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from medrecord.medication.warnings import DrugFacts, WarningType, duplicate_warnings
from medrecord.models import Citizen, Drug, Organisation
from tests.support.factories import make_drug, make_medication, make_organisation
from tests.support.http import base, etag, medication_body


def drug_facts(
    id_: str, atc: str, substances: tuple[str, ...], group: str | None = None
) -> DrugFacts:
    return DrugFacts(id_, f"Drug {id_}", "5 mg", atc, group, substances)


ELIQUIS = drug_facts("1", "B01AF02", ("apixaban",))


@pytest.mark.parametrize(
    ("new", "expected"),
    [
        (ELIQUIS, WarningType.same_drug),
        (drug_facts("2", "B01AF02", ("apixaban",), "APIX-5"), WarningType.same_active_substance),
        (drug_facts("3", "B01AF01", ("rivaroxaban",)), WarningType.same_therapeutic_group),
        (
            drug_facts("4", "B01AC06", ("acetylsalicylic acid",)),
            WarningType.antithrombotics_combined,
        ),
        (drug_facts("5", "B01AF02", ()), WarningType.same_atc),  # substances not stated
        (drug_facts("6", "C07AB02", ("metoprolol",)), None),
    ],
)
def test_the_most_specific_reason_is_given(new: DrugFacts, expected: WarningType | None) -> None:
    on_card = uuid.uuid4()

    found = duplicate_warnings(new, [(on_card, ELIQUIS, "active")])

    assert [w.type for w in found] == ([expected] if expected else [])
    assert all(w.medication_id == on_card for w in found)


def test_same_substitution_group_is_named_before_the_substance() -> None:
    a = drug_facts("7", "N02BE01", ("paracetamol",), "PARA-500")
    b = drug_facts("8", "N02BE01", ("paracetamol",), "PARA-500")

    [warning] = duplicate_warnings(a, [(uuid.uuid4(), b, "paused")])

    assert warning.type is WarningType.same_substitution_group


@pytest.mark.parametrize("status", ["withdrawn", "ended"])
def test_what_is_no_longer_in_use_does_not_warn(status: str) -> None:
    assert duplicate_warnings(ELIQUIS, [(uuid.uuid4(), ELIQUIS, status)]) == []


def test_eliquis_then_xarelto_a_second_eliquis_and_aspirin_are_each_warned_of(
    client: TestClient, db: Session, citizen: Citizen, doctor: dict[str, str]
) -> None:
    eliquis = make_drug(db, name="Eliquis", atc_code="B01AF02", active_substances=["apixaban"])
    xarelto = make_drug(db, name="Xarelto", atc_code="B01AF01", active_substances=["rivaroxaban"])
    aspirin = make_drug(
        db, name="Hjertemagnyl", atc_code="B01AC06", active_substances=["acetylsalicylic acid"]
    )
    url = f"{base(citizen)}/medications"
    first = client.post(url, headers=doctor, json=medication_body(eliquis.id))

    responses = [
        client.post(url, headers=doctor, json=medication_body(drug.id))
        for drug in (xarelto, eliquis, aspirin)
    ]
    card = client.get(f"{base(citizen)}/medication-card", headers=doctor).json()

    assert first.status_code == 201 and first.json()["warnings"] == []
    assert [r.status_code for r in responses] == [201, 201, 201]
    assert [[w["type"] for w in r.json()["warnings"]] for r in responses] == [
        ["same-therapeutic-group"],
        ["same-drug", "same-therapeutic-group"],
        ["antithrombotics-combined", "antithrombotics-combined", "antithrombotics-combined"],
    ]
    assert (
        responses[1].json()["warnings"][0]["message"].startswith("Eliquis 500 mg is already in use")
    )
    on_card = {m["drug"]["name"]: len(m["warnings"]) for m in card["medications"]}
    assert on_card == {"Eliquis": 3, "Xarelto": 3, "Hjertemagnyl": 3}


def test_a_replacement_is_warned_of_and_private_items_of_others_stay_hidden(
    client: TestClient,
    db: Session,
    citizen: Citizen,
    doctor: dict[str, str],
    gp: Organisation,
    drug: Drug,
) -> None:
    other_gp = make_organisation(db)
    eliquis = make_drug(db, name="Eliquis", atc_code="B01AF02", active_substances=["apixaban"])
    hidden = make_medication(db, citizen=citizen, drug=eliquis, private_organisation=other_gp)
    visible = make_medication(db, citizen=citizen, drug=eliquis)
    mine = make_medication(db, citizen=citizen, drug=drug)

    replaced = client.put(
        f"{base(citizen)}/medications/{mine.id}",
        headers={**doctor, **etag(1)},
        json=medication_body(eliquis.id),
    )

    warned_of = [w["medication_id"] for w in replaced.json()["warnings"]]
    assert warned_of == [str(visible.id)]
    assert str(hidden.id) not in replaced.text
