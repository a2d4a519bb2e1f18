"""The README's table of settings, made from the Settings class so it cannot drift: every field,
its environment variable, its default and its description. A test holds README.md to it;
``uv run python -m medrecord.settings_table`` rewrites the table in place."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path

from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from medrecord.config import Settings

BEGIN = "<!-- settings table: made by `uv run python -m medrecord.settings_table`, do not edit -->"
END = "<!-- end of settings table -->"

# Defaults that depend on the machine: what they are, not what they were where this ran.
_DESCRIBED_DEFAULTS = {"data_dir": "per-user data dir"}


def variable(name: str) -> str:
    prefix = str(Settings.model_config.get("env_prefix", ""))
    return (prefix + name).upper()


def _default(name: str, field: FieldInfo) -> str:
    if name in _DESCRIBED_DEFAULTS:
        return _DESCRIBED_DEFAULTS[name]
    value = field.default
    if value is PydanticUndefined or value is None:
        return "unset"
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, bool):
        value = str(value).lower()
    return f"`{value}`"


def markdown_table() -> str:
    """The table, between its markers."""
    rows = [BEGIN, "| variable | default | meaning |", "|---|---|---|"]
    for name, field in Settings.model_fields.items():
        if not field.description:
            raise ValueError(f"Settings.{name} has no description: give it one")
        meaning = " ".join(field.description.split()).replace("|", "\\|")
        rows.append(f"| `{variable(name)}` | {_default(name, field)} | {meaning} |")
    rows.append(END)
    return "\n".join(rows)


def current_table(readme: str) -> str:
    """The table as ``readme`` has it, markers included ("" when it has none)."""
    start, end = readme.find(BEGIN), readme.find(END)
    if start < 0 or end < start:
        return ""
    return readme[start : end + len(END)]


def rewrite(readme: Path) -> bool:
    """Put the current table into ``readme``; True when it changed."""
    text = readme.read_text(encoding="utf-8")
    old = current_table(text)
    if not old:
        raise ValueError(f"{readme} has no settings table markers ({BEGIN!r} ... {END!r})")
    new = text.replace(old, markdown_table())
    readme.write_text(new, encoding="utf-8")
    return new != text


if __name__ == "__main__":
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("README.md")
    print(f"{path}: {'updated' if rewrite(path) else 'already current'}")
