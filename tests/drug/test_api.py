"""The drug catalogue: search by name and ATC code, and a drug's cheaper substitutes."""

from __future__ import annotations

from decimal import Decimal

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.support.factories import make_drug, make_package
from tests.support.tokens import Tokens


def test_anyone_authenticated_searches_the_catalogue_by_name_and_atc(
    client: TestClient, db: Session, tokens: Tokens
) -> None:
    make_package(db, drug=make_drug(db, name="Zzpanodil", atc_code="N02BE01"))
    make_package(db, drug=make_drug(db, name="Zzipren", atc_code="M01AE01"))
    citizen = tokens.headers(role="citizen", cpr="0703541234")

    by_name = client.get("/api/v1/drugs?search=zzpano", headers=citizen)
    by_atc = client.get("/api/v1/drugs?atc=M01AE&search=zz", headers=citizen)
    anonymous = client.get("/api/v1/drugs")

    assert [d["name"] for d in by_name.json()] == ["Zzpanodil"]
    assert [d["name"] for d in by_atc.json()] == ["Zzipren"]
    assert by_name.json()[0]["packages"][0]["package_number"]
    assert anonymous.status_code == 401


def test_search_text_is_literal_not_a_pattern(
    client: TestClient, db: Session, tokens: Tokens
) -> None:
    make_package(db, drug=make_drug(db, name="Zzliteral"))
    response = client.get(
        "/api/v1/drugs?search=%25", headers=tokens.headers(role="doctor", org="x")
    )
    assert response.status_code == 200
    assert all("%" in d["name"] for d in response.json())


def test_drug_detail_lists_substitutes_cheapest_first(
    client: TestClient, db: Session, tokens: Tokens
) -> None:
    drug = make_drug(db, name="Original", substitution_group="ZZ-GROUP")
    make_package(db, drug=drug, price="90.00")
    for name, price in (("Dear copy", "50.00"), ("Cheap copy", "20.00")):
        make_package(db, drug=make_drug(db, name=name, substitution_group="ZZ-GROUP"), price=price)

    detail = client.get(
        f"/api/v1/drugs/{drug.id}", headers=tokens.headers(role="pharmacist", org="x")
    ).json()

    assert [d["name"] for d in detail["substitutes"]] == ["Cheap copy", "Dear copy"]
    assert (
        client.get("/api/v1/drugs/0", headers=tokens.headers(role="doctor", org="x")).status_code
        == 404
    )


def test_search_and_detail_show_the_dosage_units(
    client: TestClient, db: Session, tokens: Tokens
) -> None:
    pen = make_drug(db, name="Zzinsulin", form="solution for injection in pre-filled pen")
    make_package(db, drug=pen, size=Decimal(15), unit="ml")
    headers = tokens.headers(role="doctor", org="x")

    found = client.get("/api/v1/drugs?search=zzinsulin", headers=headers).json()
    detail = client.get(f"/api/v1/drugs/{pen.id}", headers=headers).json()

    assert [d["dosage_units"] for d in found] == [["unit"]]
    assert detail["dosage_units"] == ["unit"]
