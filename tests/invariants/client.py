"""One client of the invariant run: sends a request, records it, retries what may be retried.

Every request carries a unique X-Request-ID (the audit row of the request carries it too);
each retry is a request of its own. What may be retried: a request that got 503 (the server
did nothing: the pool or the database is busy), and after no answer at all a read or a
dispensing, with the same Idempotency-Key and body. Any other 5xx is a violation.
"""

from __future__ import annotations

import random
import time
from typing import Any

import httpx

from tests.invariants.ledger import Ledger, Sent
from tests.invariants.world import World

ATTEMPTS = 6
PROBLEM_BASE_SEP = "/problems/"


def problem_slug(response: httpx.Response) -> str | None:
    if response.status_code < 400:
        return None
    try:
        kind = response.json().get("type", "")
    except ValueError:
        return "not-json"
    return str(kind).rsplit(PROBLEM_BASE_SEP, 1)[-1] or None


class Client:
    def __init__(
        self, index: int, seed: int, http: httpx.Client, world: World, ledger: Ledger
    ) -> None:
        self.index = index
        self.rng = random.Random(f"{seed}-{index}")
        self.http = http
        self.world = world
        self.ledger = ledger
        self.count = 0

    def request_id(self) -> str:
        self.count += 1
        return f"{self.ledger.run_tag}-c{self.index:02d}-{self.count:07d}"

    def tag(self) -> str:
        """A short text no other write of the run carries (to find it again in the database)."""
        return f"c{self.index:02d}n{self.count + 1:07d}"

    def call(
        self,
        op: str,
        actor: str,
        method: str,
        path: str,
        *,
        cpr: str | None,
        json: Any = None,
        headers: dict[str, str] | None = None,
        params: dict[str, str] | None = None,
        retry: bool = False,
    ) -> httpx.Response | None:
        """The final answer, or None when none came. ``retry``: the request is safe to repeat
        after no answer (a dispensing with its Idempotency-Key)."""
        for attempt in range(1, ATTEMPTS + 1):
            request_id = self.request_id()
            sent_headers = {"Authorization": self.world.auth(actor), "X-Request-ID": request_id}
            started = time.monotonic()
            try:
                response = self.http.request(
                    method, path, json=json, params=params, headers=sent_headers | (headers or {})
                )
            except httpx.TransportError as exc:
                self.ledger.record(Sent(request_id, op, cpr, None, time.monotonic() - started))
                # The service answers every request, if only with 503 (fail fast, never hang).
                self.ledger.violation(
                    f"{op}: no answer to {method} {path} (request {request_id}): {exc!r}"
                )
                if (retry or method == "GET") and attempt < ATTEMPTS:
                    time.sleep(0.2 * attempt)
                    continue
                return None
            self.ledger.record(
                Sent(
                    request_id,
                    op,
                    cpr,
                    response.status_code,
                    time.monotonic() - started,
                    problem_slug(response),
                )
            )
            if response.status_code == 503 and attempt < ATTEMPTS:
                time.sleep(_retry_after(response))
                continue
            if response.status_code >= 500 and response.status_code != 503:
                self.ledger.violation(
                    f"{op}: {response.status_code} to {method} {path} (request {request_id}):"
                    f" {response.text[:300]}"
                )
            return response
        raise AssertionError("unreachable")


def _retry_after(response: httpx.Response) -> float:
    try:
        return min(max(float(response.headers.get("Retry-After", "1")), 0.1), 2.0)
    except ValueError:
        return 1.0
