"""How the UI writes dates and times: Danish order, Copenhagen time."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from medrecord import clock

EXPIRY_WARNING_DAYS = 30


def danish_date(value: date | None) -> str:
    return "" if value is None else value.strftime("%d-%m-%Y")


def danish_datetime(value: datetime | None) -> str:
    if value is None:
        return ""
    return value.astimezone(clock.COPENHAGEN).strftime("%d-%m-%Y %H:%M")


def days_until(value: date) -> int:
    return (value - clock.today()).days


def number(value: Decimal | float | int) -> str:
    """An amount without trailing zeros: 100, 2.5."""
    return f"{Decimal(str(value)).normalize():f}"
