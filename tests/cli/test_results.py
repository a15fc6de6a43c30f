"""``fivesafes result add`` through CliRunner: files, URIs, values, sensitive references, one-line errors."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

from typer.testing import CliRunner
from unit.phases.conftest import (
    SENSITIVE_NAMESPACE,
    SENSITIVE_URI,
    crate_files,
    metadata_of,
    output_files,
    reviewed_crate,
    running_crate,
)

from fivesafes_crate.cli import app

runner = CliRunner()


def invoke(*args: str | Path, env: dict[str, str] | None = None) -> Any:
    return runner.invoke(app, [str(a) for a in args], env=env)


def assert_one_error_line(result: Any, *fragments: str) -> None:
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    for fragment in fragments:
        assert fragment in result.stderr


def _graph(target: Path) -> dict[str, dict[str, Any]]:
    return {entity["@id"]: entity for entity in json.loads(metadata_of(target))["@graph"]}


def test_files_folders_uris_and_values(tmp_path: Path) -> None:
    bag = running_crate(tmp_path)
    table, figures = output_files(tmp_path)
    result = invoke("result", "add", bag, table, figures, "--uri", "https://data.example.org/a.nc",
                    "--value", "total=1234", "--value", "note=no small cells", "--value", "flag=true")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("results: 6 attached to the workflow run (outputs/summary.csv, ")
    assert result.stdout.endswith(" and 1 more)\n")
    assert result.stderr == ""
    graph = _graph(bag)
    values = sorted((e["name"], e["value"]) for e in graph.values() if e["@type"] == "PropertyValue"
                    and e["@id"].startswith("#output-"))
    assert values == [("flag", True), ("note", "no small cells"), ("total", 1234)]
    assert graph["outputs/figures/"]["@type"] == "Dataset"


def test_sensitive_references_take_the_namespace_from_the_environment(tmp_path: Path) -> None:
    bag = running_crate(tmp_path)
    env = {"FIVESAFES_SENSITIVE_NAMESPACE": str(SENSITIVE_NAMESPACE)}
    result = invoke("result", "add", bag, "--uri", SENSITIVE_URI, "--sensitive", "--format", "json", env=env)
    assert result.exit_code == 0, result.stderr
    hashed = f"urn:uuid:{uuid.uuid5(SENSITIVE_NAMESPACE, SENSITIVE_URI)}"
    assert json.loads(result.stdout)["summary"].endswith(f"({hashed})")
    assert _graph(bag)[hashed]["@type"] == "DigitalDocument"


def test_usage_errors_are_one_line_and_leave_the_crate(tmp_path: Path) -> None:
    bag = running_crate(tmp_path)
    table, _figures = output_files(tmp_path)
    before = crate_files(bag)
    assert_one_error_line(invoke("result", "add", bag, table, "--sensitive", "--namespace", str(SENSITIVE_NAMESPACE)),
                          "never copied")
    assert_one_error_line(invoke("result", "add", bag, "--uri", SENSITIVE_URI, "--sensitive", "--namespace", "x"),
                          "not a UUID")
    assert_one_error_line(invoke("result", "add", bag, "--uri", SENSITIVE_URI, "--sensitive"), "secret namespace")
    assert_one_error_line(invoke("result", "add", bag, "--value", "=3"), "NAME=VALUE")
    assert_one_error_line(invoke("result", "add", bag), "at least one output")
    assert_one_error_line(invoke("result", "add", bag, tmp_path / "missing.csv"), "cannot read the output")
    assert crate_files(bag) == before


def test_results_before_the_run_started_are_refused(tmp_path: Path) -> None:
    bag = reviewed_crate(tmp_path)
    table, _figures = output_files(tmp_path)
    assert_one_error_line(invoke("result", "add", bag, table), "need a running or completed workflow run")
