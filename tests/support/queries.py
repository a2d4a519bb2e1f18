"""Reading back what the application wrote, for assertions."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from medrecord.models import AuditEvent, Citizen, MedicationCard, Prescription


def card_version(db: Session, citizen: Citizen) -> int:
    """The medication card's current version, as stored (not as cached in ``db``)."""
    card = db.get(MedicationCard, citizen.id)
    assert card is not None
    db.refresh(card)
    return card.version


def audit_rows(db: Session, citizen: Citizen) -> list[AuditEvent]:
    """Every audit row about ``citizen``, oldest first."""
    return list(
        db.scalars(
            select(AuditEvent)
            .where(AuditEvent.citizen_id == citizen.id)
            .order_by(AuditEvent.occurred_at)
        )
    )


def dispensed_iterations(prescription: Prescription) -> int:
    """Whole iterations out, from the units the prescription counts."""
    return int(prescription.dispensed_units // prescription.units_per_iteration)
