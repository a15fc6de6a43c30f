"""``fivesafes validate --engine``: both engines give the same report; the choices are the library's engines."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from fivesafes_crate.cli import app
from fivesafes_crate.cli._options import EngineChoice
from fivesafes_crate.validation.shacl_engines import ENGINE_NAMES

runner = CliRunner()
INVALID = Path(__file__).resolve().parents[1] / "crates" / "invalid" / "agent.person" / "crate"


def test_choices_are_the_engine_names() -> None:
    assert tuple(choice.value for choice in EngineChoice) == ENGINE_NAMES


def test_both_engines_give_the_same_json_report() -> None:
    outputs = {}
    for engine in ENGINE_NAMES:
        result = runner.invoke(app, ["validate", str(INVALID), "--format", "json", "--engine", engine])
        assert result.exit_code == 1, result.output
        outputs[engine] = json.loads(result.stdout)
    assert outputs["shacl"] == outputs["pyshacl"]
    assert "agent.person" in {issue["check"] for issue in outputs["pyshacl"]["issues"]}


def test_an_unknown_engine_is_a_usage_error() -> None:
    result = runner.invoke(app, ["validate", str(INVALID), "--engine", "jena"])
    assert result.exit_code == 2 and result.stdout == "" and "--engine" in result.stderr
