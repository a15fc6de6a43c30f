"""TRE steps sign as they record (``--key``), and ``receive --trust`` counts only TRE-signed reviews."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from typer.testing import CliRunner

from fivesafes_crate import create_key_pair, package
from fivesafes_crate.cli import app

runner = CliRunner()
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "request"
TRE = "https://safehaven.example.org/"
ENV = {"FIVESAFES_AGENT": TRE, "FIVESAFES_AGENT_NAME": "Example Safe Haven", "FIVESAFES_KEY_PASSPHRASE": "s3cret"}


def test_steps_sign_with_the_tre_key_and_receive_checks_the_endorsements(tmp_path: Path) -> None:
    keys = create_key_pair(tmp_path / "tre.pem", passphrase="s3cret")
    (tmp_path / "trust.toml").write_text(
        f'[[key]]\npublic_key_file = "{keys.public.name}"\nprincipal = "{TRE}"\n'
        'roles = ["tre:check", "tre:validate"]\n', encoding="utf-8")
    bag = package(EXAMPLE, tmp_path / "request.bagit", folder=True, bagging_date=date(2024, 3, 4))
    for step in ("check", "validate"):
        result = runner.invoke(app, ["tre", step, str(bag), "--key", str(tmp_path / "tre.pem")], env=ENV)
        assert result.exit_code == 0, result.stderr
    assert sorted(p.name for p in (bag / "signatures").glob("*.dsse.json")) == [
        "0001.tre-check.dsse.json", "0002.tre-validate.dsse.json"]

    received = runner.invoke(app, ["receive", str(bag), "--trust", str(tmp_path / "trust.toml"), "--format", "json"])
    data = json.loads(received.stdout)
    assert received.exit_code == 1  # not finished: no sign-off, run queued...
    assert data["signatures"]["valid"] is True
    assert not any("not backed by a trusted TRE signature" in reason for reason in data["reasons"])


def test_a_wrong_passphrase_is_one_error_line_and_nothing_changes(tmp_path: Path) -> None:
    create_key_pair(tmp_path / "tre.pem", passphrase="s3cret")
    bag = package(EXAMPLE, tmp_path / "request.bagit", folder=True, bagging_date=date(2024, 3, 4))
    before = {p: p.read_bytes() for p in bag.rglob("*") if p.is_file()}
    result = runner.invoke(app, ["tre", "check", str(bag), "--key", str(tmp_path / "tre.pem")],
                           env={**ENV, "FIVESAFES_KEY_PASSPHRASE": "wrong"})
    assert result.exit_code == 2 and result.stdout == ""
    assert len(result.stderr.splitlines()) == 1 and "s3cret" not in result.stderr
    assert {p: p.read_bytes() for p in bag.rglob("*") if p.is_file()} == before
