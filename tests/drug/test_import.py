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
    assert "row 3: dosage_units: 'pill' is not a dosage unit (valid: tablet" in result.stdout
    assert "row 4: unknown form 'gel': give dosage_units" in result.stdout
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
