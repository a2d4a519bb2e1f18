"""keep prescription amounts in units; dispensings in package lines

A prescription's amount is now kept in the package's unit (SPEC §2): prescribed = iterations x
packages x package size, dispensed counted in units, so a partial dispensing no longer uses up a
whole iteration and an iteration can be split over packages of other sizes. A dispensing holds
one or more package lines.

Existing rows:
- ``dispensed_units`` is what the prescription's completed dispensings actually handed out
  (package quantity x package size). Under the old model a partial dispensing consumed a whole
  iteration; those units come back, and a prescription "completed" that way is open again
  (logged, with the count).
- A prescription with dispensed iterations but no dispensing rows keeps them as units.
- The label copies (dosage texts, indication) are taken from the medication as it is now: old
  prescriptions kept no copy of their own.
- Each dispensing becomes one line; the interval unit of an existing interval is ``days``.

Downgrade keeps the first line of each dispensing and rounds dispensed units up to iterations.

Revision ID: e4e05a6e0043
Revises: d3e05a6e0042
Create Date: 2026-11-22 00:43:00.000000
"""

import logging
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "e4e05a6e0043"
down_revision: str | None = "d3e05a6e0042"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger("alembic.runtime.migration")


def upgrade() -> None:
    _dispensing_lines()
    _prescription_units()


def _dispensing_lines() -> None:
    op.create_table(
        "dispensing_line",
        sa.Column("citizen_id", sa.Uuid(), nullable=False),
        sa.Column("dispensing_id", sa.Uuid(), nullable=False),
        sa.Column("line_number", sa.Integer(), nullable=False),
        sa.Column("drug_id", sa.String(length=20), nullable=False),
        sa.Column("package_number", sa.String(length=6), nullable=False),
        sa.Column("package_quantity", sa.Integer(), nullable=False),
        sa.Column("units", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("substituted", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "line_number BETWEEN 1 AND 10", name=op.f("ck_dispensing_line_line_number_range")
        ),
        sa.CheckConstraint(
            "package_quantity BETWEEN 1 AND 999",
            name=op.f("ck_dispensing_line_package_quantity_range"),
        ),
        sa.CheckConstraint("units > 0", name=op.f("ck_dispensing_line_units_positive")),
        sa.ForeignKeyConstraint(
            ["citizen_id", "dispensing_id"],
            ["dispensing.citizen_id", "dispensing.id"],
            name=op.f("fk_dispensing_line_citizen_id_dispensing_id_dispensing"),
        ),
        sa.ForeignKeyConstraint(
            ["drug_id"], ["drug.id"], name=op.f("fk_dispensing_line_drug_id_drug")
        ),
        sa.ForeignKeyConstraint(
            ["package_number"],
            ["drug_package.package_number"],
            name=op.f("fk_dispensing_line_package_number_drug_package"),
        ),
        sa.PrimaryKeyConstraint(
            "citizen_id", "dispensing_id", "line_number", name=op.f("pk_dispensing_line")
        ),
    )
    op.add_column("dispensing", sa.Column("units", sa.Numeric(precision=12, scale=2)))
    op.add_column(
        "dispensing",
        sa.Column("starts_iteration", sa.Boolean(), nullable=False, server_default=sa.true()),
    )
    op.alter_column("dispensing", "starts_iteration", server_default=None)
    op.execute(
        """
        INSERT INTO dispensing_line (citizen_id, dispensing_id, line_number, drug_id,
                                     package_number, package_quantity, units, substituted)
        SELECT d.citizen_id, d.id, 1, d.drug_id, d.package_number, LEAST(d.package_quantity, 999),
               d.package_quantity * p.size, d.substituted
        FROM dispensing d JOIN drug_package p ON p.package_number = d.package_number
        """
    )
    op.execute(
        """
        UPDATE dispensing d SET units = l.units
        FROM dispensing_line l
        WHERE l.citizen_id = d.citizen_id AND l.dispensing_id = d.id
        """
    )
    op.alter_column("dispensing", "units", nullable=False)
    op.create_check_constraint(op.f("ck_dispensing_units_positive"), "dispensing", "units > 0")
    op.drop_index("uq_dispensing_one_per_iteration", table_name="dispensing")
    op.drop_constraint(op.f("ck_dispensing_package_quantity_range"), "dispensing", type_="check")
    for column in ("drug_id", "package_number", "package_quantity", "substituted"):
        op.drop_column("dispensing", column)
    op.create_index(
        op.f("ix_dispensing_citizen_id_prescription_id"),
        "dispensing",
        ["citizen_id", "prescription_id"],
    )


def _prescription_units() -> None:
    op.alter_column("prescription", "iteration_interval_days", new_column_name="iteration_interval")
    op.drop_constraint(op.f("ck_prescription_interval_range"), "prescription", type_="check")
    for name, column in [
        ("iteration_interval_unit", sa.String(length=6)),
        ("unit", sa.String(length=40)),
        ("units_per_iteration", sa.Numeric(precision=12, scale=2)),
        ("prescribed_units", sa.Numeric(precision=12, scale=2)),
        ("dispensed_units", sa.Numeric(precision=12, scale=2)),
        ("dosage_texts", postgresql.JSONB(astext_type=sa.Text())),
        ("indication_code", sa.String(length=20)),
        ("indication_text", sa.String(length=500)),
        ("supplementary_instructions", sa.String(length=500)),
        ("invalid_reason", sa.String(length=500)),
        ("iteration_started_at", sa.DateTime(timezone=True)),
    ]:
        op.add_column("prescription", sa.Column(name, column, nullable=True))
    op.execute(
        """
        UPDATE prescription r
        SET iteration_interval_unit = CASE WHEN r.iteration_interval IS NOT NULL THEN 'days' END,
            unit = p.unit,
            units_per_iteration = r.package_quantity * p.size,
            prescribed_units = r.iterations * r.package_quantity * p.size,
            dosage_texts = COALESCE(m.dosage_derived -> 'texts', '{}'::jsonb),
            indication_code = m.indication_code,
            indication_text = m.indication_text,
            iteration_started_at = r.last_dispensed_at
        FROM drug_package p, medication m
        WHERE p.package_number = r.package_number
          AND m.citizen_id = r.citizen_id AND m.id = r.medication_id
        """
    )
    op.execute(
        """
        UPDATE prescription r
        SET dispensed_units = LEAST(r.prescribed_units, COALESCE(
            (SELECT sum(d.units) FROM dispensing d
             WHERE d.citizen_id = r.citizen_id AND d.prescription_id = r.id
               AND d.status = 'completed'),
            r.dispensed_iterations * r.units_per_iteration))
        """
    )
    restored = op.get_bind().execute(
        sa.text(
            "UPDATE prescription SET status = 'open', version = version + 1"
            " WHERE status = 'completed' AND dispensed_units < prescribed_units RETURNING id"
        )
    )
    count = len(restored.fetchall())
    if count:
        log.warning(
            "%d prescription(s) completed by partial dispensings are open again: the units"
            " the old model counted as a whole iteration remain dispensable.",
            count,
        )
    for name in ("unit", "units_per_iteration", "prescribed_units", "dispensed_units",
                 "dosage_texts"):  # fmt: skip
        op.alter_column("prescription", name, nullable=False)
    op.drop_constraint(
        op.f("ck_prescription_dispensed_within_iterations"), "prescription", type_="check"
    )
    op.drop_column("prescription", "dispensed_iterations")
    for name, condition in [
        ("interval_range", "iteration_interval IS NULL OR iteration_interval BETWEEN 1 AND 999"),
        ("interval_has_unit", "(iteration_interval IS NULL) = (iteration_interval_unit IS NULL)"),
        (
            "interval_unit",
            "iteration_interval_unit IS NULL OR "
            "iteration_interval_unit IN ('days', 'weeks', 'months')",
        ),
        ("units_per_iteration_positive", "units_per_iteration > 0"),
        ("prescribed_units", "prescribed_units = units_per_iteration * iterations"),
        ("dispensed_within_prescribed", "dispensed_units BETWEEN 0 AND prescribed_units"),
        ("invalid_has_reason", "status <> 'invalid' OR invalid_reason IS NOT NULL"),
    ]:
        op.create_check_constraint(op.f(f"ck_prescription_{name}"), "prescription", condition)
    # Invalid prescriptions from before carried no reason; they get one that says so.
    op.execute(
        "UPDATE prescription SET invalid_reason = 'Made invalid before reasons were recorded.'"
        " WHERE status = 'invalid' AND invalid_reason IS NULL"
    )


def downgrade() -> None:
    op.add_column("prescription", sa.Column("dispensed_iterations", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE prescription SET dispensed_iterations ="
        " CEIL(dispensed_units / units_per_iteration)::integer"
    )
    op.alter_column("prescription", "dispensed_iterations", nullable=False)
    for name in ("interval_range", "interval_has_unit", "interval_unit",
                 "units_per_iteration_positive", "prescribed_units",
                 "dispensed_within_prescribed", "invalid_has_reason"):  # fmt: skip
        op.drop_constraint(op.f(f"ck_prescription_{name}"), "prescription", type_="check")
    op.create_check_constraint(
        op.f("ck_prescription_dispensed_within_iterations"),
        "prescription",
        "dispensed_iterations BETWEEN 0 AND iterations",
    )
    op.execute(
        "UPDATE prescription SET iteration_interval = iteration_interval * CASE"
        " iteration_interval_unit WHEN 'weeks' THEN 7 WHEN 'months' THEN 31 ELSE 1 END"
        " WHERE iteration_interval IS NOT NULL"
    )
    for name in ("iteration_interval_unit", "unit", "units_per_iteration", "prescribed_units",
                 "dispensed_units", "dosage_texts", "indication_code", "indication_text",
                 "supplementary_instructions", "invalid_reason", "iteration_started_at"):  # fmt: skip
        op.drop_column("prescription", name)
    op.alter_column("prescription", "iteration_interval", new_column_name="iteration_interval_days")
    op.create_check_constraint(
        op.f("ck_prescription_interval_range"),
        "prescription",
        "iteration_interval_days IS NULL OR iteration_interval_days BETWEEN 1 AND 999",
    )

    op.drop_index(op.f("ix_dispensing_citizen_id_prescription_id"), table_name="dispensing")
    op.add_column("dispensing", sa.Column("drug_id", sa.String(length=20), nullable=True))
    op.add_column("dispensing", sa.Column("package_number", sa.String(length=6), nullable=True))
    op.add_column("dispensing", sa.Column("package_quantity", sa.Integer(), nullable=True))
    op.add_column("dispensing", sa.Column("substituted", sa.Boolean(), nullable=True))
    op.execute(
        """
        UPDATE dispensing d SET drug_id = l.drug_id, package_number = l.package_number,
               package_quantity = l.package_quantity, substituted = l.substituted
        FROM dispensing_line l
        WHERE l.citizen_id = d.citizen_id AND l.dispensing_id = d.id AND l.line_number = 1
        """
    )
    for column in ("drug_id", "package_number", "package_quantity", "substituted"):
        op.alter_column("dispensing", column, nullable=False)
    op.create_foreign_key(
        op.f("fk_dispensing_drug_id_drug"), "dispensing", "drug", ["drug_id"], ["id"]
    )
    op.create_foreign_key(
        op.f("fk_dispensing_package_number_drug_package"),
        "dispensing",
        "drug_package",
        ["package_number"],
        ["package_number"],
    )
    op.create_check_constraint(
        op.f("ck_dispensing_package_quantity_range"),
        "dispensing",
        "package_quantity BETWEEN 1 AND 9999",
    )
    # Several dispensings of one iteration cannot all stay live under the old unique index.
    op.execute(
        """
        UPDATE dispensing d SET status = 'undone', undone_at = now(),
               undo_reason = 'Part of an iteration; merged by a schema downgrade.'
        WHERE d.status = 'completed' AND NOT d.starts_iteration
        """
    )
    op.create_index(
        "uq_dispensing_one_per_iteration",
        "dispensing",
        ["citizen_id", "prescription_id", "iteration_number"],
        unique=True,
        postgresql_where=sa.text("status = 'completed'"),
    )
    op.drop_constraint(op.f("ck_dispensing_units_positive"), "dispensing", type_="check")
    op.drop_column("dispensing", "units")
    op.drop_column("dispensing", "starts_iteration")
    op.drop_table("dispensing_line")
