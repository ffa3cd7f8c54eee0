"""The main command: commands load their module only when they run, and the help lists them all."""

from __future__ import annotations

import subprocess
import sys

import click
from click.testing import CliRunner

from socialops.cli import COMMANDS, main


def test_the_table_of_commands_says_what_the_commands_say():
    ctx = click.Context(main)
    for name, (module, text) in COMMANDS.items():
        command = main.get_command(ctx, name)
        assert command is not None and command.name == name
        assert command.callback.__module__ == f"socialops.cli.{module}"
        assert " ".join((command.help or "").split("\n\n")[0].split()) == text


def test_every_command_module_is_in_the_table():
    modules = {"content", "plan", "run", "accounts", "review", "template", "loop", "sheets"}
    assert {module for module, _ in COMMANDS.values()} == modules
    for module in modules:
        namespace = __import__(f"socialops.cli.{module}", fromlist=["_"])
        defined = {obj.name for obj in vars(namespace).values()
                   if isinstance(obj, click.Command) and obj.callback.__module__ == namespace.__name__
                   and not obj.name.startswith("profiles ") and "_" not in obj.name}
        assert defined - {"check", "diff", "sync"} <= set(COMMANDS)


def test_help_lists_every_command_and_loads_no_command_module():
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    for name in COMMANDS:
        assert f"  {name}" in result.output
    code = ("import sys; from socialops.cli import main\n"
            "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in sys.modules if m.startswith('socialops.cli.')), file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stderr.strip() == "[]"


def test_an_unknown_command_is_a_usage_error():
    result = CliRunner().invoke(main, ["publsh"])
    assert result.exit_code == 2 and "No such command" in result.output
