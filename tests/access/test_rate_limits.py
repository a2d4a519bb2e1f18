"""Rate limits: failed authentications per client address, look-ups of unknown CPR numbers per
caller. Over the limit → 429 problem+json with Retry-After; every 401, 404 and 429 of them is
audited, with or without a citizen. The counters live in PostgreSQL (all workers share them)."""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import Engine, create_engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from medrecord import clock
from medrecord.config import Settings
from medrecord.main import create_app
from medrecord.models import AuditEvent, Citizen, Organisation
from tests.support.tokens import Tokens
from tests.support.ui_server import start_server, stop_server

TOO_MANY = "https://medrecord.example/problems/too-many-requests"
BAD_TOKEN = {"Authorization": "Bearer not-a-token"}


def card(cpr: str) -> str:
    return f"/api/v1/citizens/{cpr}/medication-card"


def unknown_cpr(n: int) -> str:
    """A well-formed CPR number nobody is registered with (factories never make 1929 births)."""
    return f"010129{n:04d}"


@pytest.fixture
def client_at(app: FastAPI) -> Iterator[Callable[[str], TestClient]]:
    """Clients of the test's app, each from its own address (``request.client.host``)."""
    opened: list[TestClient] = []

    def make(address: str) -> TestClient:
        client = TestClient(app, raise_server_exceptions=False, client=(address, 50000))
        client.__enter__()
        opened.append(client)
        return client

    yield make
    for client in opened:
        client.__exit__(None, None, None)


def audit_rows(db: Session, **where: Any) -> list[AuditEvent]:
    db.expire_all()
    return list(db.scalars(select(AuditEvent).filter_by(**where).order_by(AuditEvent.occurred_at)))


# --- failed authentications per client address ----------------------------------------------


def test_300_bad_tokens_in_a_burst_get_429_after_the_limit(
    client_at: Callable[[str], TestClient], settings: Settings, db: Session
) -> None:
    client = client_at("203.0.113.7")
    limit = int(settings.failed_authentication_limit.split("/")[0])

    statuses = [client.get(card(unknown_cpr(1)), headers=BAD_TOKEN).status_code for _ in range(300)]

    assert statuses[:limit] == [401] * limit
    assert statuses[limit:] == [429] * (300 - limit)


def test_429_is_a_problem_with_retry_after_until_the_window_frees(
    client_at: Callable[[str], TestClient], settings: Settings
) -> None:
    client = client_at("203.0.113.8")
    limit = int(settings.failed_authentication_limit.split("/")[0])
    start = clock.now()
    clock.freeze(start)
    for _ in range(limit):
        client.get(card(unknown_cpr(1)), headers=BAD_TOKEN)
    clock.freeze(start + timedelta(seconds=20))

    response = client.get(card(unknown_cpr(1)), headers=BAD_TOKEN)

    assert response.status_code == 429
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["retry-after"] == "40"  # the minute began with the first failure
    body = response.json()
    assert body["type"] == TOO_MANY
    assert body["status"] == 429
    assert "request_id" in body


def test_the_window_frees_after_its_time(
    client_at: Callable[[str], TestClient], settings: Settings
) -> None:
    client = client_at("203.0.113.9")
    limit = int(settings.failed_authentication_limit.split("/")[0])
    start = clock.now()
    clock.freeze(start)
    for _ in range(limit):
        client.get(card(unknown_cpr(1)), headers=BAD_TOKEN)
    assert client.get(card(unknown_cpr(1)), headers=BAD_TOKEN).status_code == 429

    clock.freeze(start + timedelta(seconds=60))

    assert client.get(card(unknown_cpr(1)), headers=BAD_TOKEN).status_code == 401


def test_another_address_is_not_limited(
    client_at: Callable[[str], TestClient], settings: Settings
) -> None:
    limit = int(settings.failed_authentication_limit.split("/")[0])
    scanner = client_at("198.51.100.1")
    for _ in range(limit + 1):
        scanner.get(card(unknown_cpr(1)), headers=BAD_TOKEN)

    assert client_at("198.51.100.2").get(card(unknown_cpr(1)), headers=BAD_TOKEN).status_code == 401


def test_a_valid_token_from_a_limited_address_is_served(
    client_at: Callable[[str], TestClient],
    settings: Settings,
    citizen: Citizen,
    doctor: dict[str, str],
) -> None:
    """One misconfigured client behind a pharmacy's NAT address must not lock out the rest."""
    pharmacy_nat = client_at("192.0.2.44")
    limit = int(settings.failed_authentication_limit.split("/")[0])
    for _ in range(limit + 1):
        pharmacy_nat.get(card(citizen.cpr), headers=BAD_TOKEN)
    assert pharmacy_nat.get(card(citizen.cpr), headers=BAD_TOKEN).status_code == 429

    assert pharmacy_nat.get(card(citizen.cpr), headers=doctor).status_code == 200


def test_missing_expired_and_malformed_tokens_all_count(
    client_at: Callable[[str], TestClient], tokens: Tokens, gp: Organisation
) -> None:
    client = client_at("192.0.2.45")
    expired = tokens.headers(role="doctor", org=gp, ttl=timedelta(seconds=-120))
    no_org = tokens.headers(role="doctor")
    kinds: list[dict[str, str]] = [{}, expired, no_org, BAD_TOKEN, {"Authorization": "Basic x"}]

    statuses = [
        client.get(card(unknown_cpr(1)), headers=kinds[i % 5]).status_code for i in range(31)
    ]

    assert statuses == [401] * 30 + [429]


def test_every_failed_authentication_and_429_is_audited_without_a_citizen(
    client_at: Callable[[str], TestClient], settings: Settings, db: Session
) -> None:
    client = client_at("203.0.113.77")
    limit = int(settings.failed_authentication_limit.split("/")[0])
    sent = limit + 5

    request_ids = [f"auth-{i}" for i in range(sent)]
    for request_id in request_ids:
        client.get(card(unknown_cpr(1)), headers={**BAD_TOKEN, "X-Request-ID": request_id})

    # A real server in another test may be committing its own refusals meanwhile: ours are
    # the ones from this address.
    rows = [
        r
        for r in audit_rows(db, action="token.verify")
        if (r.reason or "").startswith("client 203.0.113.77:")
    ]
    assert [r.request_id for r in rows] == request_ids
    assert {(r.actor_subject, r.actor_name, r.actor_role) for r in rows} == {
        ("unauthenticated", "unauthenticated", "unauthenticated")
    }
    assert {(r.citizen_id, r.actor_organisation_id, r.outcome) for r in rows} == {
        (None, None, "denied")
    }
    assert sum("rate limited" in (r.reason or "") for r in rows) == 5


def test_a_401_row_says_why_the_token_was_refused(
    client_at: Callable[[str], TestClient], db: Session
) -> None:
    client_at("203.0.113.78").get(card(unknown_cpr(1)), headers={"X-Request-ID": "why-401"})

    [row] = audit_rows(db, request_id="why-401")
    assert row.reason == "client 203.0.113.78: A bearer token is required."
    assert (row.resource_type, row.purpose) == ("token", "admin")


# --- unknown CPR numbers per caller -------------------------------------------------------------


@pytest.fixture
def prober(tokens: Tokens, gp: Organisation) -> dict[str, str]:
    """One caller (subject and organisation) for a whole test: the same token every time."""
    return tokens.headers(role="doctor", org=gp, sub="prober-1")


def test_unknown_cpr_probes_get_429_after_the_limit(
    client: TestClient, settings: Settings, prober: dict[str, str]
) -> None:
    limit = int(settings.unknown_cpr_limit.split("/")[0])

    statuses = [client.get(card(unknown_cpr(n)), headers=prober).status_code for n in range(100)]

    assert statuses[:limit] == [404] * limit
    assert statuses[limit:] == [429] * (100 - limit)


def test_unknown_cpr_429_carries_retry_after(
    client: TestClient, settings: Settings, prober: dict[str, str]
) -> None:
    limit = int(settings.unknown_cpr_limit.split("/")[0])
    start = clock.now()
    clock.freeze(start)
    for n in range(limit):
        client.get(card(unknown_cpr(n)), headers=prober)
    clock.freeze(start + timedelta(seconds=45))

    response = client.get(card(unknown_cpr(999)), headers=prober)

    assert response.status_code == 429
    assert response.headers["retry-after"] == "15"
    assert response.json()["type"] == TOO_MANY


def test_another_caller_is_not_limited_by_one_callers_probes(
    client: TestClient, settings: Settings, prober: dict[str, str], tokens: Tokens, gp: Organisation
) -> None:
    limit = int(settings.unknown_cpr_limit.split("/")[0])
    for n in range(limit + 1):
        client.get(card(unknown_cpr(n)), headers=prober)
    colleague = tokens.headers(role="doctor", org=gp, sub="colleague")
    same_subject_elsewhere = tokens.headers(role="doctor", org="380101000099001", sub="prober-1")

    assert client.get(card(unknown_cpr(1)), headers=colleague).status_code == 404
    assert client.get(card(unknown_cpr(1)), headers=same_subject_elsewhere).status_code == 404


def test_a_limited_caller_still_reads_registered_citizens(
    client: TestClient, settings: Settings, prober: dict[str, str], citizen: Citizen
) -> None:
    limit = int(settings.unknown_cpr_limit.split("/")[0])
    for n in range(limit + 1):
        client.get(card(unknown_cpr(n)), headers=prober)

    assert client.get(card(citizen.cpr), headers=prober).status_code == 200


def test_the_unknown_cpr_window_frees_after_its_time(
    client: TestClient, settings: Settings, prober: dict[str, str]
) -> None:
    limit = int(settings.unknown_cpr_limit.split("/")[0])
    start = clock.now()  # the token was minted before: it stays valid on the real clock
    clock.freeze(start)
    for n in range(limit + 1):
        client.get(card(unknown_cpr(n)), headers=prober)

    clock.freeze(start + timedelta(minutes=1))

    assert client.get(card(unknown_cpr(1)), headers=prober).status_code == 404


def test_unknown_cpr_look_ups_are_audited_with_the_number_masked(
    client: TestClient, settings: Settings, prober: dict[str, str], db: Session
) -> None:
    limit = int(settings.unknown_cpr_limit.split("/")[0])
    for n in range(limit + 2):
        client.get(card(unknown_cpr(n)), headers={**prober, "X-Request-ID": f"probe-{n}"})

    rows = audit_rows(db, actor_subject="prober-1")
    assert [r.request_id for r in rows] == [f"probe-{n}" for n in range(limit + 2)]
    assert {(r.citizen_id, r.action, r.actor_role) for r in rows} == {
        (None, "medication-card.read", "doctor")
    }
    assert [r.outcome for r in rows] == ["failed"] * limit + ["denied"] * 2
    assert all(r.reason and "010129-xxxx" in r.reason for r in rows)
    assert not any(unknown_cpr(n) in (r.reason or "") for r in rows for n in range(limit + 2))


def test_malformed_cpr_numbers_are_not_look_ups(
    client: TestClient, settings: Settings, prober: dict[str, str]
) -> None:
    limit = int(settings.unknown_cpr_limit.split("/")[0])
    for _ in range(limit + 1):
        assert client.get(card("not-a-cpr"), headers=prober).status_code == 422

    assert client.get(card(unknown_cpr(1)), headers=prober).status_code == 404


# --- a short window, end to end (real time) ------------------------------------------------------


def test_a_three_per_second_limit_frees_after_a_second(
    settings: Settings, engine: Engine, session_factory: sessionmaker[Session]
) -> None:
    app = create_app(
        settings.model_copy(update={"failed_authentication_limit": "3/second"}), engine=engine
    )
    app.state.sessionmaker = session_factory
    with TestClient(app, raise_server_exceptions=False, client=("192.0.2.9", 1)) as client:
        first = [client.get(card(unknown_cpr(1)), headers=BAD_TOKEN) for _ in range(4)]
        retry_after = int(first[-1].headers["retry-after"])
        time.sleep(retry_after + 0.05)
        after = client.get(card(unknown_cpr(1)), headers=BAD_TOKEN)

    assert [r.status_code for r in first] == [401, 401, 401, 429]
    assert retry_after == 1
    assert after.status_code == 401


# --- OpenAPI -----------------------------------------------------------------------------------


def test_every_authenticated_route_documents_429_with_retry_after(tmp_path: Path) -> None:
    spec = create_app(Settings(data_dir=tmp_path)).openapi()
    for path, item in spec["paths"].items():
        if not path.startswith("/api/v1"):
            continue
        for method, operation in item.items():
            documented = operation["responses"].get("429")
            assert documented is not None, (method, path)
            assert "Retry-After" in documented["headers"], (method, path)
            examples = documented["content"]["application/problem+json"]["examples"]
            assert examples["too-many-requests"]["value"]["type"] == TOO_MANY


# --- the limit holds across worker processes ---------------------------------------------------


_REFUSED = re.compile(
    r'^medrecord_http_requests_total\{.*medication-card.*status="(401|429)"\} ([0-9.e+]+)$',
    re.MULTILINE,
)
_STARTED = re.compile(r"^process_start_time_seconds ([0-9.e+]+)$", re.MULTILINE)


def refusals_per_worker(base: str) -> dict[str, Counter[str]]:
    """Each worker's own count of 401s and 429s, from its /metrics (a fresh connection each
    time reaches either worker; a worker is told apart by its start time)."""
    seen: dict[str, Counter[str]] = {}
    for _ in range(60):
        text = httpx.get(base + "/metrics", timeout=30).text
        started = _STARTED.search(text)
        assert started is not None
        seen[started.group(1)] = Counter(
            {status: int(float(n)) for status, n in _REFUSED.findall(text)}
        )
        if len(seen) == 2:
            break
    return seen


def _kill_servers_of(data_dir: Path) -> None:
    """Every process still serving ``data_dir`` (a server that never became ready leaves its
    workers behind when only its supervisor is killed)."""
    for process in psutil.process_iter():
        try:
            if process.environ().get("MEDRECORD_DATA_DIR") == str(data_dir):
                process.kill()
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue


@pytest.mark.slow
def test_the_limit_holds_across_two_worker_processes(
    tmp_path: Path, fresh_database: Callable[[], str]
) -> None:
    database_url = fresh_database()
    try:
        server = start_server(
            tmp_path,
            database_url,
            {"MEDRECORD_FAILED_AUTHENTICATION_LIMIT": "20/minute"},
            workers=2,
        )
    except AssertionError:
        _kill_servers_of(tmp_path)
        raise
    try:
        workers = psutil.Process(server.process.pid).children(recursive=True)
        assert len([w for w in workers if "spawn" in " ".join(w.cmdline())]) >= 2

        def probe(n: int) -> int:
            # A fresh connection each time, so the kernel spreads them over both workers.
            with httpx.Client(base_url=server.base, timeout=30) as http:
                return http.get(
                    card(unknown_cpr(1)), headers={**BAD_TOKEN, "X-Request-ID": f"workers-{n}"}
                ).status_code

        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=8) as pool:
            statuses = Counter(pool.map(probe, range(100)))
        elapsed = time.perf_counter() - started
        with httpx.Client(base_url=server.base, timeout=30) as http:
            elsewhere = http.get(
                card(unknown_cpr(1)), headers={**BAD_TOKEN, "X-Forwarded-For": "192.0.2.200"}
            ).status_code
        per_worker = refusals_per_worker(server.base)
    finally:
        stop_server(server)
        _kill_servers_of(tmp_path)

    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            audited = conn.execute(
                select(func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.request_id.like("workers-%"))
            ).scalar_one()
    finally:
        engine.dispose()
    print(
        f"\ntwo workers, 100 bad tokens from one address in {elapsed:.1f} s: {dict(statuses)}; "
        "per worker: " + "; ".join(str(dict(c)) for c in per_worker.values())
    )
    # 20 in all, not 20 per worker: the window is shared (per-worker windows would let up to
    # 40 through). Which worker took which connection is the kernel's choice, and /metrics
    # shows one worker per scrape, so the per-worker split is printed, not asserted.
    assert statuses == {401: 20, 429: 80}
    assert elsewhere == 401  # uvicorn trusts X-Forwarded-For from 127.0.0.1 (its default)
    assert audited == 100


@pytest.mark.parametrize("field", ["failed_authentication_limit", "unknown_cpr_limit"])
def test_a_limit_the_limiter_cannot_read_stops_the_start(field: str) -> None:
    with pytest.raises(ValidationError, match="not a rate limit"):
        Settings(**{field: "lots"})  # type: ignore[arg-type]
