"""The one place that reads the clock, so tests can freeze time."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

COPENHAGEN = ZoneInfo("Europe/Copenhagen")

_frozen: datetime | None = None


def now() -> datetime:
    """Current time, timezone-aware UTC."""
    return _frozen if _frozen is not None else datetime.now(UTC)


def local_date(moment: datetime) -> date:
    """The calendar day of ``moment`` in Copenhagen (where intervals and validity count)."""
    return moment.astimezone(COPENHAGEN).date()


def today() -> date:
    """Today's date as a Danish clinician sees it (Europe/Copenhagen)."""
    return local_date(now())


def freeze(at: datetime | None) -> None:
    """Freeze the clock at ``at`` (None unfreezes). Tests only."""
    global _frozen
    if at is not None and at.tzinfo is None:
        raise ValueError("freeze() needs a timezone-aware datetime")
    _frozen = at
