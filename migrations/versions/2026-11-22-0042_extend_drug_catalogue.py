"""extend the drug catalogue: active substances, dispensing group, over the counter

SPEC §2: a drug names its active substance(s), its dispensing group (who may sell it and how
often: A, A§4, A§4 NA, B, HA, HF, HX) and whether it is sold over the counter (exactly the H
groups; a CHECK keeps the flag and the group together). Search by substance uses a GIN index on
the substances, search by ATC prefix a pattern index that works under any collation. The ATC
check also admits level-4 codes (A12AX), which WHO gives combinations without a level-5 code.

Existing drugs get the prescription-only group A (the safe default: nothing becomes sellable
without a prescription by accident), no over-the-counter flag and no substances ("not stated"),
except the drugs of the demo catalogue (same id and name), which get the catalogue's values as
they were when this was written (copied below: a migration must not follow later changes of the
app). An admin corrects the rest by importing them with the new columns.

Revision ID: d3e05a6e0042
Revises: c2e05a6e0041
Create Date: 2026-11-22 00:42:00.000000
"""

import logging
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "d3e05a6e0042"
down_revision: str | None = "c2e05a6e0041"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger("alembic.runtime.migration")

GROUPS = ("A", "A§4", "A§4 NA", "B", "HA", "HF", "HX")
ATC_LEVEL_4_OR_5 = "atc_code ~ '^[A-Z][0-9]{2}[A-Z]{2}([0-9]{2})?$'"
_ADD_LEVEL_5_CHECK = sa.text(
    "ALTER TABLE drug ADD CONSTRAINT ck_drug_atc_code_format "
    "CHECK (atc_code ~ '^[A-Z][0-9]{2}[A-Z]{2}[0-9]{2}$') NOT VALID"
)
_LEVEL_4_DRUGS = sa.text(
    "SELECT id FROM drug WHERE atc_code !~ '^[A-Z][0-9]{2}[A-Z]{2}[0-9]{2}$' ORDER BY id"
)

# The demo catalogue (medrecord.demo.catalogue, 2026-11-22): (drug id, name, substances, group).
DEMO: list[tuple[str, str, tuple[str, ...], str]] = [
    ("28100000000", "Pinex", ("paracetamol",), "A"),
    ("28100007919", "Panodil", ("paracetamol",), "A"),
    ("28100015838", "Pamol", ("paracetamol",), "A"),
    ("28100023757", "Panodil", ("paracetamol",), "A"),
    ("28100031676", 'Ibuprofen "Orifarm"', ("ibuprofen",), "A"),
    ("28100039595", "Ipren", ("ibuprofen",), "A"),
    ("28100047514", 'Naproxen "Mylan"', ("naproxen",), "A"),
    ("28100055433", 'Metformin "Actavis"', ("metformin",), "A"),
    ("28100063352", "Glucophage", ("metformin",), "A"),
    ("28100071271", 'Metformin "Sandoz"', ("metformin",), "A"),
    ("28100079190", 'Atorvastatin "Krka"', ("atorvastatin",), "A"),
    ("28100087109", "Lipitor", ("atorvastatin",), "A"),
    ("28100095028", 'Atorvastatin "Krka"', ("atorvastatin",), "A"),
    ("28100102947", 'Simvastatin "Actavis"', ("simvastatin",), "A"),
    ("28100110866", "Zocor", ("simvastatin",), "A"),
    ("28100118785", 'Amlodipin "Teva"', ("amlodipine",), "A"),
    ("28100126704", "Norvasc", ("amlodipine",), "A"),
    ("28100134623", 'Amlodipin "Teva"', ("amlodipine",), "A"),
    ("28100142542", 'Losartan "Krka"', ("losartan",), "A"),
    ("28100150461", "Cozaar", ("losartan",), "A"),
    ("28100158380", 'Enalapril "Alternova"', ("enalapril",), "A"),
    ("28100166299", 'Ramipril "Actavis"', ("ramipril",), "A"),
    ("28100174218", 'Bendroflumethiazid "Alternova"', ("bendroflumethiazide",), "A"),
    ("28100182137", "Furix", ("furosemide",), "A"),
    ("28100190056", 'Furosemid "Hexal"', ("furosemide",), "A"),
    ("28100197975", "Selo-Zok", ("metoprolol",), "A"),
    ("28100205894", 'Metoprololsuccinat "Hexal"', ("metoprolol",), "A"),
    ("28100213813", 'Bisoprolol "Teva"', ("bisoprolol",), "A"),
    ("28100221732", "Hjertemagnyl", ("acetylsalicylic acid",), "HA"),
    ("28100229651", 'Acetylsalicylsyre "Teva"', ("acetylsalicylic acid",), "HA"),
    ("28100237570", 'Clopidogrel "Krka"', ("clopidogrel",), "A"),
    ("28100245489", "Eliquis", ("apixaban",), "A"),
    ("28100253408", "Xarelto", ("rivaroxaban",), "A"),
    ("28100261327", "Marevan", ("warfarin",), "A"),
    ("28100269246", 'Omeprazol "Actavis"', ("omeprazole",), "A"),
    ("28100277165", "Losec", ("omeprazole",), "A"),
    ("28100285084", 'Pantoprazol "Teva"', ("pantoprazole",), "A"),
    ("28100293003", "Eltroxin", ("levothyroxine",), "A"),
    ("28100300922", "Euthyrox", ("levothyroxine",), "A"),
    ("28100308841", 'Sertralin "Actavis"', ("sertraline",), "A"),
    ("28100316760", "Zoloft", ("sertraline",), "A"),
    ("28100324679", 'Citalopram "Teva"', ("citalopram",), "A"),
    ("28100332598", 'Escitalopram "Krka"', ("escitalopram",), "A"),
    ("28100340517", "Cipralex", ("escitalopram",), "A"),
    ("28100348436", 'Mirtazapin "Orion"', ("mirtazapine",), "A"),
    ("28100356355", 'Zopiclon "Actavis"', ("zopiclone",), "A"),
    ("28100364274", "Imovane", ("zopiclone",), "A"),
    ("28100372193", 'Tramadol "Actavis"', ("tramadol",), "A§4"),
    ("28100380112", "OxyNorm", ("oxycodone",), "A§4"),
    ("28100388031", 'Gabapentin "Teva"', ("gabapentin",), "A"),
    ("28100395950", 'Pregabalin "Krka"', ("pregabalin",), "A"),
    ("28100403869", 'Amoxicillin "Sandoz"', ("amoxicillin",), "A"),
    ("28100411788", "Imacillin", ("amoxicillin",), "A"),
    ("28100419707", "Primcillin", ("phenoxymethylpenicillin",), "A"),
    ("28100427626", "Vepicombin", ("phenoxymethylpenicillin",), "A"),
    ("28100435545", "Selexid", ("pivmecillinam",), "A"),
    ("28100443464", 'Ciprofloxacin "Bluefish"', ("ciprofloxacin",), "A"),
    ("28100451383", 'Prednisolon "DAK"', ("prednisolone",), "A"),
    ("28100459302", "Ventoline", ("salbutamol",), "A"),
    ("28100467221", "Spiriva Respimat", ("tiotropium",), "A"),
    ("28100475140", "Seretide Diskus", ("salmeterol", "fluticasone"), "A"),
    ("28100483059", 'Allopurinol "Accord"', ("allopurinol",), "A"),
    ("28100490978", 'Alendronat "Aurobindo"', ("alendronic acid",), "A"),
    ("28100498897", "Kaleorid", ("potassium chloride",), "A"),
    ("28100506816", 'Magnesia "DAK"', ("magnesium oxide",), "HA"),
    ("28100514735", "Lantus", ("insulin glargine",), "A"),
    ("28100522654", "NovoRapid FlexPen", ("insulin aspart",), "A"),
    ("28100530573", "Ozempic", ("semaglutide",), "A"),
    ("28100538492", "Jardiance", ("empagliflozin",), "A"),
    ("28100546411", 'Cetirizin "Sandoz"', ("cetirizine",), "HA"),
    ("28100554330", 'Donepezil "Teva"', ("donepezil",), "A"),
    ("28100562249", 'Quetiapin "Accord"', ("quetiapine",), "A"),
    ("28100570168", 'Tamsulosin "Sandoz"', ("tamsulosin",), "A"),
    ("28100578087", 'Finasterid "Teva"', ("finasteride",), "A"),
    ("28100586006", 'Fentanyl "Sandoz"', ("fentanyl",), "A§4"),
    ("28100593925", "Xalatan", ("latanoprost",), "A"),
    ("28100601844", "Imadrax", ("amoxicillin",), "A"),
    ("28100609763", "Symbicort Turbuhaler", ("budesonide", "formoterol"), "A"),
    ("28100617682", "Laxoberal", ("sodium picosulfate",), "HA"),
    ("28100625601", 'Paracetamol "Orifarm"', ("paracetamol",), "HA"),
    (
        "28100633520",
        "Movicol",
        ("macrogol", "sodium chloride", "sodium hydrogen carbonate", "potassium chloride"),
        "HA",
    ),
]


def upgrade() -> None:
    op.add_column(
        "drug",
        sa.Column(
            "active_substances",
            postgresql.ARRAY(sa.String(length=100)),
            server_default=sa.text("'{}'"),
            nullable=False,
        ),
    )
    op.add_column(
        "drug",
        sa.Column("dispensing_group", sa.String(length=10), server_default="A", nullable=False),
    )
    op.add_column("drug", sa.Column("otc", sa.Boolean(), server_default=sa.false(), nullable=False))
    conn = op.get_bind()
    fill = sa.text(
        "UPDATE drug SET active_substances = :substances, dispensing_group = :group, "
        "otc = (CAST(:group AS varchar) LIKE 'H%') WHERE id = :id AND name = :name"
    )
    for id_, name, substances, group in DEMO:
        conn.execute(
            fill, {"id": id_, "name": name, "substances": list(substances), "group": group}
        )
    groups = ", ".join(f"'{g}'" for g in GROUPS)
    op.create_check_constraint(
        op.f("ck_drug_dispensing_group"), "drug", f"dispensing_group IN ({groups})"
    )
    op.create_check_constraint(
        op.f("ck_drug_otc_matches_dispensing_group"), "drug", "otc = (dispensing_group LIKE 'H%')"
    )
    op.drop_constraint(op.f("ck_drug_atc_code_format"), "drug", type_="check")
    op.create_check_constraint(op.f("ck_drug_atc_code_format"), "drug", ATC_LEVEL_4_OR_5)
    op.create_index(
        op.f("ix_drug_active_substances"),
        "drug",
        ["active_substances"],
        postgresql_using="gin",
    )
    op.create_index(
        op.f("ix_drug_atc_code_prefix"),
        "drug",
        ["atc_code"],
        postgresql_ops={"atc_code": "varchar_pattern_ops"},
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_drug_atc_code_prefix"), table_name="drug")
    op.drop_index(op.f("ix_drug_active_substances"), table_name="drug")
    op.drop_constraint(op.f("ck_drug_atc_code_format"), "drug", type_="check")
    # Drugs imported with a level-4 code stay (prescriptions may name them): the old check
    # holds for new rows and is validated only when no such drug exists.
    conn = op.get_bind()
    conn.execute(_ADD_LEVEL_5_CHECK)
    level_4 = list(conn.execute(_LEVEL_4_DRUGS).scalars())
    if level_4:
        log.warning(
            "%d drugs have a level-4 ATC code; ck_drug_atc_code_format is left NOT VALID: %s",
            len(level_4),
            ", ".join(level_4[:50]),
        )
    else:
        conn.execute(sa.text("ALTER TABLE drug VALIDATE CONSTRAINT ck_drug_atc_code_format"))
    op.drop_constraint(op.f("ck_drug_otc_matches_dispensing_group"), "drug", type_="check")
    op.drop_constraint(op.f("ck_drug_dispensing_group"), "drug", type_="check")
    op.drop_column("drug", "otc")
    op.drop_column("drug", "dispensing_group")
    op.drop_column("drug", "active_substances")
