"""Catalogue import and dosage units: from the form, or stated in the `dosage_units` column
(CSV `unit;ml`, JSON a list or the same string); bad units and unknown forms are rejected."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from medrecord.drug.service import ImportReport, import_catalogue, parse_catalogue
from medrecord.models import Drug
from tests.support.tokens import Tokens

HEADER = "drug_id,name,form,strength,atc_code,substitution_group,package_number,package_size,"
HEADER += "package_unit,price_dkk"


def csv_rows(header: str, *lines: str) -> list[dict[str, Any]]:
    return parse_catalogue("\n".join((header, *lines)) + "\n", fmt="csv")


def json_row(**fields: Any) -> dict[str, Any]:
    row = {
        "drug_id": "66000000009",
        "name": "Zzjson",
        "form": "tablet",
        "strength": "1 mg",
        "atc_code": "A10AE04",
        "package_number": "660009",
        "package_size": 10,
        "package_unit": "ml",
    }
    return {**row, **fields}


def units_of(db: Session, drug_id: str) -> list[str]:
    drug = db.get(Drug, drug_id)
    assert drug is not None
    return list(drug.dosage_units)


def test_units_come_from_the_form_and_show_in_the_catalogue(
    client: TestClient, db: Session, tokens: Tokens
) -> None:
    report = import_catalogue(
        db,
        csv_rows(
            HEADER,
            "66000000001,Zzxalatan,Eye drops,50 microgram/ml,S01EE01,,660001,2.5,ml,119.00",
            "66000000002,Zzfentanyl,transdermal patch,25 microgram/hour,N02AB03,,660002,5,patch,",
        ),
    )

    found = client.get(
        "/api/v1/drugs?search=zz", headers=tokens.headers(role="pharmacist", org="x")
    ).json()

    assert (report.drugs_added, report.rejected) == (2, [])
    assert {d["name"]: d["dosage_units"] for d in found} == {
        "Zzfentanyl": ["patch"],
        "Zzxalatan": ["drop"],
    }


def test_stated_units_override_the_form(db: Session) -> None:
    from_csv = csv_rows(
        HEADER + ",dosage_units",
        "66000000003,Zzpen,solution for injection in pre-filled pen,1 mg,A10BJ06,,660003,3,ml,"
        ",injection",
        "66000000004,Zzdrops,oral drops,7.5 mg/ml,A06AB08,,660004,30,ml,, Drop ; ML ;drop",
        "66000000005,Zzcream,cream,1 %,D07AA02,,660005,30,g,,dose",
    )
    from_json = [
        json_row(drug_id="66000000006", package_number="660006", dosage_units=["unit"]),
        json_row(drug_id="66000000007", package_number="660007", dosage_units="ml;injection"),
        json_row(drug_id="66000000008", package_number="660008", dosage_units=[]),
    ]

    report = import_catalogue(db, [*from_csv, *from_json])

    assert report.rejected == []
    assert units_of(db, "66000000003") == ["injection"]
    assert units_of(db, "66000000004") == ["drop", "ml"]
    assert units_of(db, "66000000005") == ["dose"]
    assert units_of(db, "66000000006") == ["unit"]
    assert units_of(db, "66000000007") == ["ml", "injection"]
    assert units_of(db, "66000000008") == ["tablet"]  # empty: from the form


def test_a_row_with_an_unknown_unit_is_rejected_naming_it_and_the_valid_ones(
    db: Session,
) -> None:
    from_csv = csv_rows(
        HEADER + ",dosage_units",
        "66000000010,Zzbad,tablet,1 mg,N02BE01,,660010,10,tablet,,tablet;tablets",
    )
    from_json = json_row(drug_id="66000000011", package_number="660011", dosage_units=["IE"])

    report = import_catalogue(db, [*from_csv, from_json])

    assert report.drugs_added == 0
    [(line_1, reason_1), (line_2, reason_2)] = report.rejected
    assert (line_1, line_2) == (1, 2)
    assert reason_1.startswith("dosage_units: 'tablets' is not a dosage unit (valid: tablet, ")
    assert "puff" in reason_1 and "suppository" in reason_1
    assert "'IE' is not a dosage unit" in reason_2
    assert db.get(Drug, "66000000010") is None


def test_an_unknown_form_without_units_is_rejected(db: Session) -> None:
    report = import_catalogue(
        db, csv_rows(HEADER, "66000000012,Zzcream,Cream,1 %,D07AA02,,660012,30,g,")
    )

    assert report.rejected == [(1, "unknown form 'Cream': give dosage_units")]
    assert db.get(Drug, "66000000012") is None


def test_changed_units_update_the_drug(db: Session) -> None:
    def run(units: str) -> ImportReport:
        return import_catalogue(
            db,
            csv_rows(
                HEADER + ",dosage_units",
                f"66000000013,Zzpen,solution for injection,1 mg,A10BJ06,,660013,3,ml,,{units}",
            ),
        )

    first, same, changed = run(""), run("ml;injection"), run("injection")

    assert (first.drugs_added, first.drugs_updated) == (1, 0)
    assert (same.drugs_updated, same.packages_updated) == (0, 1)
    assert changed.drugs_updated == 1
    assert units_of(db, "66000000013") == ["injection"]


def test_the_cli_imports_the_dosage_units_column(
    tmp_path: Path, fresh_database: Callable[[], str]
) -> None:
    url = fresh_database()
    csv_file = tmp_path / "catalogue.csv"
    csv_file.write_text(
        HEADER
        + ",dosage_units\n"
        + "66000000020,Zzsymbicort,inhalation powder,160/4.5 microgram/dose,R03AK07,,660020,120,"
        "dose,389.00,\n"
        + "66000000021,Zzozempic,solution for injection in pre-filled pen,1 mg,A10BJ06,,660021,3,"
        'ml,1025.00,"injection"\n'
        + "66000000022,Zzbad,tablet,1 mg,N02BE01,,660022,10,tablet,,pill\n"
        + "66000000023,Zzgel,gel,1 %,M02AA15,,660023,100,g,,\n"
    )
    env = {**os.environ, "MEDRECORD_DATABASE_URL": url.replace("+psycopg", "")}

    result = subprocess.run(
        [sys.executable, "-m", "medrecord.cli", "drugs", "import", str(csv_file)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 1, result.stdout + result.stderr
    assert "2 drugs added" in result.stdout
    assert "line 4: dosage_units: 'pill' is not a dosage unit (valid: tablet" in result.stdout
    assert "line 5: unknown form 'gel': give dosage_units" in result.stdout
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT name, dosage_units FROM drug")).all()
    finally:
        engine.dispose()
    stored = {name: units for name, units in rows}
    assert stored == {"Zzozempic": ["injection"], "Zzsymbicort": ["puff"]}


def test_json_rows_may_state_units_as_a_list(db: Session) -> None:
    rows = parse_catalogue(
        json.dumps([json_row(form="solution for injection", dosage_units=["injection", "ml"])]),
        fmt="json",
    )

    report = import_catalogue(db, rows)

    assert report.rejected == []
    assert units_of(db, "66000000009") == ["injection", "ml"]


CLASSIFIED = HEADER + ",active_substances,dispensing_group,otc"


def classification_of(db: Session, drug_id: str) -> tuple[list[str], str, bool]:
    drug = db.get(Drug, drug_id)
    assert drug is not None
    return list(drug.active_substances), drug.dispensing_group, drug.otc


def test_a_file_without_the_classification_columns_imports_prescription_only_drugs(
    db: Session,
) -> None:
    report = import_catalogue(
        db, csv_rows(HEADER, "66000000030,Zzold,tablet,1 mg,N02BE01,,660030,10,tablet,")
    )

    assert report.rejected == []
    assert classification_of(db, "66000000030") == ([], "A", False)


def test_substances_group_and_otc_are_imported_in_any_spelling(db: Session) -> None:
    rows = csv_rows(
        CLASSIFIED,
        "66000000031,Zzoxy,capsule,5 mg,N02AA05,,660031,28,capsule,, Oxycodone ,a§4,",
        '66000000032,Zzkalk,tablet,400 mg + 19 microgram,A12AX,,660032,180,tablet,,"Calcium  '
        'carbonate;colecalciferol; calcium carbonate",HF,ja',
        "66000000033,Zzmagnyl,tablet,75 mg,B01AC06,,660033,100,tablet,,acetylsalicylic acid,"
        "ha,TRUE",
        "66000000034,Zzbenzo,tablet,5 mg,N05BA01,,660034,20,tablet,,diazepam,B,nej",
        "66000000035,Zzopio,tablet,10 mg,N02AA01,,660035,100,tablet,,morphine,A§4  na,false",
    )
    from_json = json_row(
        drug_id="66000000036",
        package_number="660036",
        active_substances=["Insulin glargine"],
        dispensing_group="A",
        otc=False,
    )

    report = import_catalogue(db, [*rows, from_json])

    assert report.rejected == []
    assert classification_of(db, "66000000031") == (["oxycodone"], "A§4", False)
    assert classification_of(db, "66000000032") == (
        ["calcium carbonate", "colecalciferol"],
        "HF",
        True,
    )
    assert classification_of(db, "66000000033") == (["acetylsalicylic acid"], "HA", True)
    assert classification_of(db, "66000000034") == (["diazepam"], "B", False)
    assert classification_of(db, "66000000035") == (["morphine"], "A§4 NA", False)
    assert classification_of(db, "66000000036") == (["insulin glargine"], "A", False)


def test_an_unknown_group_or_an_otc_flag_against_the_group_rejects_the_row_naming_it(
    db: Session,
) -> None:
    rows = csv_rows(
        CLASSIFIED,
        "66000000040,Zzfine,tablet,1 mg,N02BE01,,660040,10,tablet,,paracetamol,HA,true",
        "66000000041,Zzgroup,tablet,1 mg,N02BE01,,660041,10,tablet,,paracetamol,C,",
        "66000000042,Zzotc,tablet,1 mg,N02BE01,,660042,10,tablet,,paracetamol,A,ja",
        "66000000043,Zzrx,tablet,1 mg,N02BE01,,660043,10,tablet,,paracetamol,HX,false",
        "66000000044,Zznogroup,tablet,1 mg,N02BE01,,660044,10,tablet,,paracetamol,,true",
        "66000000045,Zzbool,tablet,1 mg,N02BE01,,660045,10,tablet,,paracetamol,HA,perhaps",
    )

    report = import_catalogue(db, rows)

    assert report.drugs_added == 1
    rejected = dict(report.rejected)
    assert sorted(rejected) == [2, 3, 4, 5, 6]
    assert rejected[2].startswith("dispensing_group: 'C' is not a dispensing group (valid: A, A§4")
    assert rejected[3] == (
        "otc: true, but dispensing group A needs a prescription (over the counter is HA, HF or HX)"
    )
    assert rejected[4] == "otc: false, but dispensing group HX is over the counter"
    assert rejected[5].startswith("otc: true, but dispensing group A needs a prescription")
    assert rejected[6].startswith("otc: ")
    assert db.get(Drug, "66000000042") is None


def test_a_file_without_the_columns_keeps_a_known_drugs_classification(db: Session) -> None:
    first = import_catalogue(
        db,
        csv_rows(
            CLASSIFIED,
            "66000000050,Zzfentanyl,transdermal patch,25 microgram/hour,N02AB03,,660050,5,patch,"
            "165.00,fentanyl,A§4,false",
        ),
    )
    price_update = import_catalogue(
        db,
        csv_rows(
            HEADER,
            "66000000050,Zzfentanyl,transdermal patch,25 microgram/hour,N02AB03,,660050,5,patch,"
            "159.00",
        ),
    )
    empty_cells = import_catalogue(
        db,
        csv_rows(
            CLASSIFIED,
            "66000000050,Zzfentanyl,transdermal patch,25 microgram/hour,N02AB03,,660050,5,patch,"
            "159.00,,,",
        ),
    )
    otc_against_the_kept_group = import_catalogue(
        db,
        csv_rows(
            CLASSIFIED,
            "66000000050,Zzfentanyl,transdermal patch,25 microgram/hour,N02AB03,,660050,5,patch,"
            "159.00,,,ja",
        ),
    )

    assert (first.drugs_added, price_update.drugs_updated, empty_cells.drugs_updated) == (1, 0, 0)
    assert classification_of(db, "66000000050") == (["fentanyl"], "A§4", False)
    assert otc_against_the_kept_group.rejected == [
        (1, "otc: true, but dispensing group A§4 needs a prescription (over the counter is HA, "
         "HF or HX)")
    ]  # fmt: skip


def test_a_changed_group_updates_the_drug(db: Session) -> None:
    def run(group: str) -> ImportReport:
        return import_catalogue(
            db,
            csv_rows(
                CLASSIFIED,
                f"66000000051,Zztramadol,capsule,50 mg,N02AX02,,660051,100,capsule,,tramadol,"
                f"{group},",
            ),
        )

    first, same, changed = run("A"), run("A"), run("A§4")

    assert (first.drugs_added, same.drugs_updated, changed.drugs_updated) == (1, 0, 1)
    assert classification_of(db, "66000000051") == (["tramadol"], "A§4", False)


def test_the_cli_imports_the_classification_columns(
    tmp_path: Path, fresh_database: Callable[[], str]
) -> None:
    url = fresh_database()
    csv_file = tmp_path / "catalogue.csv"
    csv_file.write_text(
        CLASSIFIED
        + "\n66000000060,Zzoxynorm,capsule,5 mg,N02AA05,,660060,28,capsule,95.00,oxycodone,A§4,"
        "nej\n" + "66000000061,Zzbad,tablet,1 mg,N02BE01,,660061,10,tablet,,paracetamol,A§5,\n",
        encoding="utf-8",
    )
    env = {**os.environ, "MEDRECORD_DATABASE_URL": url.replace("+psycopg", "")}

    result = subprocess.run(
        [sys.executable, "-m", "medrecord.cli", "drugs", "import", str(csv_file)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 1, result.stdout + result.stderr
    assert "1 drugs added" in result.stdout
    assert "line 3: dispensing_group: 'A§5' is not a dispensing group" in result.stdout
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            stored = conn.execute(
                text("SELECT name, active_substances, dispensing_group, otc FROM drug")
            ).all()
    finally:
        engine.dispose()
    assert [tuple(row) for row in stored] == [("Zzoxynorm", ["oxycodone"], "A§4", False)]
