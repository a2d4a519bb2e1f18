"""add drug dosage units

Each drug lists the units a dose may be stated in (SPEC §2: the form decides: tablets → tablet,
oral solution → ml, inhaler → puff, insulin pen → unit …). Existing drugs get theirs from their
form, by a copy of the table in ``medrecord.drug.forms`` as it was when this was written (a
migration must not follow later changes of the app). An insulin (ATC A10A) for injection is
dosed in units. A drug whose form is not in the table gets the unit of its first package (an
inhaler's package counted in doses is dosed in puffs), else ``dose``; those drugs are logged
so that an admin can correct them by importing them with ``dosage_units``.

Revision ID: b1d05a6e0040
Revises: 995a4b41de3b
Create Date: 2026-11-22 00:40:00.000000
"""

import logging
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "b1d05a6e0040"
down_revision: str | None = "995a4b41de3b"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger("alembic.runtime.migration")

# Copied from medrecord.drug.forms.FORM_UNITS (2026-11-22); do not import app code here.
FORM_UNITS: dict[str, list[str]] = {
    "tablet": ["tablet"],
    "film-coated tablet": ["tablet"],
    "coated tablet": ["tablet"],
    "prolonged-release tablet": ["tablet"],
    "modified-release tablet": ["tablet"],
    "gastro-resistant tablet": ["tablet"],
    "effervescent tablet": ["tablet"],
    "dispersible tablet": ["tablet"],
    "orodispersible tablet": ["tablet"],
    "chewable tablet": ["tablet"],
    "sublingual tablet": ["tablet"],
    "vaginal tablet": ["tablet"],
    "capsule": ["capsule"],
    "hard capsule": ["capsule"],
    "soft capsule": ["capsule"],
    "gastro-resistant capsule": ["capsule"],
    "prolonged-release capsule": ["capsule"],
    "modified-release capsule": ["capsule"],
    "oral solution": ["ml"],
    "oral suspension": ["ml"],
    "powder for oral suspension": ["ml"],
    "granules for oral suspension": ["ml"],
    "syrup": ["ml"],
    "oral drops": ["drop", "ml"],
    "oral drops, solution": ["drop", "ml"],
    "eye drops": ["drop"],
    "eye drops, solution": ["drop"],
    "eye drops, suspension": ["drop"],
    "ear drops": ["drop"],
    "ear drops, solution": ["drop"],
    "nasal drops": ["drop"],
    "pressurised inhalation": ["puff"],
    "pressurised inhalation, solution": ["puff"],
    "pressurised inhalation, suspension": ["puff"],
    "inhalation powder": ["puff"],
    "inhalation solution": ["puff"],
    "nasal spray": ["puff"],
    "nasal spray, solution": ["puff"],
    "nasal spray, suspension": ["puff"],
    "nebuliser solution": ["ml"],
    "transdermal patch": ["patch"],
    "medicated plaster": ["patch"],
    "solution for injection": ["ml", "injection"],
    "suspension for injection": ["ml", "injection"],
    "solution for injection in pre-filled syringe": ["injection", "ml"],
    "solution for injection in pre-filled pen": ["unit"],
    "suspension for injection in pre-filled pen": ["unit"],
    "suppository": ["suppository"],
    "granules in sachet": ["sachet"],
    "powder for oral solution in sachet": ["sachet"],
    "oral powder in sachet": ["sachet"],
}
# The dosage units as of this revision (medrecord.dosage.units.Unit).
UNITS = (
    "tablet",
    "capsule",
    "ml",
    "drop",
    "puff",
    "dose",
    "patch",
    "unit",
    "injection",
    "suppository",
    "sachet",
    "mg",
)
# The form as the table spells it: trimmed, lower case, inner spaces single.
_SET_FORM_UNITS = sa.text(
    "UPDATE drug SET dosage_units = :units WHERE dosage_units IS NULL "
    r"AND lower(regexp_replace(btrim(form), '\s+', ' ', 'g')) = :form"
)
_SET_INSULIN_UNITS = sa.text(
    "UPDATE drug SET dosage_units = ARRAY['unit'] WHERE atc_code LIKE 'A10A%' "
    r"AND lower(regexp_replace(btrim(form), '\s+', ' ', 'g')) LIKE '%for injection%'"
)
# The unit of the drug's first package: an inhaler counted in doses is dosed in puffs.
_SET_PACKAGE_UNITS = sa.text(
    "UPDATE drug SET dosage_units = ARRAY[CASE WHEN p.unit = 'dose' THEN 'puff' "
    "  WHEN p.unit = ANY(:units) THEN p.unit ELSE 'dose' END] "
    "FROM (SELECT DISTINCT ON (drug_id) drug_id, lower(btrim(unit)) AS unit "
    "      FROM drug_package ORDER BY drug_id, package_number) AS p "
    "WHERE drug.dosage_units IS NULL AND p.drug_id = drug.id"
)


def upgrade() -> None:
    op.add_column(
        "drug",
        sa.Column("dosage_units", postgresql.ARRAY(sa.String(length=20)), nullable=True),
    )
    conn = op.get_bind()
    conn.execute(_SET_INSULIN_UNITS)
    for form, units in FORM_UNITS.items():
        conn.execute(_SET_FORM_UNITS, {"units": units, "form": form})
    unknown = conn.execute(
        sa.text("SELECT id, form FROM drug WHERE dosage_units IS NULL ORDER BY id")
    ).all()
    conn.execute(_SET_PACKAGE_UNITS, {"units": list(UNITS)})
    conn.execute(sa.text("UPDATE drug SET dosage_units = ARRAY['dose'] WHERE dosage_units IS NULL"))
    if unknown:
        log.warning(
            "%d drugs have a form without known dosage units and got the unit of their package "
            "(or 'dose'); import them with dosage_units to correct: %s",
            len(unknown),
            ", ".join(f"{id_} ({form})" for id_, form in unknown[:50])
            + (" …" if len(unknown) > 50 else ""),
        )
    op.alter_column("drug", "dosage_units", nullable=False)
    op.create_check_constraint(
        op.f("ck_drug_dosage_units_not_empty"), "drug", "cardinality(dosage_units) >= 1"
    )


def downgrade() -> None:
    op.drop_constraint(op.f("ck_drug_dosage_units_not_empty"), "drug", type_="check")
    op.drop_column("drug", "dosage_units")
