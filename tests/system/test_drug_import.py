"""`medrecord drugs import FILE`: loads valid rows, updates existing ones, reports the rest."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import create_engine, text

HEADER = (
    "drug_id,name,form,strength,atc_code,substitution_group,package_number,package_size,"
    "package_unit,price_dkk\n"
)


def run_import(
    path: Path, database_url: str, **environment: str
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "MEDRECORD_DATABASE_URL": database_url.replace("+psycopg", ""),
        **environment,
    }
    return subprocess.run(
        [sys.executable, "-m", "medrecord.cli", "drugs", "import", str(path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_import_loads_updates_and_reports_rejected_rows(
    tmp_path: Path, fresh_database: Callable[[], str]
) -> None:
    url = fresh_database()
    csv_file = tmp_path / "catalogue.csv"
    csv_file.write_text(
        HEADER
        + "28199999901,Panodil,tablet,500 mg,N02BE01,PARA-500,900001,100,tablet,45.00\n"
        + "28199999901,Panodil,tablet,500 mg,N02BE01,PARA-500,900002,20,tablet,\n"
        + "28199999902,Bad ATC,tablet,1 mg,N2BE01,,900003,10,tablet,1\n"
        + "28199999903,No package,tablet,1 mg,N02BE01,,12345,10,tablet,1\n"
    )

    first = run_import(csv_file, url)

    assert first.returncode == 1, first.stderr
    assert "1 drugs added" in first.stdout and "2 packages added" in first.stdout
    # The file's own line numbers (the header is line 1), as an editor shows them.
    assert "line 4: atc_code" in first.stdout
    assert "line 5: package_number" in first.stdout

    json_file = tmp_path / "update.json"
    json_file.write_text(
        json.dumps(
            [
                {
                    "drug_id": "28199999901",
                    "name": "Panodil",
                    "form": "film-coated tablet",
                    "strength": "500 mg",
                    "atc_code": "N02BE01",
                    "substitution_group": "PARA-500",
                    "package_number": "900001",
                    "package_size": 100,
                    "package_unit": "tablet",
                    "price_dkk": "39.95",
                },
            ]
        )
    )
    second = run_import(json_file, url)

    assert second.returncode == 0, second.stdout + second.stderr
    assert "1 updated" in second.stdout
    engine = create_engine(url)
    with engine.connect() as conn:
        form = conn.execute(text("SELECT form FROM drug WHERE id = '28199999901'")).scalar_one()
        price = conn.execute(
            text("SELECT price_dkk FROM drug_package WHERE package_number = '900001'")
        ).scalar_one()
    engine.dispose()
    assert (form, str(price)) == ("film-coated tablet", "39.95")


def test_import_shows_progress_and_a_summary_and_counts_lines_of_quoted_cells(
    tmp_path: Path, fresh_database: Callable[[], str]
) -> None:
    csv_file = tmp_path / "catalogue.csv"
    rows = [
        f"2818888{n:04d},Drug {n},tablet,1 mg,N02BE01,,9{n:05d},10,tablet,1\n" for n in range(300)
    ]
    csv_file.write_text(
        HEADER
        + '28199990001,"Two-line\nname",tablet,1 mg,N02BE01,,800001,10,tablet,1\n'
        + "\n"
        + "28199990002,Bad,tablet,1 mg,N2BE01,,800002,10,tablet,1\n"
        + "".join(rows)
    )

    # FORCE_COLOR: rich draws its bar as on a terminal.
    done = run_import(csv_file, fresh_database(), FORCE_COLOR="1", COLUMNS="120")

    assert done.returncode == 1, done.stderr
    assert "Importing catalogue.csv" in done.stderr
    assert "302/302" in done.stderr  # the bar counts the file's rows
    summary, *rejected = done.stdout.splitlines()
    assert summary.startswith("302 rows read in ")
    assert "301 drugs added" in summary and "1 rejected" in summary
    # Header on line 1, a quoted name over lines 2 and 3, a blank line 4: the bad row is line 5.
    assert [line.split(": ")[0] for line in rejected] == ["  line 5"]
    assert "atc_code" in rejected[0]
