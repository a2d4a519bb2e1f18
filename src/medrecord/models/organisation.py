from __future__ import annotations

from enum import StrEnum

from sqlalchemy import CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from medrecord.models.base import Base, one_of


class OrganisationKind(StrEnum):
    gp_practice = "gp_practice"
    hospital = "hospital"
    pharmacy = "pharmacy"
    municipality = "municipality"


class Organisation(Base):
    """A health-care organisation, identified by its SOR-style code. Reference data."""

    __tablename__ = "organisation"
    __table_args__ = (CheckConstraint(one_of("kind", tuple(OrganisationKind)), name="kind"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
