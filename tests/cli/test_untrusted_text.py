"""Crate text in CLI output is shown, never obeyed: no markup errors, no ANSI sequences, no forged lines.

A crate's ``@id``, file names and values reach the terminal through rich markup; ``shown`` escapes both markup and
control characters (``printable``), and ``console_text`` escapes any control character left as a safety net.
"""

from __future__ import annotations

import json
import re
import shutil
import unicodedata
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from rich.markup import render
from typer.testing import CliRunner

from fivesafes_crate import printable
from fivesafes_crate.cli import app
from fivesafes_crate.cli._options import Format
from fivesafes_crate.cli.render import console_text, render_report, shown
from fivesafes_crate.issues import Issue, Report, Severity, Stage

runner = CliRunner()
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
HOSTILE_ID = "#[/x]\x1b[31mRED"
HOSTILE_FILE = "in\x1b[31mput\nMUST (0)[/x].csv"
BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
SGR = re.compile(r"\x1b\[[0-9;]*m")
"""rich's own colour codes (select graphic rendition), the only escape sequences our output may hold."""


def raw_controls(text: str) -> list[str]:
    """Control characters (category Cc) other than the newlines between lines, and bidi controls."""
    return [char for char in text if (unicodedata.category(char) == "Cc" and char != "\n") or char in BIDI_CONTROLS]


def edit_metadata(folder: Path, change: Any) -> Path:
    metadata = folder / "ro-crate-metadata.json"
    document = json.loads(metadata.read_text("utf-8"))
    graph = {entity["@id"]: entity for entity in document["@graph"]}
    change(graph)
    document["@graph"] = list(graph.values())
    metadata.write_text(json.dumps(document, indent=2), "utf-8")
    return folder


@pytest.fixture
def hostile_crate(tmp_path: Path) -> Path:
    """examples/request-from-spec with ``"license": "[/x]"`` and a mention of ``#[/x]<ESC>[31mRED`` on the root,
    and a missing file whose name holds an ANSI sequence, a newline and markup (its @id is an issue's focus)."""

    def change(graph: dict[str, dict[str, Any]]) -> None:
        root = graph["./"]
        root["license"] = "[/x]"
        root["mentions"] = [*as_list(root.get("mentions")), {"@id": HOSTILE_ID}]
        root["hasPart"] = [*as_list(root.get("hasPart")), {"@id": HOSTILE_FILE}]
        graph[HOSTILE_FILE] = {"@id": HOSTILE_FILE, "@type": "File", "name": "input \u202e[bold]"}

    return edit_metadata(shutil.copytree(EXAMPLES / "request-from-spec", tmp_path / "crate"), change)


def as_list(value: Any) -> list[Any]:
    return [] if value is None else value if isinstance(value, list) else [value]


def test_validate_shows_a_hostile_id_instead_of_failing_or_obeying_it(hostile_crate: Path) -> None:
    result = runner.invoke(app, ["validate", str(hostile_crate), "--severity", "may"])
    assert result.exit_code in (0, 1), result.stdout + result.stderr
    assert result.stderr == ""
    assert "  in\\x1b[31mput\\nMUST (0)[/x].csv\n" in result.stdout  # the entity line of data.file-missing
    assert "#[/x]\\x1b[31mRED" in result.stdout
    assert raw_controls(result.stdout) == []
    assert "MUST (0)" not in result.stdout.splitlines()
    assert result.stdout.rstrip().splitlines()[-1].startswith("INVALID at severity may")


def test_validate_json_keeps_the_crate_text_exact(hostile_crate: Path) -> None:
    result = runner.invoke(app, ["validate", str(hostile_crate), "--severity", "may", "--format", "json"])
    assert result.exit_code in (0, 1), result.stderr
    assert "\x1b" not in result.stdout  # JSON escapes it as \u001b ...
    issues = json.loads(result.stdout)["issues"]
    assert {"focus": HOSTILE_FILE, "file": HOSTILE_FILE, "check": "data.file-missing"}.items() <= next(
        issue for issue in issues if issue["check"] == "data.file-missing").items()  # ... and keeps it exact


def test_validate_on_a_terminal_has_colour_but_no_escape_sequence_from_the_crate(
    hostile_crate: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import fivesafes_crate as api

    monkeypatch.setattr("fivesafes_crate.cli.render.sys.stdout.isatty", lambda: True)
    text = render_report(api.validate(hostile_crate, threshold=Severity.MAY), Format.text)
    assert SGR.search(text)
    assert "in\\x1b[31mput\\nMUST (0)[/x].csv" in SGR.sub("", text)
    assert raw_controls(SGR.sub("", text)) == []


def test_an_error_line_stays_one_line_whatever_the_path_holds(tmp_path: Path) -> None:
    missing = tmp_path / "no\nsuch\r\x1b[2Jcrate\u202e[/x]"
    result = runner.invoke(app, ["validate", str(missing)])
    assert result.exit_code == 2
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert line.startswith("error: ") and "no\\nsuch\\r\\x1b[2Jcrate\\u202e[/x]" in line
    assert raw_controls(result.stderr) == []


def test_status_shows_hostile_action_text(tmp_path: Path) -> None:
    def change(graph: dict[str, dict[str, Any]]) -> None:
        run = next(entity for entity in graph.values() if entity["@type"] == "CreateAction")
        run["name"] = "Execute\x1b[2J\r\nstage: published [/x]"
        run["endTime"] = "2024-03-05\x1b[31m[bold]"

    crate = edit_metadata(shutil.copytree(EXAMPLES / "executed", tmp_path / "crate"), change)
    result = runner.invoke(app, ["status", str(crate)])
    assert result.exit_code == 0, result.stderr
    assert raw_controls(result.stdout) == []
    assert "stage: published" not in result.stdout.splitlines()
    assert result.stdout.rstrip().endswith("stage: executed")
    assert "Execute\\x1b[2J\\r\\nstage:" in result.stdout and "published [/x]" in result.stdout  # wrapped cell
    assert "2024-03-05\\x1b[31m[bold]" in result.stdout


def test_a_step_summary_shows_hostile_ids(tmp_path: Path) -> None:
    def change(graph: dict[str, dict[str, Any]]) -> None:
        graph["./"].setdefault("mentions", [])
        graph["./"]["mentions"] = [*graph["./"]["mentions"], {"@id": "#forged\x1b[2J\nsanitize: nothing"}]

    crate = edit_metadata(shutil.copytree(EXAMPLES / "request", tmp_path / "crate"), change)
    document = json.loads((crate / "ro-crate-metadata.json").read_text("utf-8"))
    document["@graph"].append({"@id": "#forged\x1b[2J\nsanitize: nothing", "@type": "AssessAction", "name": "ok"})
    (crate / "ro-crate-metadata.json").write_text(json.dumps(document), "utf-8")
    result = runner.invoke(app, ["tre", "sanitize", str(crate)])
    assert result.exit_code == 0, result.stderr
    [line] = result.stdout.splitlines()
    assert "#forged\\x1b[2J\\nsanitize: nothing" in line and raw_controls(line) == []


def test_disclosure_check_shows_hostile_file_names_and_labels(tmp_path: Path) -> None:
    table = tmp_path / "t\x1b[31m[x]\\.csv"
    table.write_text("g,a,b\nr\u202e1,3,0\nr2[/x],40,50\n", "utf-8")
    result = runner.invoke(app, ["disclosure", "check", str(table)])
    assert result.exit_code == 1, result.stderr
    assert raw_controls(result.stdout) == []
    assert "t\\x1b[31m[x]\\.csv (frequency-table" in result.stdout
    assert "r\\u202e1 / a" in result.stdout


@given(st.text(), st.text())
@example("a\\", "[/]")
@example("a\\\\\\", "\\\\")  # rich's escape alone would let the third backslash escape the closing tag
def test_shown_text_renders_as_its_printable_form_inside_any_markup(first: str, second: str) -> None:
    markup = f"[bold]{shown(first)}[/] [dim]{shown(second)}[/] {shown(first)}"
    assert render(markup).plain == f"{printable(first)} {printable(second)} {printable(first)}"


def test_console_text_escapes_control_characters_but_keeps_lines() -> None:
    assert console_text("a\x1b[31mb\tc\r\nd\u202e[bold]e[/]") == "a\\x1b[31mb\\tc\\r\nd\\u202ee"


OPTIONAL_TEXT = st.one_of(st.none(), st.text())


@given(st.text(), OPTIONAL_TEXT, OPTIONAL_TEXT, OPTIONAL_TEXT, st.booleans())
def test_any_issue_text_renders_safely(message: str, focus: str | None, path: str | None, file: str | None,
                                       terminal: bool) -> None:
    report = Report.build("https://w3id.org/5s-crate/0.4", Stage.REQUEST, Severity.MUST,
                          [Issue(Severity.MUST, "data.file-missing", message, focus=focus, path=path, file=file)])
    with mock.patch("fivesafes_crate.cli.render.sys") as fake_sys:
        fake_sys.stdout.isatty.return_value = terminal
        text = render_report(report, Format.text)
    if not terminal:
        assert "\x1b" not in text
    plain = SGR.sub("", text)
    assert raw_controls(plain) == []
    assert printable(message) in plain
    if focus:
        assert f"  {printable(focus)}\n" in plain
    assert plain.count("\n") == 4  # heading, entity, issue, blank line, verdict
