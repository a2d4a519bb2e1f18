"""Idempotent dispensing: the key is required, so a retry can never dispense twice (the
mechanism is medrecord.idempotency's, shared with other keyed writes; the statements here are
its hot-path form, issue 12)."""

from __future__ import annotations

import uuid
from typing import cast

from sqlalchemy import Table, Text, bindparam, select, update
from sqlalchemy import cast as sql_cast
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from medrecord import idempotency
from medrecord.dispensing.schemas import DispensingCreate, DispensingRead
from medrecord.models import IdempotencyRecord
from medrecord.problems import IdempotencyInDoubt, IdempotencyKeyRequired, IdempotencyKeyReused

new_record = idempotency.new_record

_TABLE = cast(Table, IdempotencyRecord.__table__)
_KEY = tuple(_TABLE.primary_key.columns)
# The statements are built once, with bind parameters (issue 12: the hot write).
_BY_KEY = [column == bindparam(f"key_{column.key}") for column in _KEY]
_TAKE = pg_insert(_TABLE).on_conflict_do_nothing(index_elements=list(_KEY)).returning(_TABLE.c.key)
_FIRST = select(_TABLE.c.request_hash, _TABLE.c.response_body).where(*_BY_KEY)
_ANSWER = (
    update(_TABLE)
    .where(*_BY_KEY)
    .values(
        response_status=bindparam("status"),
        # The JSON text the response sends, cast by PostgreSQL: the answer serialised once.
        response_body=sql_cast(bindparam("body", type_=Text), JSONB),
    )
)


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


def _key_of(record: IdempotencyRecord) -> dict[str, object]:
    return {f"key_{column.key}": getattr(record, column.key) for column in _KEY}


def claim_key(session: Session, record: IdempotencyRecord) -> DispensingRead | None:
    """Take the key for this dispensing (None), or return the first dispensing's answer; 422
    when the key was used for another request.

    ``ON CONFLICT DO NOTHING`` waits on the unique index for a concurrent holder of the key as
    a plain INSERT does, but ends without an error: no savepoint (two round trips) around an
    insert that may fail, and when the holder rolls back, this request simply goes ahead."""
    connection = session.connection()
    taken = connection.execute(
        _TAKE, {column.key: getattr(record, column.key) for column in _TABLE.columns}
    ).first()
    if taken is not None:
        return None
    # A new statement sees what the holder committed (READ COMMITTED).
    first = connection.execute(_FIRST, _key_of(record)).first()
    if first is None:  # purged between the two statements: nothing to replay
        raise IdempotencyInDoubt()
    if first.request_hash != record.request_hash:
        raise IdempotencyKeyReused()
    return DispensingRead.model_validate(first.response_body)


def answered(session: Session, record: IdempotencyRecord, *, status: int, body: str) -> None:
    """Store the answer a retry with the key gets: ``body`` is the JSON text the response
    sends."""
    session.connection().execute(_ANSWER, {**_key_of(record), "status": status, "body": body})
