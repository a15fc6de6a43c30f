"""``fivesafes tre sanitize|check|validate|retrieve|signoff`` through CliRunner: exit codes, stdout, stderr."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from typer.testing import CliRunner
from unit.phases.conftest import (
    EXAMPLE_REQUEST_DIR,
    POLICY,
    checked_bag,
    crate_files,
    request_bag,
    validated_bag,
    workflow_crate,
)

from fivesafes_crate.cli import app

runner = CliRunner()
SOFTWARE = {
    "FIVESAFES_AGENT": "https://safehaven.example.org/#crate-validator",
    "FIVESAFES_AGENT_NAME": "Crate validator of the Example Safe Haven",
    "FIVESAFES_AGENT_TYPE": "software",
    "FIVESAFES_PROVIDER": "https://safehaven.example.org/",
    "FIVESAFES_PROVIDER_NAME": "Example Safe Haven",
}
PERSON = ["--agent", "https://orcid.org/0000-0003-1234-5674", "--agent-name", "Alex Reviewer", "--agent-type", "person"]


def invoke(*args: str | Path, env: dict[str, str] | None = None) -> Any:
    """Run the CLI with exactly the agent variables in ``env`` (none leak in from the calling environment)."""
    agent: dict[str, str | None] = dict.fromkeys(SOFTWARE)
    agent.update(env or {})
    return runner.invoke(app, [str(a) for a in args], env=agent)


def assert_one_line(result: Any, code: int, start: str) -> None:
    assert result.exit_code == code, (result.stdout, result.stderr)
    assert result.stdout.startswith(start) and result.stdout.count("\n") == 1, result.stdout
    assert result.stderr == ""


def assert_one_error_line(result: Any, *fragments: str) -> None:
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    for fragment in fragments:
        assert fragment in result.stderr


def test_sanitize_prints_one_line_and_json_lists_what_was_removed(tmp_path: Path) -> None:
    bag = request_bag(tmp_path, form="zip")
    assert_one_line(invoke("tre", "sanitize", bag), 0, "sanitize: nothing to remove")
    result = invoke("tre", "sanitize", bag, "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {"path": str(bag), "summary": "sanitize: nothing to remove (no "
                                         "client-submitted assessment or lookalike)", "action": None, "status": None,
                                         "stage": "request", "removed": []}


def test_check_with_the_agent_from_environment_variables(tmp_path: Path) -> None:
    bag = request_bag(tmp_path)
    assert_one_line(invoke("tre", "check", bag, env=SOFTWARE), 0, "check: BagIt checksum of Crate: OK")
    graph = {e["@id"]: e for e in json.loads((bag / "data" / "ro-crate-metadata.json").read_bytes())["@graph"]}
    assert graph[SOFTWARE["FIVESAFES_AGENT"]]["provider"] == {"@id": SOFTWARE["FIVESAFES_PROVIDER"]}


def test_a_failed_check_exits_1_and_json_says_so(tmp_path: Path) -> None:
    bag = request_bag(tmp_path)
    cohort = bag / "data" / "cohort.json"
    cohort.write_bytes(cohort.read_bytes()[:-1])
    result = invoke("tre", "check", bag, "--format", "json", env=SOFTWARE)
    assert result.exit_code == 1, result.stderr
    data = json.loads(result.stdout)
    assert data["status"] == "failed" and data["stage"] == "under-review"
    assert data["action"].startswith("#check-")


def test_validate_then_a_stricter_threshold_is_an_option(tmp_path: Path) -> None:
    bag = checked_bag(tmp_path)
    assert_one_line(invoke("tre", "validate", bag, "--severity", "may", env=SOFTWARE), 1,
                    "validation: rejected (1 issue(s) at may level)")


def test_validate_at_the_default_threshold(tmp_path: Path) -> None:
    bag = checked_bag(tmp_path, form="zip")
    assert_one_line(invoke("tre", "validate", bag, env=SOFTWARE), 0, "validation: approved")


def test_retrieve_nests_the_workflow_crate(tmp_path: Path) -> None:
    bag = validated_bag(tmp_path)
    result = invoke("tre", "retrieve", bag, "--workflow-crate", workflow_crate(tmp_path), "--nest", env=SOFTWARE)
    assert_one_line(result, 0, "retrieval: Workflow RO-Crate from https://workflowhub.eu/workflows/1042/ro_crate")
    assert (bag / "data" / "workflow" / "1042" / "counts.cwl").is_file()


def test_a_mismatching_workflow_crate_is_one_error_line(tmp_path: Path) -> None:
    bag = validated_bag(tmp_path)
    before = crate_files(bag)
    crate = workflow_crate(tmp_path, version=4)
    assert_one_error_line(invoke("tre", "retrieve", bag, "--workflow-crate", crate, env=SOFTWARE),
                          "workflow-1042: is not the referenced workflow")
    assert crate_files(bag) == before


def test_signoff_approve_and_a_second_one_refused(tmp_path: Path) -> None:
    bag = validated_bag(tmp_path)
    assert_one_line(invoke("tre", "signoff", bag, "--approve", "--policy", POLICY, *PERSON), 0,
                    f"sign-off: approved under {POLICY}")
    before = crate_files(bag)
    assert_one_error_line(invoke("tre", "signoff", bag, "--reject", "--policy", POLICY, *PERSON),
                          "recorded already")
    assert crate_files(bag) == before


def test_signoff_reject_exits_1(tmp_path: Path) -> None:
    bag = validated_bag(tmp_path, form="zip")
    result = invoke("tre", "signoff", bag, "--reject", "--policy", POLICY, "--reason", "not permitted", *PERSON)
    assert_one_line(result, 1, f"sign-off: rejected under {POLICY}: not permitted")


def test_signoff_needs_a_decision(tmp_path: Path) -> None:
    bag = validated_bag(tmp_path)
    assert_one_error_line(invoke("tre", "signoff", bag, "--policy", POLICY, *PERSON), "--approve", "--reject")


def test_a_refused_step_is_one_error_line_and_leaves_the_crate(tmp_path: Path) -> None:
    bag = request_bag(tmp_path)
    before = crate_files(bag)
    assert_one_error_line(invoke("tre", "validate", bag, env=SOFTWARE), "check phase must be completed first")
    assert crate_files(bag) == before


def test_a_software_agent_without_provider_is_one_error_line(tmp_path: Path) -> None:
    bag = request_bag(tmp_path)
    env = {key: value for key, value in SOFTWARE.items() if not key.startswith("FIVESAFES_PROVIDER")}
    assert_one_error_line(invoke("tre", "check", bag, env=env), "provider")
    assert_one_error_line(invoke("tre", "check", bag), "--agent")


def test_a_step_out_of_order_names_the_zip_given_and_what_to_run_first(tmp_path: Path,
                                                                        monkeypatch: Any) -> None:
    monkeypatch.chdir(tmp_path)
    bag = request_bag(tmp_path, form="zip")
    before = crate_files(bag)
    result = invoke("tre", "validate", bag.name, env=SOFTWARE)
    assert_one_error_line(result)
    assert result.stderr == (f"error: {bag.name}: cannot validate the crate: the check phase must be completed "
                             f"first, and no check is recorded; run 'fivesafes tre check {bag.name}' first\n")
    assert crate_files(bag) == before


def test_a_step_on_metadata_that_is_not_json_names_the_member_of_the_zip(tmp_path: Path, monkeypatch: Any) -> None:
    import shutil
    import zipfile

    monkeypatch.chdir(tmp_path)
    bag = request_bag(tmp_path, form="bag")
    (bag / "data" / "ro-crate-metadata.json").write_text('{\n  "@graph": [,]\n}\n')
    shutil.make_archive(str(tmp_path / "broken"), "zip", tmp_path, bag.name)
    assert zipfile.is_zipfile("broken.zip")
    result = invoke("tre", "check", "broken.zip", env=SOFTWARE)
    assert_one_error_line(result)
    assert result.stderr == ("error: broken.zip/request.bagit/data/ro-crate-metadata.json:2:14: not valid JSON: "
                             "Expecting value\n")



def test_sanitize_after_the_check_is_refused_in_one_line_and_force_lists_what_went(tmp_path: Path) -> None:
    bag = checked_bag(tmp_path)
    before = crate_files(bag)
    assert_one_error_line(invoke("tre", "sanitize", bag), "cannot sanitize: the crate holds the check #check-",
                          "sanitizing applies to a crate as received", "--force")
    assert crate_files(bag) == before
    result = invoke("tre", "sanitize", bag, "--force")
    assert_one_line(result, 0, "sanitize --force: removed 1 review record(s) or lookalike(s): #check-")
    assert "https://w3id.org/shp#CheckValue" not in (bag / "data" / "ro-crate-metadata.json").read_text("utf-8")


def test_a_crate_that_cannot_be_sanitized_safely_is_one_error_line(tmp_path: Path) -> None:
    folder = tmp_path / "disguised"
    shutil.copytree(EXAMPLE_REQUEST_DIR, folder)
    metadata = folder / "ro-crate-metadata.json"
    document = json.loads(metadata.read_text(encoding="utf-8"))
    document["@context"] = [document["@context"], {"ident": "@id", "kind": "@type"}]
    document["@graph"].append({"ident": "#x", "kind": "AssessAction", "name": "Sign-off: approved"})
    metadata.write_text(json.dumps(document), encoding="utf-8")
    bag = request_bag(tmp_path, source=folder)
    before = crate_files(bag)
    assert_one_error_line(invoke("tre", "sanitize", bag), "cannot sanitize safely: #x is still an AssessAction as "
                          "JSON-LD reads it", "refuse the crate")
    assert crate_files(bag) == before
