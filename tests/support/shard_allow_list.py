"""The application's statements that read or write citizen-owned tables across citizens, on
purpose: each with why it may, and what it becomes when the tables are distributed by
``citizen_id`` (docs/sharding.md). Keep it short: a request on the hot path does not belong here.

An entry names the function that sends the statement (its ``origin``, as the recorder sees it:
the innermost frame of the medrecord package) and the tables it may leave unpinned."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AllowedSpan:
    origin: str  # "module:qualified function name"; a trailing "*" matches a prefix
    tables: frozenset[str]  # the citizen-owned tables it may read without a citizen
    reason: str  # why it spans citizens
    under_citus: str  # what it becomes with the tables distributed


ALLOW_LIST: tuple[AllowedSpan, ...] = (
    AllowedSpan(
        "medrecord.audit.repository:add_event",
        frozenset({"audit_event"}),
        reason="an audit row that names no citizen (an unknown CPR, a drug search, an "
        "admin's action): the INSERT leaves citizen_id out because there is none",
        under_citus="such rows go to a table of their own that is not distributed (or is "
        "distributed by actor); add_event already knows which kind it writes",
    ),
    AllowedSpan(
        "medrecord.audit.repository:emergency_accesses",
        frozenset({"audit_event"}),
        reason="the admins' review queue: every citizen's emergency accesses, by date",
        under_citus="a fan-out to every shard, each answering from its partial index on "
        "purpose = 'emergency' (tens of rows a day); admin-only, a few calls a day",
    ),
    AllowedSpan(
        "medrecord.audit.repository:emergency_access",
        frozenset({"audit_event"}),
        reason="an admin opens one emergency access by its id (POST /admin/emergency-"
        "accesses/{id}/review names no citizen)",
        under_citus="a fan-out primary-key look-up on every shard; admin-only and rare. "
        "Routable if the review queue hands out (citizen_id, id) instead of id",
    ),
    AllowedSpan(
        "medrecord.dispensing.repository:pharmacy_dispensings_since",
        frozenset({"dispensing", "prescription"}),
        reason="a pharmacy's own dispensings today (GET /pharmacy/dispensings/today and the "
        "web UI's list): by pharmacy, across its customers",
        under_citus="a fan-out to every shard on an index (pharmacy_id, dispensed_at); "
        "at pharmacy-counter rates it wants a co-located index table "
        "dispensing_by_pharmacy(pharmacy_id, dispensed_at, citizen_id, id) distributed by "
        "pharmacy_id, then a router query per citizen",
    ),
    AllowedSpan(
        "medrecord.dispensing.repository:purge_expired_idempotency_records",
        frozenset({"idempotency_record"}),
        reason="the daily batch (medrecord purge-expired) that forgets keys past their 48 h",
        under_citus="one DELETE run on every shard in parallel: a batch, once a day",
    ),
)


def allowed_span(origin: str, unpinned: set[str]) -> AllowedSpan | None:
    """The entry that allows ``origin`` to leave these tables unpinned, if any."""
    for span in ALLOW_LIST:
        matches = (
            origin.startswith(span.origin[:-1])
            if span.origin.endswith("*")
            else origin == span.origin
        )
        if matches and unpinned <= span.tables:
            return span
    return None
