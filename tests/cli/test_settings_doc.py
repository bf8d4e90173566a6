"""The settings reference never drifts from the settings class: README's table and `.env.example`."""

from __future__ import annotations

from bot.cli.settings_doc import ROOT, env_example, readme_with_table, settings_table
from bot.config import Settings


def test_every_setting_has_words() -> None:
    """A setting without a description would leave a blank line in the reference."""
    assert [name for name, field in Settings.model_fields.items() if not field.description] == []


def test_the_readme_table_is_the_generated_one() -> None:
    """README.md's settings table is what `python -m bot.cli.settings_doc` writes (run it after a change)."""
    readme = (ROOT / "README.md").read_text()
    assert readme_with_table(readme) == readme
    assert all(f"`{name.upper()}`" in settings_table() for name in Settings.model_fields)


def test_the_env_example_lists_every_setting() -> None:
    """`.env.example` is the generated one and names every setting."""
    assert (ROOT / ".env.example").read_text() == env_example()
    assert all(name.upper() in env_example() for name in Settings.model_fields)
