"""All ORM models, imported here so Alembic and mappers see the whole schema."""

from medrecord.models.audit_event import AuditEvent, Outcome, Purpose
from medrecord.models.base import Base
from medrecord.models.card import MedicationCard
from medrecord.models.citizen import Citizen
from medrecord.models.dispensing import Dispensing, DispensingLine, DispensingStatus
from medrecord.models.drug import Drug, DrugPackage
from medrecord.models.emergency_review import EmergencyReview
from medrecord.models.idempotency import IdempotencyRecord
from medrecord.models.medication import (
    Medication,
    MedicationStatus,
    MedicationVersion,
    current_status,
    current_status_sql,
)
from medrecord.models.organisation import Organisation, OrganisationKind
from medrecord.models.pharmacy_order import OPEN_ORDER_STATUSES, OrderStatus, PharmacyOrder
from medrecord.models.prescription import IntervalUnit, Prescription, PrescriptionStatus
from medrecord.models.rate_limit_counter import RateLimitCounter
from medrecord.models.treatment_relation import RelationKind, TreatmentRelation
from medrecord.models.web_session import WebSession

__all__ = [
    "OPEN_ORDER_STATUSES",
    "AuditEvent",
    "Base",
    "Citizen",
    "Dispensing",
    "DispensingLine",
    "DispensingStatus",
    "Drug",
    "DrugPackage",
    "EmergencyReview",
    "IdempotencyRecord",
    "IntervalUnit",
    "Medication",
    "MedicationCard",
    "MedicationStatus",
    "MedicationVersion",
    "OrderStatus",
    "Organisation",
    "OrganisationKind",
    "Outcome",
    "PharmacyOrder",
    "Prescription",
    "PrescriptionStatus",
    "Purpose",
    "RateLimitCounter",
    "RelationKind",
    "TreatmentRelation",
    "WebSession",
    "current_status",
    "current_status_sql",
]
