"""A bad choice (``--profile``, ``--phase``, ``--severity``, ``--format``...) is one plain line: the value, the
choices and where to read more, without the words of the value validator behind Typer (issue 18 item 10)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from fivesafes_crate.cli import app

runner = CliRunner()
CRATE = str(Path(__file__).resolve().parents[2] / "examples" / "request")
CASES = {
    "--phase": (["validate", CRATE, "--phase", "nope"],
                "error: Invalid value for '--phase': 'nope' is not one of 'request', 'under-review', 'executing', "
                "'executed', 'disclosure-checked', 'published' (see 'fivesafes validate --help')"),
    "--severity": (["validate", CRATE, "--severity", "high"],
                   "error: Invalid value for '--severity': 'high' is not one of 'must', 'should', 'may' "
                   "(see 'fivesafes validate --help')"),
    "--format": (["validate", CRATE, "--format", "xml"],
                 "error: Invalid value for '--format': 'xml' is not one of 'text', 'json', 'sarif', 'junit' "
                 "(see 'fivesafes validate --help')"),
    "--format of status": (["status", CRATE, "--format", "yaml"],
                           "error: Invalid value for '--format': 'yaml' is not one of 'text', 'json' "
                           "(see 'fivesafes status --help')"),
    "--algorithm": (["keygen", "-o", "k.pem", "--algorithm", "dsa"],
                    "error: Invalid value for '--algorithm': 'dsa' is not one of 'ecdsa-p256', 'ed25519', 'rsa-pss' "
                    "(see 'fivesafes keygen --help')"),
    "--profile": (["validate", CRATE, "--profile", "9.9"],
                  "error: unknown profile '9.9': supported versions are 0.4, 0.5-DRAFT"),
}


@pytest.mark.parametrize("option", list(CASES))
def test_a_bad_choice_is_one_plain_line(option: str) -> None:
    arguments, line = CASES[option]
    result = runner.invoke(app, arguments)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == line + "\n"
    assert "Value error" not in result.stderr


def test_a_value_that_is_no_number_keeps_its_reason() -> None:
    result = runner.invoke(app, ["keygen", "-o", "k.pem", "--bits", "many"])
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr.startswith("error: Invalid value for '--bits': ") and result.stderr.count("\n") == 1
