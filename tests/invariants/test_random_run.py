"""A randomised invariant run (issue 11, point 8): 32 clients create, replace, pause, resume,
withdraw and mark medications, review cards, prescribe, claim, dispense (whole, partial,
multi-line, substituted; replayed keys), undo, cancel and read, on a small pool of citizens so
that they collide, through a real ``medrecord serve --workers 2``, for 2 minutes (20 under
``--soak``).

Afterwards, with SQL on the database: dispensed <= prescribed and remaining = prescribed -
dispensed + undone per prescription; every acknowledged write present with what was sent and
nothing unacknowledged; medication, prescription and card versions without gaps; one audit
row per request that named a citizen. See docs/reliability.md, "Randomised invariant run".

MEDRECORD_INVARIANT_SEED=<seed> replays a run's choices (the interleaving differs);
MEDRECORD_INVARIANT_SECONDS sets the duration.
"""

from __future__ import annotations

import os
import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import Engine, create_engine

from tests.invariants import checks, planted, server
from tests.invariants.ledger import Ledger
from tests.invariants.run import RunSettings, build_world, run, seed_from

pytestmark = pytest.mark.slow

CI_SECONDS, SOAK_SECONDS = 120, 20 * 60
SERVER_ENV = {
    # Rate limits far above what 32 honest clients reach: this run is about invariants.
    "MEDRECORD_FAILED_AUTHENTICATION_LIMIT": "100000/minute",
    "MEDRECORD_UNKNOWN_CPR_LIMIT": "100000/minute",
}


@dataclass
class FinishedRun:
    seed: int
    seconds: float
    ledger: Ledger
    citizen_ids: dict[str, str]  # CPR -> citizen id
    engine: Engine  # the run's database, as its owner
    server_log: str


@pytest.fixture
def finished_run(
    tmp_path_factory: pytest.TempPathFactory, fresh_database: Callable[[], str], soak: bool
) -> Iterator[FinishedRun]:
    seed = seed_from(os.environ.get("MEDRECORD_INVARIANT_SEED"))
    seconds = float(
        os.environ.get("MEDRECORD_INVARIANT_SECONDS") or (SOAK_SECONDS if soak else CI_SECONDS)
    )
    print(
        f"\ninvariant run: seed {seed} (replay: MEDRECORD_INVARIANT_SEED={seed}), {seconds:.0f} s"
    )
    database_url = fresh_database()
    data_dir = tmp_path_factory.mktemp("invariants") / "data"
    live = server.start(data_dir, database_url, workers=2, extra_env=SERVER_ENV)
    try:
        world = build_world(live)
        ledger = Ledger(run_tag=f"inv{seed}")
        settings = RunSettings(seed=seed, seconds=seconds, rotate_every=30 if soak else 20)
        elapsed = run(live, world, ledger, settings)
        if live.process.poll() is not None:
            ledger.violation(f"medrecord serve exited during the run ({live.process.returncode})")
    finally:
        server.stop(live)
    engine = create_engine(database_url)
    try:
        yield FinishedRun(
            seed, elapsed, ledger, {c.cpr: c.id for c in world.every_citizen()}, engine,
            live.log_text(),
        )  # fmt: skip
    finally:
        engine.dispose()


def test_random_operations_keep_every_invariant(finished_run: FinishedRun) -> None:
    r = finished_run
    with r.engine.connect() as conn:
        found = checks.all_violations(conn, r.ledger, r.citizen_ids)
    print(figures(r, found))
    # A check that cannot fail proves nothing: the same checks with one defect of each kind
    # planted (in a transaction rolled back) must report each. One test, so that the run is
    # made once even when tests are spread over workers.
    with r.engine.connect() as conn, conn.begin() as tx:
        plants = planted.plant(conn, r.ledger, list(r.citizen_ids.values()))
        found_planted = checks.all_violations(conn, r.ledger, r.citizen_ids)
        tx.rollback()
    missed = {kind: what for kind, what in plants.items() if not found_planted[kind]}
    violations = [f"[{kind}] {v}" for kind, vs in found.items() for v in vs]
    errors = [line for line in r.server_log.splitlines() if '"level": "error"' in line]
    assert not missed, f"checks that missed their planted defect: {missed}"
    assert not violations, (
        f"{len(violations)} invariant violations (seed {r.seed}); the first ones:\n  "
        + "\n  ".join(violations[:15])
        + ("\nserver errors:\n  " + "\n  ".join(errors[:5]) if errors else "")
    )


def figures(r: FinishedRun, found: dict[str, list[str]]) -> str:
    ledger = r.ledger
    by_op: dict[str, Counter[str]] = defaultdict(Counter)
    for (op, status), n in ledger.statuses().items():
        by_op[op][status] += n
    seconds: dict[str, list[float]] = defaultdict(list)
    for s in ledger.sent:
        seconds[s.op].append(s.seconds)
    lines = [
        f"{len(ledger.sent)} requests in {r.seconds:.0f} s = {len(ledger.sent) / r.seconds:.0f}/s,"
        f" {len(r.citizen_ids)} citizens, {len(ledger.acks)} acknowledged writes,"
        f" {len(ledger.unknown)} without an answer",
        f"{'operation':<26}{'requests':>9}{'p50 ms':>8}{'p99 ms':>8}  statuses",
    ]
    for op in sorted(by_op):
        times = sorted(seconds[op])
        p50 = statistics.median(times) * 1000
        p99 = times[min(len(times) - 1, int(len(times) * 0.99))] * 1000
        statuses = ", ".join(f"{k}: {v}" for k, v in sorted(by_op[op].items()))
        lines.append(f"{op:<26}{sum(by_op[op].values()):>9}{p50:>8.0f}{p99:>8.0f}  {statuses}")
    refusals = ", ".join(f"{k} x{v}" for k, v in ledger.problems().most_common())
    lines.append(f"refusals: {refusals}")
    lines.append(
        "violations: "
        + ", ".join(f"{kind} {len(v)}" for kind, v in found.items())
        + f" (total {sum(len(v) for v in found.values())})"
    )
    return "\n".join(lines)
