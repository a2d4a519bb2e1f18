"""CPR numbers (DDMMYY-NNNN): parsing, validation and masking. Pure functions."""

from __future__ import annotations

import re
from datetime import date

from medrecord.problems import InvalidCpr

# SPEC §2: DDMMYY-NNNN, DDMMYYNNNN or DDMMYY NNNN, nothing else: no other spaces around or
# between (no-break, ideographic, tab), no trailing newline (fullmatch, not $), ASCII digits.
_CPR_INPUT = re.compile(r"([0-9]{6})[- ]?([0-9]{4})", re.ASCII)
# Anything that looks like a CPR number inside free text (logs, messages).
_CPR_IN_TEXT = re.compile(r"(?<![0-9])([0-9]{6})-?([0-9]{4})(?![0-9])")


def normalise_cpr(raw: str) -> str:
    """Return the 10-digit form of a CPR number, or raise InvalidCpr."""
    match = _CPR_INPUT.fullmatch(raw)
    if not match:
        raise InvalidCpr()
    cpr = match.group(1) + match.group(2)
    birth_date_of(cpr)
    return cpr


def birth_date_of(cpr: str) -> date:
    """The birth date encoded in a CPR number (century from the 7th digit, as CPR does)."""
    day, month, yy, seventh = int(cpr[0:2]), int(cpr[2:4]), int(cpr[4:6]), int(cpr[6])
    if seventh <= 3:
        century = 1900
    elif seventh in (4, 9):
        century = 2000 if yy <= 36 else 1900
    else:  # 5-8
        century = 2000 if yy <= 57 else 1800
    try:
        return date(century + yy, month, day)
    except ValueError as exc:
        raise InvalidCpr("The CPR number's first six digits are not a valid date.") from exc


def mask_cpr(cpr: str) -> str:
    return f"{cpr[:6]}-xxxx"


def mask_cprs_in(text: str) -> str:
    """Mask every CPR-like number in ``text`` (for logs)."""
    return _CPR_IN_TEXT.sub(lambda m: f"{m.group(1)}-xxxx", text)
