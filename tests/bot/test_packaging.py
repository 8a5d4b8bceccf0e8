"""The installed package holds every part of the tree: pyproject lists each package, and the console script
points at the CLI's entry point."""

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_pyproject_lists_every_package_of_the_tree():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    found = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for top in ("api", "billing", "bot", "handlers", "mail", "migrations")
        for init in (ROOT / top).rglob("__init__.py")
    }
    assert set(config["tool"]["setuptools"]["packages"]) == found


def test_the_joanbot_script_runs_the_cli_main_behind_the_stop_signal_guard():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    module, _, name = config["project"]["scripts"]["joanbot"].partition(":")
    assert (module, name) == ("bot.__main__", "main")
    assert "from bot.cli import main" in (ROOT / "bot" / "__main__.py").read_text()
