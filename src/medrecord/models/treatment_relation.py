from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from medrecord.models.base import Base, created_at_column, new_id, one_of


class RelationKind(StrEnum):
    listed_gp = "listed_gp"
    admitted = "admitted"
    outpatient = "outpatient"
    home_care = "home_care"


class TreatmentRelation(Base):
    """A declared relation between a citizen and an organisation treating them."""

    __tablename__ = "treatment_relation"
    __table_args__ = (
        CheckConstraint(one_of("kind", tuple(RelationKind)), name="kind"),
        CheckConstraint("valid_to IS NULL OR valid_to > valid_from", name="valid_ordered"),
        Index("ix_treatment_relation_citizen_id_organisation_id", "citizen_id", "organisation_id"),
    )

    citizen_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("citizen.id"), primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisation.id"))
    kind: Mapped[str] = mapped_column(String(20))
    valid_from: Mapped[datetime]
    valid_to: Mapped[datetime | None]
    declared_by: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = created_at_column()
