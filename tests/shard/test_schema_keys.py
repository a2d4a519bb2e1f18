"""The schema is ready to be distributed by citizen: which tables are citizen-owned (derived from
the model), and their keys contain citizen_id, as Citus requires of a distributed table."""

from __future__ import annotations

from sqlalchemy import ForeignKeyConstraint, PrimaryKeyConstraint, UniqueConstraint

from medrecord.models import Base
from tests.support.shard_keys import citizen_owned_tables, reference_tables


def test_citizen_owned_tables_are_those_with_a_citizen_id_column() -> None:
    owned = citizen_owned_tables()
    assert {"medication", "prescription", "dispensing", "dispensing_line", "audit_event"} <= owned
    assert {"citizen", "drug", "drug_package", "organisation", "rate_limit_counter"}.isdisjoint(
        owned
    )
    assert owned | reference_tables() == set(Base.metadata.tables)


# Under Citus a unique constraint of a distributed table must contain its distribution column,
# and co-located foreign keys must join on it. audit_event's id-only primary key (and
# emergency_review's key to it) are the known exception: docs/sharding.md, "audit_event".
KNOWN_UNIQUE_WITHOUT_SHARD_KEY = {("audit_event", "pk_audit_event")}


def test_every_key_of_a_citizen_owned_table_contains_citizen_id() -> None:
    owned = citizen_owned_tables()
    missing = {
        (table.name, str(constraint.name))
        for table in Base.metadata.tables.values()
        if table.name in owned
        for constraint in table.constraints
        if isinstance(constraint, UniqueConstraint | PrimaryKeyConstraint)
        and "citizen_id" not in constraint.columns
    }
    missing |= {
        (table.name, str(index.name))
        for table in Base.metadata.tables.values()
        if table.name in owned
        for index in table.indexes
        if index.unique and "citizen_id" not in index.columns
    }
    assert missing == KNOWN_UNIQUE_WITHOUT_SHARD_KEY


def test_foreign_keys_between_citizen_owned_tables_join_on_citizen_id() -> None:
    owned = citizen_owned_tables()
    missing = [
        (table.name, str(fk.name))
        for table in Base.metadata.tables.values()
        if table.name in owned
        for fk in table.constraints
        if isinstance(fk, ForeignKeyConstraint)
        and fk.referred_table.name in owned
        and "citizen_id" not in fk.columns
    ]
    assert missing == []
