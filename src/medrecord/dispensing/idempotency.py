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


def _key_of(record: IdempotencyRecord) -> list[object]:
    return [getattr(record, column.key) for column in _KEY]


def claim_key(session: Session, record: IdempotencyRecord) -> DispensingRead | None:
    """Take the key for this dispensing (None), or return the first dispensing's answer; 422
    when the key was used for another request.

    ``ON CONFLICT DO NOTHING`` waits on the unique index for a concurrent holder of the key as
    a plain INSERT does, but ends without an error: no savepoint (two round trips) around an
    insert that may fail, and when the holder rolls back, this request simply goes ahead."""
    connection = session.connection()
    taken = connection.execute(
        pg_insert(_TABLE)
        .values({column.key: getattr(record, column.key) for column in _TABLE.columns})
        .on_conflict_do_nothing(index_elements=list(_KEY))
        .returning(_TABLE.c.key)
    ).first()
    if taken is not None:
        return None
    # A new statement sees what the holder committed (READ COMMITTED).
    first = connection.execute(
        select(_TABLE.c.request_hash, _TABLE.c.response_body).where(
            *(column == value for column, value in zip(_KEY, _key_of(record), strict=True))
        )
    ).first()
    if first is None:  # purged between the two statements: nothing to replay
        raise IdempotencyInDoubt()
    if first.request_hash != record.request_hash:
        raise IdempotencyKeyReused()
    return DispensingRead.model_validate(first.response_body)


def answered(session: Session, record: IdempotencyRecord, *, status: int, body: str) -> None:
    """Store the answer a retry with the key gets: ``body`` is the JSON text the response
    sends, cast by PostgreSQL, so the answer is serialised once."""
    session.connection().execute(
        update(_TABLE)
        .where(*(column == value for column, value in zip(_KEY, _key_of(record), strict=True)))
        .values(
            response_status=status,
            response_body=sql_cast(bindparam("response_json", body, type_=Text), JSONB),
        )
    )
