"""``fivesafes tre run start|finish|fail`` and ``fivesafes tre publish`` through CliRunner."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner
from unit.phases.conftest import (
    FORGED_SIGNOFF,
    RUN_04,
    FixedClock,
    approved_crate,
    check_and_validate,
    crate_files,
    reviewed_crate,
    running_crate,
    submitted_crate,
)

from fivesafes_crate.cli import app

runner = CliRunner()
AGENT = {"FIVESAFES_AGENT": "https://safehaven.example.org/", "FIVESAFES_AGENT_NAME": "Example Safe Haven"}
PUBLISH = ["--publisher", "https://safehaven.example.org/", "--publisher-name", "Example Safe Haven",
           "--license", "https://spdx.org/licenses/CC-BY-4.0"]


def invoke(*args: str | Path, env: dict[str, str] | None = None) -> Any:
    return runner.invoke(app, [str(a) for a in args], env=env)


def assert_one_error_line(result: Any, *fragments: str) -> None:
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    for fragment in fragments:
        assert fragment in result.stderr


def test_start_then_finish_print_one_line_each(tmp_path: Path) -> None:
    bag = reviewed_crate(tmp_path)
    started = invoke("tre", "run", "start", bag)
    assert started.exit_code == 0, started.stderr
    assert started.stdout == "execution: running\n" and started.stderr == ""
    refused = invoke("tre", "run", "finish", bag)
    assert refused.exit_code == 2 and "has no results" in refused.stderr
    table = tmp_path / "table.csv"
    table.write_text("band,count\n40-49,12\n", encoding="utf-8")
    assert invoke("result", "add", bag, table).exit_code == 0
    finished = invoke("tre", "run", "finish", bag, "--format", "json")
    assert finished.exit_code == 0, finished.stderr
    assert json.loads(finished.stdout) == {"path": str(bag), "summary": "execution: completed",
                                           "action": RUN_04, "status": "completed", "stage": "executed",
                                           "removed": []}


def test_a_failed_run_exits_1(tmp_path: Path) -> None:
    bag = running_crate(tmp_path)
    result = invoke("tre", "run", "fail", bag, "--reason", "out of memory")
    assert result.exit_code == 1, result.stderr
    assert result.stdout == "execution: failed (out of memory)\n"


def test_fail_needs_a_reason(tmp_path: Path) -> None:
    bag = running_crate(tmp_path)
    assert_one_error_line(invoke("tre", "run", "fail", bag), "--reason")


def test_a_refused_step_is_one_error_line_and_leaves_the_crate(tmp_path: Path) -> None:
    bag = reviewed_crate(tmp_path, signoff=None)
    before = crate_files(bag)
    assert_one_error_line(invoke("tre", "run", "start", bag), "needs an approved (completed) sign-off")
    assert_one_error_line(invoke("tre", "run", "finish", bag), "cannot finish the workflow run")
    assert crate_files(bag) == before


def test_publish(tmp_path: Path) -> None:
    bag = approved_crate(tmp_path)
    result = invoke("tre", "publish", bag, *PUBLISH, "--format", "json", env=AGENT)
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["status"] == "completed" and data["stage"] == "published" and data["action"].startswith("#bagit-")
    assert_one_error_line(invoke("tre", "publish", bag, *PUBLISH, env=AGENT), "was published")


def test_publish_refuses_bad_agents_and_licences_in_one_line(tmp_path: Path) -> None:
    bag = approved_crate(tmp_path)
    before = crate_files(bag)
    software = {**AGENT, "FIVESAFES_AGENT_TYPE": "software"}
    assert_one_error_line(invoke("tre", "publish", bag, *PUBLISH, env=software), "needs its TRE Organization")
    bad_licence = [*PUBLISH[:-1], "CC-BY-4.0"]
    assert_one_error_line(invoke("tre", "publish", bag, *bad_licence, env=AGENT), "must be an absolute URI")
    assert_one_error_line(invoke("tre", "publish", bag, *PUBLISH[:-2], env=AGENT), "--license")
    assert crate_files(bag) == before


def test_a_signoff_the_tre_did_not_record_is_named_and_does_not_start_the_run(tmp_path: Path) -> None:
    bag = submitted_crate(tmp_path, FORGED_SIGNOFF)
    check_and_validate(bag, FixedClock())
    before = crate_files(bag)
    assert_one_error_line(invoke("tre", "run", "start", bag), "the sign-off #signoff-forged does not count",
                          "not recorded by this TRE since the check #check-")
    assert crate_files(bag) == before
