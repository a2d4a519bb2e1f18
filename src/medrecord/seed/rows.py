"""The shapes the seeder writes in: each table's COPY columns, a batch of COPY text, the world
every batch shares (the day, the organisations, caches of text), and ids."""

from __future__ import annotations

import io
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from itertools import accumulate

from medrecord.clock import COPENHAGEN
from medrecord.seed.organisations import Organisation
from medrecord.seed.treatments import TREATMENTS, Treatment

N = "\\N"  # NULL in COPY text
# Table -> columns, in COPY order (the batch writes its lines in this order).
COLUMNS: dict[str, tuple[str, ...]] = {
    "citizen": ("id", "cpr", "name", "birth_date", "gp_practice_id", "created_at"),
    "medication_card": ("citizen_id", "version", "reviewed_at", "reviewed_by"),
    "medication": (
        "citizen_id", "id", "drug_id", "indication_code", "indication_text", "route", "dosage",
        "dosage_derived", "dosage_text", "substitution_allowed", "start_date",
        "started_previously", "end_date", "status", "paused_from", "paused_to",
        "withdrawal_reason", "withdrawn_at", "private", "private_organisation_id", "version",
        "created_by", "modified_by", "created_at", "modified_at",
    ),
    "medication_version": (
        "citizen_id", "medication_id", "version", "change", "state", "changed_by", "changed_at",
    ),
    "prescription": (
        "citizen_id", "id", "medication_id", "medication_version", "drug_id", "package_number",
        "package_quantity", "iterations", "iteration_interval", "iteration_interval_unit",
        "unit", "units_per_iteration", "prescribed_units", "dispensed_units", "dosage_texts",
        "indication_code", "indication_text", "valid_from", "valid_to",
        "substitution_allowed", "status", "cancellation_reason", "last_dispensed_at",
        "iteration_started_at", "prescriber", "version", "created_at", "modified_at",
    ),
    "pharmacy_order": (
        "citizen_id", "id", "prescription_id", "pharmacy_id", "status", "ordered_by",
        "created_at", "modified_at",
    ),
    "dispensing": (
        "citizen_id", "id", "prescription_id", "iteration_number", "starts_iteration",
        "pharmacy_id", "pharmacist", "units", "dispensed_at", "status", "undone_at",
        "undo_reason",
    ),
    "dispensing_line": (
        "citizen_id", "dispensing_id", "line_number", "drug_id", "package_number",
        "package_quantity", "units", "substituted",
    ),
    "treatment_relation": (
        "citizen_id", "id", "organisation_id", "kind", "valid_from", "valid_to", "declared_by",
        "created_at",
    ),
    "audit_event": (
        "id", "occurred_at", "actor_subject", "actor_name", "actor_role",
        "actor_organisation_id", "citizen_id", "action", "resource_type", "resource_id",
        "purpose", "reason", "outcome", "request_id",
    ),
    "emergency_review": ("audit_event_id", "reviewed_at", "reviewed_by", "conclusion"),
}  # fmt: skip
HISTORY_DAYS = 730  # dispensings and the access log go back two years


@dataclass
class World:
    """What every batch shares: the day, the organisations, and caches of COPY text."""

    today: date
    gps: Sequence[Organisation]
    pharmacies: Sequence[Organisation]
    hospitals: Sequence[Organisation]
    _at: dict[date, str] = field(default_factory=dict)
    _staff: dict[tuple[str, str, int], str] = field(default_factory=dict)
    _candidates: dict[tuple[int, str], tuple[list[Treatment], list[float]]] = field(
        default_factory=dict
    )

    def at(self, day: date) -> str:
        """09:30 in Copenhagen on ``day``: when a day's work is recorded."""
        found = self._at.get(day)
        if found is None:
            found = datetime.combine(day, time(9, 30), tzinfo=COPENHAGEN).isoformat()
            self._at[day] = found
        return found

    def later(self, day: date) -> str:
        """14:00 in Copenhagen on ``day``: a correction of that morning's work."""
        return datetime.combine(day, time(14), tzinfo=COPENHAGEN).isoformat()

    def staff(self, org: Organisation, role: str, n: int = 1) -> str:
        """COPY text of staff member ``n``'s snapshot (``Organisation.staff``), cached."""
        key = (org.id, role, n)
        found = self._staff.get(key)
        if found is None:
            found = self._staff[key] = org.staff(role, n)
        return found

    def candidates(self, age: int, sex: str) -> tuple[list[Treatment], list[float]]:
        key = (min(age, 110), sex)
        found = self._candidates.get(key)
        if found is None:
            fitting = [t for t in TREATMENTS if t.fits(age, sex)]
            found = (fitting, list(accumulate(t.weight for t in fitting)))
            self._candidates[key] = found
        return found


_VERSION_4 = (~(0xF << 76) & ~(0x3 << 62), (0x4 << 76) | (0x2 << 62))  # keep, set


def random_uuid(rng: random.Random) -> str:
    return _format_uuid(rng.getrandbits(128))


def ordered_uuid(rng: random.Random, number: int) -> str:
    """A version-4 UUID whose first 48 bits count citizens: the primary keys that lead with
    it grow at their right edge, as a bulk load wants; the other 74 bits stay random."""
    return _format_uuid((number << 80) | rng.getrandbits(80))


def _format_uuid(bits: int) -> str:
    """``str(uuid.UUID(int=bits, version=4))`` in a fifth of the time (14 per citizen)."""
    h = f"{(bits & _VERSION_4[0]) | _VERSION_4[1]:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def money(value: Decimal) -> str:
    return f"{value:.2f}"


@dataclass
class Batch:
    """COPY text per table, and how many rows each holds."""

    text: dict[str, io.StringIO] = field(
        default_factory=lambda: {t: io.StringIO() for t in COLUMNS}
    )
    rows: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COLUMNS, 0))
    citizens: int = 0

    def add(self, table: str, *values: str) -> None:
        self.text[table].write("\t".join(values) + "\n")
        self.rows[table] += 1
