"""Idempotent dispensing: the key is required, so a retry can never dispense twice (the
mechanism is medrecord.idempotency's, shared with other keyed writes)."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from medrecord import idempotency
from medrecord.dispensing.schemas import DispensingCreate, DispensingRead
from medrecord.models import IdempotencyRecord
from medrecord.problems import IdempotencyKeyRequired

new_record = idempotency.new_record


def checked_key(idempotency_key: str | None) -> str:
    if not idempotency_key:
        raise IdempotencyKeyRequired(
            "Send an Idempotency-Key header (a fresh UUID per dispensing) so a retry can never "
            "dispense twice."
        )
    return idempotency.valid_key(idempotency_key)


def fingerprint(prescription_id: uuid.UUID, command: DispensingCreate) -> str:
    # The shape stored fingerprints were made with: a retry across an upgrade still matches.
    return idempotency.fingerprint(
        {"prescription_id": str(prescription_id), "body": command.model_dump(mode="json")}
    )


def claim_key(session: Session, record: IdempotencyRecord) -> DispensingRead | None:
    """Take the key for this dispensing, or return the first dispensing's answer."""
    first = idempotency.claim_key(session, record)
    return None if first is None else DispensingRead.model_validate(first)
