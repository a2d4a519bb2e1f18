"""README.md's settings table is the Settings class's: every setting, its variable, its
default and its description, regenerated whenever config.py changes."""

from __future__ import annotations

from pathlib import Path

from medrecord.config import Settings
from medrecord.settings_table import current_table, markdown_table, variable

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_settings_table_is_current() -> None:
    assert current_table(README.read_text(encoding="utf-8")) == markdown_table(), (
        "README.md's settings table is stale: run `uv run python -m medrecord.settings_table`"
    )


def test_table_names_every_setting_with_its_default() -> None:
    table = markdown_table()

    for name in Settings.model_fields:
        assert f"| `{variable(name)}` |" in table
    assert "| `MEDRECORD_DB_POOL_SIZE` | `16` |" in table
    assert "| `MEDRECORD_DATABASE_URL` | unset |" in table
