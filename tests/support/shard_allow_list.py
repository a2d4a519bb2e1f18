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


ALLOW_LIST: tuple[AllowedSpan, ...] = ()


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
