"""structure dosages: the flat dosage of each medication becomes FMK's structure

Revision ID: c2e05a6e0041
Revises: b1d05a6e0040
Create Date: 2026-11-22 05:00:00

The old model (`kind`, one unit, morning/noon/evening/night or clock times, `max_per_day`, a
note) is mapped where its meaning is certain: a fixed daily dosage becomes one open-ended daily
period; a "temporary" one with both dates becomes one period of that length. Everything else
becomes free text with the text the card showed, because the old model did not say it:
as-needed dosages never stated the dose per time (the old text invented "1 tablet"), a maximum
on a fixed dosage was dropped from its text, and a temporary dosage without an end has no
length. The derived values (type, daily doses, texts) come from the application's dosage
module: this migration runs it once, on the data as it was (the one migration that imports
application code: the texts must be the application's own; the structure it writes is this
file's). A unit the drug's form does not allow (`drug.dosage_units`, the previous migration)
also becomes free text.
"""

import json
import logging
from collections.abc import Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "c2e05a6e0041"
down_revision: str | None = "b1d05a6e0040"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PARTS = ("morning", "noon", "evening", "night")
_UNITS = {
    "tablet", "capsule", "ml", "drop", "puff", "dose", "patch", "unit",
    "injection", "suppository", "sachet", "mg",
}  # fmt: skip


def structured(
    old: dict[str, Any], start: date | None, end: date | None, units: list[str]
) -> dict[str, Any] | None:
    """The new structure of an old dosage, or None when its meaning is not certain (`units`:
    those the drug's form allows, filled by the previous migration)."""
    kind, unit = old.get("kind"), old.get("unit")
    if unit not in _UNITS or unit not in units or old.get("max_per_day") is not None:
        return None
    doses = [{"at": p, "quantity": old[p]} for p in _PARTS if old.get(p) is not None]
    doses += [{"at": t["time"], "quantity": t["quantity"]} for t in old.get("timed") or []]
    if not doses or len({d["at"] for d in doses}) != len(doses):
        return None
    period: dict[str, Any] = {"cycle_days": 1, "days": [{"day": 1, "doses": doses}]}
    if kind == "temporary":
        if start is None or end is None:
            return None
        period["length_days"] = (end - start).days + 1
    elif kind != "fixed":
        return None
    dosage: dict[str, Any] = {"unit": unit, "periods": [period]}
    if old.get("note"):
        dosage["note"] = str(old["note"])[:200]
    return dosage


def upgrade() -> None:
    from pydantic import TypeAdapter

    from medrecord.dosage.derive import derive, display_text
    from medrecord.dosage.schemas import Dosage

    op.add_column(
        "medication",
        sa.Column("dosage_derived", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    )
    conn = op.get_bind()
    adapter: TypeAdapter[Any] = TypeAdapter(Dosage)
    rows = conn.execute(
        sa.text(
            "SELECT m.citizen_id, m.id, m.dosage, m.dosage_text, m.start_date, m.end_date,"
            " d.dosage_units FROM medication m JOIN drug d ON d.id = m.drug_id"
        )
    ).all()
    free_text = 0
    for citizen_id, medication_id, old, old_text, start, end, units in rows:
        new = structured(old, start, end, list(units))
        if new is None:
            new = {"free_text": (old_text or "Efter skriftlig anvisning")[:500]}
            free_text += 1
        dosage = adapter.validate_python(new)
        derived = derive(dosage, start=start)
        conn.execute(
            sa.text(
                "UPDATE medication SET dosage = CAST(:dosage AS jsonb), "
                "dosage_derived = CAST(:derived AS jsonb), dosage_text = :text "
                "WHERE citizen_id = :citizen_id AND id = :id"
            ),
            {
                "dosage": adapter.dump_json(dosage, exclude_none=True).decode(),
                "derived": derived.model_dump_json(exclude_none=True),
                "text": display_text(derived),
                "citizen_id": citizen_id,
                "id": medication_id,
            },
        )
    if rows:
        logging.getLogger("alembic.runtime.migration").info(
            "dosages: %d structured, %d became free text", len(rows) - free_text, free_text
        )
    op.alter_column("medication", "dosage_derived", nullable=False)


def _flat(new: dict[str, Any], text: str) -> dict[str, Any]:
    # Back to the old model where it can say it; otherwise an as-needed shell with the text.
    periods = new.get("periods") or []
    if len(periods) == 1 and periods[0].get("cycle_days", 1) == 1:
        days = periods[0].get("days") or []
        doses = days[0]["doses"] if len(days) == 1 else []
        if doses and not periods[0].get("as_needed") and all("quantity" in d for d in doses):
            old: dict[str, Any] = {"kind": "fixed", "unit": new["unit"]}
            timed = [d for d in doses if d.get("at") and ":" in d["at"]]
            parts = [d for d in doses if d.get("at") in _PARTS]
            if len(timed) + len(parts) == len(doses) and not (timed and parts):
                old.update({d["at"]: d["quantity"] for d in parts})
                if timed:
                    old["timed"] = [{"time": d["at"], "quantity": d["quantity"]} for d in timed]
                if new.get("note"):
                    old["note"] = new["note"]
                return old
    return {"kind": "as_needed", "unit": new.get("unit", "dose"), "note": text[:200]}


def downgrade() -> None:
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT citizen_id, id, dosage, dosage_text FROM medication")).all()
    for citizen_id, medication_id, new, text in rows:
        conn.execute(
            sa.text(
                "UPDATE medication SET dosage = CAST(:dosage AS jsonb) "
                "WHERE citizen_id = :citizen_id AND id = :id"
            ),
            {
                "dosage": json.dumps(_flat(new, text)),
                "citizen_id": citizen_id,
                "id": medication_id,
            },
        )
    op.drop_column("medication", "dosage_derived")
