"""How the CLI looks on a terminal: flags show no value type in --help, NO_COLOR removes colour (issue 18
item 13)."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace
from typing import ClassVar

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


class FakeProgress:
    """Stands in for rich's Progress: records that a bar was drawn and what it showed."""

    made: ClassVar[list[FakeProgress]] = []

    def __init__(self, *columns: object, **options: object) -> None:
        self.updates: list[tuple[int, int]] = []
        self.stopped = False
        FakeProgress.made.append(self)

    def start(self) -> None: ...

    def stop(self) -> None:
        self.stopped = True

    def add_task(self, label: str, total: int) -> int:
        return 0

    def update(self, task: int, *, completed: int, total: int) -> None:
        self.updates.append((completed, total))


@pytest.fixture
def terminal_bars(monkeypatch: pytest.MonkeyPatch) -> list[FakeProgress]:
    """stderr is a terminal and every payload is big enough for a bar."""
    from fivesafes_crate.cli import _progress

    FakeProgress.made = []
    monkeypatch.setattr("rich.progress.Progress", FakeProgress)  # the bar imports it when first drawn
    monkeypatch.setattr(_progress, "PROGRESS_MIN_BYTES", 0)
    monkeypatch.setattr(_progress, "sys", SimpleNamespace(stderr=_Terminal()))
    return FakeProgress.made


class _Terminal:
    def isatty(self) -> bool:
        return True

    def write(self, text: str) -> int:
        return len(text)

    def flush(self) -> None: ...


@pytest.fixture
def bag(tmp_path: Path) -> Path:
    from fivesafes_crate import package

    examples = Path(__file__).resolve().parents[2] / "examples"
    return package(examples / "request", tmp_path / "request.bagit.zip", external_identifier=URN)


URN = "urn:uuid:9796155a-fe44-4614-89b8-71945f718ffb"
AGENT = ["--agent", "https://tre.example.org/", "--agent-name", "Example TRE"]


@pytest.mark.parametrize(("command", "code"), [(["validate"], 0), (["receive"], 1), (["tre", "check", *AGENT], 0),
                                             (["tre", "sanitize"], 0)])
def test_a_step_that_hashes_shows_progress_on_a_terminal(terminal_bars: list[FakeProgress], bag: Path,
                                                         command: list[str], code: int) -> None:
    result = runner.invoke(app, [*command, str(bag)])
    assert result.exit_code == code, result.stderr  # receive: a request is not a finished crate
    if command == ["tre", "sanitize"]:
        assert terminal_bars == []  # a clean request: nothing to remove, nothing hashed
        return
    [bar] = terminal_bars
    assert bar.stopped and bar.updates and bar.updates[-1][0] == bar.updates[-1][1]
    assert "\x1b" not in result.stdout


@pytest.mark.parametrize("command", [["validate", "--format", "json"], ["validate", "--format", "sarif"],
                                     ["receive", "--format", "json"], ["tre", "check", *AGENT, "--format", "json"],
                                     ["verify", "--format", "json"]])
def test_no_progress_beside_machine_output(terminal_bars: list[FakeProgress], bag: Path, command: list[str]) -> None:
    result = runner.invoke(app, [*command, str(bag)])
    assert result.stdout.lstrip().startswith("{") and terminal_bars == []
