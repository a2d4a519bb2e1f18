"""The command line as an operator meets it: help that reads cleanly, and `token` refusing
to mint what the API would refuse."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from medrecord.access.tokens import TokenVerifier
from medrecord.cli import app
from medrecord.config import Settings

DEV = {"MEDRECORD_ENVIRONMENT": "dev", "MEDRECORD_DATABASE_URL": None}


def every_command() -> list[list[str]]:
    root = get_command(app)
    commands: list[list[str]] = [[]]
    for name, command in getattr(root, "commands", {}).items():
        commands.append([name])
        commands += [[name, sub] for sub in getattr(command, "commands", {})]
    return commands


@pytest.mark.parametrize("command", every_command(), ids=" ".join)
def test_help_names_options_without_type_noise(command: list[str]) -> None:
    result = CliRunner().invoke(app, [*command, "--help"])

    assert result.exit_code == 0
    assert "Usage: " in result.stdout
    assert "--help  " in result.stdout or "--help " in result.stdout
    assert "<bool>" not in result.stdout


def test_every_command_is_covered_by_the_help_test() -> None:
    names = {" ".join(c) for c in every_command()}
    assert {"serve", "migrate", "token", "drugs import", "purge-expired"} <= names


def test_token_refuses_a_role_the_api_does_not_know(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        ["token", "--sub", "w1", "--name", "Merlin", "--role", "wizard", "--org", "1"],
        env=DEV,
    )

    assert result.exit_code == 2
    assert result.stdout == ""
    assert "'wizard' is not one of" in result.stderr and "pharmacy_assistant" in result.stderr


def test_token_refuses_a_professional_without_an_organisation(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        [
            "token",
            "--sub",
            "d1",
            "--name",
            "Dr. A",
            "--role",
            "doctor",
            "--data-dir",
            str(tmp_path),
        ],
        env=DEV,
    )

    assert result.exit_code == 2
    assert result.stdout == ""
    assert "The API would refuse this token" in result.stderr and "'org'" in result.stderr


def test_token_refuses_a_citizen_without_a_cpr_number(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        [
            "token",
            "--sub",
            "c1",
            "--name",
            "Karla",
            "--role",
            "citizen",
            "--data-dir",
            str(tmp_path),
        ],
        env=DEV,
    )

    assert result.exit_code == 2
    assert "CPR" in result.stderr


def test_token_the_api_accepts_is_printed(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        [
            "token",
            "--sub",
            "n1",
            "--name",
            "Nina",
            "--role",
            "NURSE",
            "--org",
            "123456",
            "--data-dir",
            str(tmp_path),
        ],
        env=DEV,
    )

    assert result.exit_code == 0, result.stderr
    actor = TokenVerifier.from_settings(Settings(data_dir=tmp_path)).verify(result.stdout.strip())
    assert (actor.role, actor.organisation_id) == ("nurse", "123456")
