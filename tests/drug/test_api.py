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


def _drug_with(
    db: Session,
    *,
    name: str,
    substances: list[str],
    atc_code: str = "N02BE01",
    group: str = "A",
) -> None:
    drug = make_drug(db, name=name, atc_code=atc_code)
    drug.active_substances, drug.dispensing_group = substances, group
    drug.otc = group.startswith("H")
    make_package(db, drug=drug)


def test_search_finds_drugs_by_whole_active_substance_in_any_case(
    client: TestClient, db: Session, tokens: Tokens
) -> None:
    _drug_with(db, name="Zzpinex", substances=["zzparacetamol"])
    _drug_with(db, name="Zzpamol", substances=["zzparacetamol"])
    _drug_with(db, name="Zzeliquis", substances=["zzapixaban"], atc_code="B01AF02")
    _drug_with(db, name="Zzunikalk", substances=["zzcalcium carbonate", "zzcolecalciferol"])
    headers = tokens.headers(role="doctor", org="x")

    def names(search: str) -> list[str]:
        response = client.get("/api/v1/drugs", params={"search": search}, headers=headers)
        assert response.status_code == 200
        return [d["name"] for d in response.json()]

    assert names("zzparacetamol") == ["Zzpamol", "Zzpinex"]
    assert names("ZZApixaban") == ["Zzeliquis"]
    assert names("  zzCalcium   Carbonate ") == ["Zzunikalk"]
    assert names("zzcolecalciferol") == ["Zzunikalk"]
    assert names("zzparacet") == []  # a substance is matched whole; a name in part


def test_search_text_that_is_an_atc_prefix_finds_the_drugs_of_that_group(
    client: TestClient, db: Session, tokens: Tokens
) -> None:
    _drug_with(db, name="Zzxarelto", substances=[], atc_code="B01AF01")
    _drug_with(db, name="Zzeliquis", substances=[], atc_code="B01AF02")
    _drug_with(db, name="Zzmarevan", substances=[], atc_code="B01AA03")
    headers = tokens.headers(role="doctor", org="x")

    def names(**params: str) -> set[str]:
        found = client.get("/api/v1/drugs", params={**params, "limit": "100"}, headers=headers)
        return {d["name"] for d in found.json() if d["name"].startswith("Zz")}

    assert names(search="b01af") == {"Zzxarelto", "Zzeliquis"}
    assert names(search="B01AF02") == {"Zzeliquis"}
    assert names(search="B01") == {"Zzxarelto", "Zzeliquis", "Zzmarevan"}
    assert names(search="zz", atc="B01AA") == {"Zzmarevan"}  # the atc filter narrows


def test_the_catalogue_shows_substances_dispensing_group_and_otc(
    client: TestClient, db: Session, tokens: Tokens
) -> None:
    _drug_with(db, name="Zzoxynorm", substances=["oxycodone"], atc_code="N02AA05", group="A§4")
    _drug_with(db, name="Zzhjertemagnyl", substances=["acetylsalicylic acid"], group="HA")
    headers = tokens.headers(role="pharmacist", org="x")

    found = client.get("/api/v1/drugs?search=zz", headers=headers).json()
    detail = client.get(f"/api/v1/drugs/{found[1]['id']}", headers=headers).json()

    assert [
        (d["name"], d["active_substances"], d["dispensing_group"], d["otc"]) for d in found
    ] == [
        ("Zzhjertemagnyl", ["acetylsalicylic acid"], "HA", True),
        ("Zzoxynorm", ["oxycodone"], "A§4", False),
    ]
    assert (detail["dispensing_group"], detail["otc"]) == ("A§4", False)


def test_a_drug_written_without_the_new_fields_is_prescription_only_and_states_no_substance(
    db: Session,
) -> None:
    drug = make_drug(db, name="Zzplain")
    db.refresh(drug)

    assert (drug.active_substances, drug.dispensing_group, drug.otc) == ([], "A", False)
