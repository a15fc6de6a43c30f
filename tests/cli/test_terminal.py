"""How the CLI looks on a terminal: flags show no value type in --help, NO_COLOR removes colour (issue 18
item 13)."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from fivesafes_crate.cli import app
from fivesafes_crate.cli.render import console_text

runner = CliRunner()

COLOUR = re.compile(r"\x1b\[(?:[0-9;]*;)?(?:3[0-9]|9[0-7]|38;[0-9;]+)m")
"""An SGR sequence that sets a foreground colour (bold or dim alone is not colour)."""


@pytest.mark.parametrize("command", [[], ["pack"], ["tre", "check"], ["tre", "run", "start"], ["validate"],
                                     ["disclosure", "record"], ["keygen"]])
def test_flags_show_no_value_type(command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "<bool>" not in result.stdout
    assert re.search(r"--help\s+Show this message and exit", result.stdout)


def test_options_with_a_value_keep_their_type() -> None:
    shown = runner.invoke(app, ["pack", "--help"], env={"COLUMNS": "200"}).stdout
    assert re.search(r"--date\s+YYYY-MM-DD", shown) and re.search(r"--output\s+-o\s+<path>", shown)


def test_force_is_a_flag_without_type() -> None:
    shown = runner.invoke(app, ["pack", "--help"], env={"COLUMNS": "200"}).stdout
    assert re.search(r"--force\s+Replace an existing output", shown)


def test_colour_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setattr("fivesafes_crate.cli.render.sys.stdout.isatty", lambda: True)
    assert COLOUR.search(console_text("[bold red]INVALID[/]"))


def test_no_color_on_a_terminal_removes_colour_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setattr("fivesafes_crate.cli.render.sys.stdout.isatty", lambda: True)
    text = console_text("[bold red]INVALID[/] [green]ok[/]")
    assert not COLOUR.search(text)
    assert "\x1b[1m" in text  # bold stays: NO_COLOR is about colour
    assert re.sub(r"\x1b\[[0-9;]*m", "", text) == "INVALID ok"


def test_a_pipe_is_plain(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setattr("fivesafes_crate.cli.render.sys.stdout.isatty", lambda: False)
    assert console_text("[bold red]INVALID[/]") == "INVALID"
