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


def test_receive_says_how_to_meet_a_policy_and_to_sign_each_step(tmp_path: Path) -> None:
    keys = create_key_pair(tmp_path / "tre.pem", passphrase="s3cret")
    (tmp_path / "trust.toml").write_text(
        f'[[key]]\npublic_key_file = "{keys.public.name}"\nprincipal = "{TRE}"\nroles = ["tre:check"]\n'
        '[policy.published]\nrequire = [{ role = "tre:publish", state = "current" }]\n', encoding="utf-8")
    bag = package(EXAMPLE, tmp_path / "request.bagit", folder=True, bagging_date=date(2024, 3, 4))
    assert runner.invoke(app, ["tre", "check", str(bag), "--key", str(tmp_path / "tre.pem")], env=ENV).exit_code == 0
    assert runner.invoke(app, ["tre", "validate", str(bag)], env=ENV).exit_code == 0  # not signed
    received = runner.invoke(app, ["receive", str(bag), "--trust", str(tmp_path / "trust.toml"), "--policy",
                                   "published"])
    assert received.exit_code == 1
    assert "signatures: do not verify (1 envelope(s), policy published)" in received.stdout
    assert "policy published needs a signature of role tre:publish over the current state; found 0: the TRE " \
           "signs the step with --key KEY (or a sign hook) and the trust store gives that key the role " \
           "tre:publish, after the crate's last change" in received.stdout.replace("\n", " ")
    assert "is not backed by a trusted TRE signature: the TRE signs the step with 'fivesafes tre validate ... " \
           "--key KEY'" in " ".join(received.stdout.split())
