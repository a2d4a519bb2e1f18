"""The benchmark runs end to end on the demo population: every scenario produces requests and
no errors. Figures are printed, never asserted (no timed assertions in the suite)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.serve_process import clean_env

REPO = Path(__file__).resolve().parents[2]
SCENARIOS = {"healthz", "bare", "card", "dispense", "mixed", "raw-card", "raw-dispense"}


@pytest.mark.slow
def test_quick_bench_runs_every_scenario_without_errors(tmp_path: Path) -> None:
    results = tmp_path / "results"
    run = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--results-dir", str(results)],
        cwd=REPO,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    [report] = results.glob("*.json")
    assert (results / "latest.md").read_text() == report.with_suffix(".md").read_text()
    data = json.loads(report.read_text())
    summary = {row["scenario"]: row for row in data["summary"]}
    assert set(summary) == SCENARIOS
    for scenario, row in summary.items():
        assert row["requests"] > 0, scenario
        assert row["errors"] == 0, (scenario, row)
    markdown = (results / "latest.md").read_text()
    for label in ("audited card read", "via pgbench", "bare FastAPI"):
        assert label in markdown
