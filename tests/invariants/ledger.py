"""What the clients of the invariant run sent and what they were told: every request (with
its X-Request-ID and answer), every acknowledged write with what the client learned, the
writes whose outcome they never learned, and what they found wrong while running."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

# A request refused by request validation (FastAPI, before any use case): nothing was touched.
VALIDATION_TYPE = "validation-error"


@dataclass(frozen=True, slots=True)
class Sent:
    """One HTTP request as sent (each retry is a request of its own)."""

    request_id: str
    op: str
    cpr: str | None  # the citizen the path names, if any
    status: int | None  # None: no answer (transport error)
    seconds: float
    problem: str | None = None  # the problem type's slug of a refusal


@dataclass(frozen=True, slots=True)
class Ack:
    """A write the server acknowledged (2xx), with what the client sent and learned."""

    op: str
    cpr: str
    facts: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Unknown:
    """A write whose outcome the client never learned (no answer, retries exhausted)."""

    op: str
    cpr: str
    target: str | None  # the id of what it wrote to (a medication, prescription ...)


@dataclass
class Ledger:
    run_tag: str
    sent: list[Sent] = field(default_factory=list)
    acks: list[Ack] = field(default_factory=list)
    unknown: list[Unknown] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, sent: Sent) -> None:
        with self._lock:
            self.sent.append(sent)

    def ack(self, op: str, cpr: str, **facts: Any) -> None:
        with self._lock:
            self.acks.append(Ack(op, cpr, facts))

    def lost_track(self, op: str, cpr: str, target: str | None) -> None:
        with self._lock:
            self.unknown.append(Unknown(op, cpr, target))

    def violation(self, text: str) -> None:
        with self._lock:
            self.violations.append(text)

    def acked(self, op: str) -> list[Ack]:
        return [a for a in self.acks if a.op == op]

    def statuses(self) -> Counter[tuple[str, str]]:
        """Requests by operation and answer ("no answer" for transport errors)."""
        return Counter((s.op, str(s.status) if s.status else "no answer") for s in self.sent)

    def problems(self) -> Counter[str]:
        return Counter(f"{s.status} {s.problem}" for s in self.sent if s.problem)
