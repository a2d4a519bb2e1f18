"""add rate limit counter

The fixed windows of the rate limits (failed authentications per client address, look-ups of
unknown CPR numbers per caller), shared by every worker process. UNLOGGED: counters skip the
WAL and are emptied after a crash, which only forgives the windows then running.

Revision ID: f5e05a6e0050
Revises: e4e05a6e0043
Create Date: 2026-11-22 00:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "f5e05a6e0050"
down_revision: str | None = "e4e05a6e0043"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rate_limit_counter",
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_rate_limit_counter")),
        prefixes=["UNLOGGED"],
    )
    op.create_index(
        "ix_rate_limit_counter_expires_at", "rate_limit_counter", ["expires_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_rate_limit_counter_expires_at", table_name="rate_limit_counter")
    op.drop_table("rate_limit_counter")
