"""`medrecord serve` refuses what cannot work with one line that names the problem and its fix:
no traceback, a non-zero exit code, nothing said about serving, nothing started."""

from __future__ import annotations

import socket
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support.serve_process import clean_env, free_port, medrecord


@pytest.fixture
def listening() -> Iterator[int]:
    """A port another process listens on."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        yield int(taken.getsockname()[1])


def serve(data_dir: Path, port: int, **settings: str) -> subprocess.CompletedProcess[str]:
    env = {**clean_env(), **{f"MEDRECORD_{k.upper()}": v for k, v in settings.items()}}
    return subprocess.run(
        medrecord("serve", "--port", str(port), "--data-dir", str(data_dir)),
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def the_one_line(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode != 0
    assert done.stdout == ""
    assert "Traceback" not in done.stderr and "serving" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    return lines[0]


def test_unknown_environment_is_named_with_the_values_it_may_take(tmp_path: Path) -> None:
    line = the_one_line(serve(tmp_path / "data", free_port(), environment="prod"))

    assert "MEDRECORD_ENVIRONMENT='prod'" in line
    assert "'dev' or 'production'" in line
    assert not (tmp_path / "data").exists()


def test_a_setting_that_is_not_a_number_is_named(tmp_path: Path) -> None:
    line = the_one_line(serve(tmp_path / "data", free_port(), db_pool_size="many"))

    assert "MEDRECORD_DB_POOL_SIZE='many'" in line and "integer" in line


def test_production_without_a_database_url_does_not_start_the_embedded_database(
    tmp_path: Path,
) -> None:
    line = the_one_line(
        serve(
            tmp_path / "data",
            free_port(),
            environment="production",
            jwks_url="https://login.example/jwks",
        )
    )

    assert "MEDRECORD_DATABASE_URL" in line and "MEDRECORD_ALLOW_EMBEDDED_DATABASE" in line
    assert not (tmp_path / "data" / "pgdata").exists()


def test_production_without_token_keys_names_the_settings_that_give_them(
    tmp_path: Path, fresh_database: Callable[[], str]
) -> None:
    line = the_one_line(
        serve(
            tmp_path / "data", free_port(), environment="production", database_url=fresh_database()
        )
    )

    assert "MEDRECORD_JWKS_URL" in line and "MEDRECORD_JWT_PUBLIC_KEY_PEM" in line


def test_a_busy_port_is_named_before_anything_starts(tmp_path: Path, listening: int) -> None:
    line = the_one_line(serve(tmp_path / "data", listening))

    assert f"Port {listening} on 127.0.0.1 is already in use" in line and "--port" in line
    assert not (tmp_path / "data" / "pgdata").exists()


def test_an_unreachable_database_is_named_without_its_password(tmp_path: Path) -> None:
    nobody = free_port()
    url = f"postgresql://medrecord:s3cret-pw@127.0.0.1:{nobody}/records"

    line = the_one_line(serve(tmp_path / "data", free_port(), database_url=url))

    assert f"Cannot reach the database records at 127.0.0.1:{nobody}" in line
    assert "MEDRECORD_DATABASE_URL" in line
    assert "s3cret-pw" not in line
