"""``fivesafes federate split|gather|pool|verify`` and ``validate --jobs``: outputs, exit codes, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner
from unit.federation._nodes import NODES, run_node

from fivesafes_crate.cli import app

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
TRES = ["--tre", "tre-a=https://tre-a.example.org/", "--tre", "tre-b=https://tre-b.example.org/"]
runner = CliRunner()


def split(tmp_path: Path) -> list[Path]:
    result = runner.invoke(app, ["federate", "split", str(EXAMPLES / "request"), *TRES, "-o", str(tmp_path / "f")])
    assert result.exit_code == 0 and result.stderr == ""
    return [Path(line) for line in result.stdout.splitlines()]


def test_split_prints_one_request_per_tre(tmp_path: Path) -> None:
    assert split(tmp_path) == [tmp_path / "f" / "tre-a.bagit.zip", tmp_path / "f" / "tre-b.bagit.zip"]
    again = runner.invoke(app, ["federate", "split", str(EXAMPLES / "request"), *TRES, "-o", str(tmp_path / "f")])
    assert again.exit_code == 2 and again.stdout == "" and "already exists" in again.stderr


def test_split_refuses_a_bad_tre_in_one_line(tmp_path: Path) -> None:
    result = runner.invoke(app, ["federate", "split", str(EXAMPLES / "request"), "--tre", "tre-a", "-o",
                                 str(tmp_path / "f")])
    assert result.exit_code == 2 and result.stdout == "" and "ID=URL" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_gather_pool_verify_and_validate_the_summary(tmp_path: Path) -> None:
    a, b = split(tmp_path)
    run_node(a, NODES[0], approve=True)
    run_node(b, NODES[1], approve=False)
    summary = tmp_path / "summary"
    gathered = runner.invoke(app, ["federate", "gather", str(a), str(b), "--expect", "tre-c=https://tre-c.example.org/",
                                   "-o", str(summary)])
    assert gathered.exit_code == 0, gathered.output
    assert gathered.stdout.splitlines()[:3] == [
        "tre-a: completed",
        "tre-b: withheld (disclosure check rejected: Disclosure check of workflow results: rejected (small cells))",
        "tre-c: never returned (no result was returned)"]
    for jobs in ("1", "2"):
        validated = runner.invoke(app, ["validate", str(summary), "--severity", "should", "--jobs", jobs,
                                        "--format", "sarif"])
        assert validated.exit_code == 0, validated.output
        runs = json.loads(validated.stdout)["runs"]
        assert len(runs) >= 1
    one = runner.invoke(app, ["validate", str(summary), "--format", "json"])
    assert one.exit_code == 0 and json.loads(one.stdout)["phase"] == "request"  # one object: the summary alone
    text = runner.invoke(app, ["validate", str(summary), "-j", "2"], env={"COLUMNS": "200"})
    assert text.exit_code == 0
    assert [line for line in text.stdout.splitlines() if line.startswith("== ")] == [
        f"== {summary}", f"== {summary / 'nodes' / 'tre-a'}", f"== {summary / 'nodes' / 'tre-b'}"]
    pooled = runner.invoke(app, ["federate", "pool", str(summary), "--agent", "https://orcid.org/0000-0002-1825-0097",
                                 "--agent-name", "Josiah Carberry", "--agent-type", "person"])
    assert pooled.exit_code == 0 and pooled.stdout.startswith("PASS pooled/counts.csv (pooled from tre-a)")
    unsigned = tmp_path / "trust.toml"
    runner.invoke(app, ["keygen", "-o", str(tmp_path / "k.pem"), "--no-passphrase"])
    unsigned.write_text('[[key]]\npublic_key_file = "k.pub.pem"\nprincipal = "https://tre-a.example.org/"\n'
                        'roles = ["tre:publish"]\n', encoding="utf-8")
    verified = runner.invoke(app, ["federate", "verify", str(summary), "--trust", str(unsigned)])
    assert verified.exit_code == 1 and verified.stdout.startswith("INVALID tre-a: 0 envelope(s)")
    received = runner.invoke(app, ["federate", "receive", str(summary)])
    assert received.exit_code == 1 and received.stdout.splitlines()[:2] == ["ACCEPTED tre-a", "NOT ACCEPTED tre-b"]
    no_trust = runner.invoke(app, ["federate", "verify", str(summary)])
    assert no_trust.exit_code == 2 and "--trust" in no_trust.stderr


def test_validate_jobs_must_be_positive() -> None:
    result = runner.invoke(app, ["validate", str(EXAMPLES / "request"), "--jobs", "0"])
    assert result.exit_code == 2 and result.stdout == ""
