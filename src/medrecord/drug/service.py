"""Catalogue use cases: search, look up, import."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from medrecord.access.actor import Actor
from medrecord.drug import repository, rules
from medrecord.drug.forms import units_for_form
from medrecord.drug.schemas import CatalogueRow, DrugDetail, DrugRead
from medrecord.models import Drug, DrugPackage
from medrecord.models.drug import DispensingGroup
from medrecord.problems import DrugNotFound


def search_drugs(
    session: Session, actor: Actor, *, text: str | None, atc: str | None, limit: int, offset: int
) -> list[DrugRead]:
    # Catalogue reads touch no citizen: any authenticated caller, no audit row.
    del actor
    drugs = repository.search(session, text=text, atc=atc, limit=limit, offset=offset)
    return [DrugRead.model_validate(d) for d in drugs]


def _cheapest(drug: Drug) -> Decimal:
    prices = [p.price_dkk for p in drug.packages if p.price_dkk is not None]
    return min(prices) if prices else Decimal("Infinity")


def get_drug(session: Session, actor: Actor, *, drug_id: str) -> DrugDetail:
    del actor
    drug = repository.get(session, drug_id)
    if drug is None:
        raise DrugNotFound()
    substitutes = sorted(repository.substitutes(session, drug), key=_cheapest)
    return DrugDetail(
        **DrugRead.model_validate(drug).model_dump(),
        substitutes=[DrugRead.model_validate(d) for d in substitutes],
    )


@dataclass
class ImportReport:
    drugs_added: int = 0
    drugs_updated: int = 0
    packages_added: int = 0
    packages_updated: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)


def parse_catalogue(text: str, *, fmt: str) -> list[dict[str, Any]]:
    return read_catalogue(text, fmt=fmt)[0]


def read_catalogue(text: str, *, fmt: str) -> tuple[list[dict[str, Any]], list[int]]:
    """The rows of a catalogue file and where each is in it: for CSV the line it starts on
    (the header is line 1, so an editor's line number), for JSON its place in the list."""
    if fmt == "json":
        data = json.loads(text)
        rows = data["rows"] if isinstance(data, dict) and "rows" in data else data
        if not isinstance(rows, list):
            raise ValueError('a JSON catalogue is a list of rows (or {"rows": [...]})')
        return [r if isinstance(r, dict) else {} for r in rows], list(range(1, len(rows) + 1))
    reader = csv.reader(io.StringIO(text))
    header = next(reader, [])
    parsed: list[dict[str, Any]] = []
    lines: list[int] = []
    ended = reader.line_num  # a quoted cell may span lines: a row starts after the last one
    for cells in reader:
        if cells:  # blank lines are skipped, as csv.DictReader does
            parsed.append({name: value for name, value in zip(header, cells, strict=False)})
            lines.append(ended + 1)
        ended = reader.line_num
    return parsed, lines


def import_catalogue(
    session: Session,
    rows: list[dict[str, Any]],
    *,
    positions: Sequence[int] | None = None,
    on_row: Callable[[], None] | None = None,
) -> ImportReport:
    """Insert or update drugs and packages; rows that fail validation are reported with their
    ``positions`` (default: 1, 2, ...), not loaded. ``on_row`` is called after each row. The
    caller commits (all valid rows in one transaction)."""
    report = ImportReport()
    for line, raw in zip(positions or range(1, len(rows) + 1), rows, strict=True):
        _import_row(session, report, line, raw)
        if on_row is not None:
            on_row()
    return report


def _import_row(session: Session, report: ImportReport, line: int, raw: dict[str, Any]) -> None:
    cleaned = {k: (v if v != "" else None) for k, v in raw.items() if isinstance(k, str)}
    try:
        row = CatalogueRow.model_validate(cleaned)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        report.rejected.append((line, problems))
        return
    units = row.dosage_units or units_for_form(row.form)
    if units is None:
        report.rejected.append((line, f"unknown form '{row.form}': give dosage_units"))
        return
    dosage_units = [str(u) for u in units]
    drug = repository.get_drug(session, row.drug_id)
    # Left empty, these keep what a known drug has; a new drug is prescription-only.
    substances = row.active_substances or (list(drug.active_substances) if drug else [])
    group = row.dispensing_group or (drug.dispensing_group if drug else DispensingGroup.A)
    if row.otc is not None and (problem := rules.otc_problem(row.otc, group)):
        report.rejected.append((line, f"otc: {problem}"))
        return
    otc = rules.is_over_the_counter(group)
    if drug is None:
        drug = Drug(id=row.drug_id)
        repository.add(session, drug)
        report.drugs_added += 1
    elif (drug.name, drug.form, drug.strength, drug.atc_code, drug.substitution_group,
          list(drug.dosage_units), list(drug.active_substances), drug.dispensing_group) != (
        row.name, row.form, row.strength, row.atc_code, row.substitution_group, dosage_units,
        substances, group,
    ):  # fmt: skip
        report.drugs_updated += 1
    drug.name, drug.form, drug.strength = row.name, row.form, row.strength
    drug.atc_code, drug.substitution_group = row.atc_code, row.substitution_group
    drug.dosage_units = dosage_units
    drug.active_substances, drug.dispensing_group, drug.otc = substances, str(group), otc
    package = repository.get_package(session, row.package_number)
    if package is not None and package.drug_id != row.drug_id:
        report.rejected.append(
            (line, f"package {row.package_number} belongs to drug {package.drug_id}")
        )
        return
    if package is None:
        package = DrugPackage(package_number=row.package_number, drug_id=row.drug_id)
        repository.add(session, package)
        report.packages_added += 1
    else:
        report.packages_updated += 1
    package.size, package.unit, package.price_dkk = (
        row.package_size, row.package_unit, row.price_dkk,
    )  # fmt: skip
    session.flush()
