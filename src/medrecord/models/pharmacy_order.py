from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, ForeignKeyConstraint, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from medrecord.models.base import Base, created_at_column, new_id, one_of


class OrderStatus(StrEnum):
    ordered = "ordered"
    dispensing = "dispensing"
    done = "done"
    cancelled = "cancelled"


OPEN_ORDER_STATUSES = (OrderStatus.ordered, OrderStatus.dispensing)


class PharmacyOrder(Base):
    """A pharmacy's claim on a prescription (bestilling). At most one open order each."""

    __tablename__ = "pharmacy_order"
    __table_args__ = (
        ForeignKeyConstraint(
            ["citizen_id", "prescription_id"], ["prescription.citizen_id", "prescription.id"]
        ),
        CheckConstraint(one_of("status", tuple(OrderStatus)), name="status"),
        # The database, not only the code, guarantees one open claim per prescription.
        Index(
            "uq_pharmacy_order_one_open_per_prescription",
            "citizen_id",
            "prescription_id",
            unique=True,
            postgresql_where=text("status IN ('ordered', 'dispensing')"),
        ),
    )

    citizen_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("citizen.id"), primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    prescription_id: Mapped[uuid.UUID]
    pharmacy_id: Mapped[str] = mapped_column(ForeignKey("organisation.id"))
    status: Mapped[str] = mapped_column(String(12), default=OrderStatus.ordered)
    ordered_by: Mapped[dict[str, Any]]
    cancellation_reason: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = created_at_column()
    modified_at: Mapped[datetime] = created_at_column()
