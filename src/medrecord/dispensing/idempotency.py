"""Idempotent dispensing: a retry with the same Idempotency-Key gets the first answer back.

The key is inserted first, in the dispensing's own transaction: a concurrent retry waits on
the unique index until the first commits (then replays it) or rolls back (then goes ahead).
Only successful answers are stored, so a refused dispensing is judged afresh on retry."""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from medrecord.dispensing import repository
from medrecord.dispensing.schemas import DispensingCreate, DispensingRead
from medrecord.models import IdempotencyRecord
from medrecord.problems import (
    IdempotencyInDoubt,
    IdempotencyKeyRequired,
    IdempotencyKeyReused,
    InvalidIdempotencyKey,
)

# Keys are kept at least 24 h (SPEC §4); a purge of older ones may run after this.
IDEMPOTENCY_TTL = timedelta(hours=48)
_KEY = re.compile(r"^[\x21-\x7e]{1,200}$")


def checked_key(idempotency_key: str | None) -> str:
    if not idempotency_key:
        raise IdempotencyKeyRequired(
            "Send an Idempotency-Key header (a fresh UUID per dispensing) so a retry can never "
            "dispense twice."
        )
    if not _KEY.match(idempotency_key):
        raise InvalidIdempotencyKey()
    return idempotency_key


def new_record(
    *, citizen_id: uuid.UUID, subject: str, key: str, fingerprint: str, now: datetime
) -> IdempotencyRecord:
    return IdempotencyRecord(
        citizen_id=citizen_id,
        caller_subject=subject,
        key=key,
        request_hash=fingerprint,
        response_status=0,
        response_body={},
        response_headers={},
        created_at=now,
        expires_at=now + IDEMPOTENCY_TTL,
    )


def fingerprint(prescription_id: uuid.UUID, command: DispensingCreate) -> str:
    canonical = json.dumps(
        {"prescription_id": str(prescription_id), "body": command.model_dump(mode="json")},
        sort_keys=True,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def claim_key(session: Session, record: IdempotencyRecord) -> DispensingRead | None:
    """Take the idempotency key for this request, or return the first request's answer.

    The insert of the key is the lock: a concurrent request with the same key waits on the
    unique index until the first commits (then replays it) or rolls back (then goes ahead).
    """
    if repository.insert_idempotency_record(session, record):
        return None
    first = repository.get_idempotency_record(
        session, record.citizen_id, record.caller_subject, record.key
    )
    if first is None:  # the other request rolled back after all: nothing to replay
        raise IdempotencyInDoubt()
    if first.request_hash != record.request_hash:
        raise IdempotencyKeyReused()
    return DispensingRead.model_validate(first.response_body)
