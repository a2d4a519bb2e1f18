"""Idempotent writes: a retry with the same Idempotency-Key gets the first answer back.

The key is inserted first, in the write's own transaction: a concurrent retry waits on the
unique index until the first commits (then replays it) or rolls back (then goes ahead).
Only successful answers are stored, so a refused write is judged afresh on retry. Keys are
scoped per citizen and caller; one key names one request, whatever the route."""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from medrecord.models import IdempotencyRecord
from medrecord.problems import IdempotencyInDoubt, IdempotencyKeyReused, InvalidIdempotencyKey

# Keys are kept at least 24 h (SPEC §4); a purge of older ones may run after this.
IDEMPOTENCY_TTL = timedelta(hours=48)
KEY_PATTERN = r"^[\x21-\x7e]{1,200}$"
_KEY = re.compile(KEY_PATTERN)


def valid_key(idempotency_key: str) -> str:
    """The key as sent; 400 when it is not 1 to 200 visible ASCII characters."""
    if not _KEY.match(idempotency_key):
        raise InvalidIdempotencyKey()
    return idempotency_key


def fingerprint(request: dict[str, Any]) -> str:
    """A digest of what makes two requests the same request (route, target, body)."""
    canonical = json.dumps(request, sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


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


def claim_key(session: Session, record: IdempotencyRecord) -> dict[str, Any] | None:
    """Take the idempotency key for this request (None), or return the body the first
    request with it answered. 422 when the key was used for another request; 409 "retry"
    when the first rolled back while we waited."""
    if _insert(session, record):
        return None
    first = session.get(
        IdempotencyRecord,
        (record.citizen_id, record.caller_subject, record.key),
        populate_existing=True,  # another transaction may just have committed it
    )
    if first is None:  # the other request rolled back after all: nothing to replay
        raise IdempotencyInDoubt()
    if first.request_hash != record.request_hash:
        raise IdempotencyKeyReused()
    return first.response_body


def begin(
    session: Session,
    *,
    citizen_id: uuid.UUID,
    subject: str,
    key: str | None,
    request: dict[str, Any],
    now: datetime,
) -> tuple[IdempotencyRecord | None, dict[str, Any] | None]:
    """For a write where the key is optional: (the record to store the answer in, or None
    without a key; the first answer to replay, or None when this request goes ahead)."""
    if key is None:
        return None, None
    record = new_record(
        citizen_id=citizen_id,
        subject=subject,
        key=valid_key(key),
        fingerprint=fingerprint(request),
        now=now,
    )
    return record, claim_key(session, record)


def answered(record: IdempotencyRecord | None, status: int, body: dict[str, Any]) -> None:
    """Store the answer a retry with the key will get (nothing without a key)."""
    if record is not None:
        record.response_status = status
        record.response_body = body


def _insert(session: Session, record: IdempotencyRecord) -> bool:
    """Insert the key in a savepoint; False when the key exists (the unique index waits for a
    concurrent holder to commit or roll back first)."""
    try:
        with session.begin_nested():
            session.add(record)
            session.flush()
    except IntegrityError:
        return False
    return True
