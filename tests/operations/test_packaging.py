"""The wheel carries its migrations: `medrecord migrate` from an installed wheel, in a fresh
virtual environment outside the source tree, brings an empty database to head."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, text

from medrecord import migrate
from tests.support.serve_process import clean_env

pytestmark = pytest.mark.slow

REPOSITORY = Path(__file__).resolve().parents[2]
# `uv run` names itself in $UV (CI may have installed uv where PATH does not look).
UV = os.environ.get("UV") or shutil.which("uv")


def _uv(*args: str | Path, cwd: Path) -> str:
    assert UV is not None
    done = subprocess.run(
        [UV, *map(str, args)], cwd=cwd, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.mark.skipif(UV is None, reason="needs uv to build and install the wheel (CI has it)")
def test_installed_wheel_migrates_an_empty_database(
    tmp_path: Path, fresh_database: Callable[[], str]
) -> None:
    url = fresh_database()
    _uv("build", "--wheel", "--out-dir", tmp_path / "dist", REPOSITORY, cwd=REPOSITORY)
    (wheel,) = (tmp_path / "dist").glob("medrecord-*.whl")
    # The locked runtime dependencies, as the production image has them (no embedded
    # PostgreSQL, no test tools): from uv's cache, which CI's `uv sync --locked` has filled.
    export = ("export", "--frozen", "--no-default-groups", "--no-hashes", "--no-emit-project")
    requirements = tmp_path / "requirements.txt"
    requirements.write_text(_uv(*export, "-q", cwd=REPOSITORY))
    venv = tmp_path / "venv"
    _uv("venv", "-q", "--python", sys.executable, venv, cwd=tmp_path)
    python = venv / "bin" / "python"
    _uv("pip", "install", "-q", "--python", python, "-r", requirements, wheel, cwd=tmp_path)

    where = subprocess.run(
        [python, "-c", "import medrecord; print(medrecord.__file__)"],
        cwd=tmp_path,
        env=clean_env(),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert Path(where.strip()).is_relative_to(venv)  # the wheel, not the source tree

    env = {**clean_env(), "MEDRECORD_DATABASE_URL": url}
    done = subprocess.run(
        [venv / "bin" / "medrecord", "migrate"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert done.returncode == 0, done.stdout + done.stderr
    head = ScriptDirectory.from_config(migrate.alembic_config()).get_current_head()
    engine = create_engine(url)
    with engine.connect() as conn:
        versions = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    engine.dispose()
    assert versions == [head]
