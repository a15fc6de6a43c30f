"""``fivesafes keygen``, ``sign``, ``verify --trust`` and ``validate --trust`` through CliRunner.

Exit codes, stdout and stderr are checked apart; JSON output is validated against its published schema.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from typer.testing import CliRunner
from unit._crates import PERSON
from unit.signing._signed import TRE, request_bag

from fivesafes_crate.cli import app

runner = CliRunner()
SCHEMA = json.loads((Path(__file__).resolve().parents[2] / "docs/reference/signatures.schema.json").read_text())
PASSPHRASE = "a long test passphrase"


def invoke(*args: str | Path, env: dict[str, str] | None = None) -> Any:
    return runner.invoke(app, [str(a) for a in args], env={"FIVESAFES_KEY_PASSPHRASE": PASSPHRASE, **(env or {})})


def assert_one_error_line(result: Any) -> str:
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return str(lines[0])


@pytest.fixture
def setup(tmp_path: Path) -> Path:
    """A bag folder, a requester key and a TRE key (Ed25519) in ``tmp_path``, and a trust store for both."""
    request_bag(tmp_path / "bag")
    assert invoke("keygen", "-o", tmp_path / "alice.pem").exit_code == 0
    assert invoke("keygen", "-o", tmp_path / "tre.pem", "--algorithm", "ed25519").exit_code == 0
    (tmp_path / "trust.toml").write_text(f"""
[[key]]
public_key_file = "alice.pub.pem"
principal = "{PERSON}"
roles = ["requester"]

[[key]]
public_key_file = "tre.pub.pem"
principal = "{TRE}"
roles = ["tre:check", "tre:publish"]

[policy.published]
require = [{{ role = "requester", principal = "requesting-agent" }}, {{ role = "tre:publish", state = "current" }}]
""")
    return tmp_path


def test_keygen_prints_the_key_id_and_files(tmp_path: Path) -> None:
    result = invoke("keygen", "-o", tmp_path / "k.pem")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert lines[0].startswith("key id: sha256:") and len(lines[0]) == len("key id: sha256:") + 64
    assert lines[1:] == [f"private key: {tmp_path / 'k.pem'}", f"public key: {tmp_path / 'k.pub.pem'}"]
    assert b"ENCRYPTED" in (tmp_path / "k.pem").read_bytes()
    assert PASSPHRASE not in result.stdout


def test_keygen_refuses_to_overwrite_and_weak_rsa(tmp_path: Path) -> None:
    assert invoke("keygen", "-o", tmp_path / "k.pem", "--no-passphrase").exit_code == 0
    assert "already exists" in assert_one_error_line(invoke("keygen", "-o", tmp_path / "k.pem"))
    line = assert_one_error_line(invoke("keygen", "-o", tmp_path / "r.pem", "--algorithm", "rsa-pss", "--bits", "2048"))
    assert "at least 3072" in line


def test_a_passphrase_is_required_unless_waived(tmp_path: Path) -> None:
    result = runner.invoke(app, ["keygen", "-o", str(tmp_path / "k.pem")], env={"FIVESAFES_KEY_PASSPHRASE": ""})
    assert "--passphrase-file" in assert_one_error_line(result)
    (tmp_path / "pass.txt").write_text("from a file\nignored second line\n")
    assert invoke("keygen", "-o", tmp_path / "k.pem", "--passphrase-file", tmp_path / "pass.txt").exit_code == 0
    request_bag(tmp_path / "bag")
    wrong = invoke("sign", tmp_path / "bag", "-k", tmp_path / "k.pem", "--role", "requester", "--signer", PERSON)
    assert "passphrase is wrong" in assert_one_error_line(wrong)
    right = invoke("sign", tmp_path / "bag", "-k", tmp_path / "k.pem", "--role", "requester", "--signer", PERSON,
                   "--passphrase-file", tmp_path / "pass.txt")
    assert right.exit_code == 0, right.stderr


def test_sign_then_verify_with_a_policy(setup: Path) -> None:
    bag = setup / "bag"
    signed = invoke("sign", bag, "-k", setup / "alice.pem", "--role", "requester", "--signer", PERSON)
    assert signed.exit_code == 0, signed.stderr
    assert signed.stdout.startswith("signatures/0001.requester.dsse.json (requester, request; key sha256:")
    result = invoke("verify", bag, "--trust", setup / "trust.toml")
    assert result.exit_code == 0, result.stdout
    assert "signatures/0001.requester.dsse.json" in result.stdout and "VALID" in result.stdout
    unmet = invoke("verify", bag, "--trust", setup / "trust.toml", "--policy", "published", "--format", "json")
    assert unmet.exit_code == 1 and unmet.stderr == ""
    report = json.loads(unmet.stdout)
    jsonschema.validate(report, SCHEMA)
    assert report["valid"] is False and report["policy"] == "published"
    assert [p["kind"] for p in report["problems"]] == ["policy"]
    assert report["envelopes"][0]["state"] == "current" and report["envelopes"][0]["signature_ok"] is True
    published = invoke("sign", bag, "-k", setup / "tre.pem", "--role", "tre:publish", "--signer", TRE,
                       "--assess-action", "#publish-1")
    assert published.exit_code == 0, published.stderr
    final = invoke("verify", bag, "--trust", setup / "trust.toml", "--policy", "published", "--format", "json")
    assert final.exit_code == 0, final.stdout
    jsonschema.validate(json.loads(final.stdout), SCHEMA)


def test_verify_text_report_shows_failures_and_unsigned_files(setup: Path) -> None:
    bag = setup / "bag"
    invoke("sign", bag, "-k", setup / "alice.pem", "--role", "requester", "--signer", PERSON)
    (bag / "stray.txt").write_text("x")
    (bag / "data" / "input1.txt").write_text("tampered")
    result = invoke("verify", bag, "--trust", setup / "trust.toml")
    assert result.exit_code == 1 and result.stderr == ""
    assert "unsigned" in result.stdout and "stray.txt" in result.stdout and "INVALID" in result.stdout
    assert "fails BagIt verification" in result.stdout


def test_verify_usage_errors(setup: Path) -> None:
    assert "--policy needs --trust" in assert_one_error_line(invoke("verify", setup / "bag", "--policy", "p"))
    assert "no policy 'nope'" in assert_one_error_line(
        invoke("verify", setup / "bag", "--trust", setup / "trust.toml", "--policy", "nope"))
    (setup / "bad.toml").write_text("[[key]]\nroles = 1\n")
    assert "bad.toml" in assert_one_error_line(invoke("verify", setup / "bag", "--trust", setup / "bad.toml"))


def test_sign_refusals_exit_2_and_leave_the_bag(setup: Path) -> None:
    before = sorted(p.name for p in (setup / "bag").rglob("*"))
    bad_role = invoke("sign", setup / "bag", "-k", setup / "alice.pem", "--role", "boss", "--signer", PERSON)
    assert "role 'boss'" in assert_one_error_line(bad_role)
    (setup / "bag" / "data" / "input1.txt").write_text("tampered")
    damaged = invoke("sign", setup / "bag", "-k", setup / "alice.pem", "--role", "requester", "--signer", PERSON)
    assert "fails BagIt verification" in assert_one_error_line(damaged)
    assert sorted(p.name for p in (setup / "bag").rglob("*")) == before


def test_validate_with_a_trust_store_adds_signature_issues(setup: Path) -> None:
    bag = setup / "bag"
    unsigned = invoke("validate", bag, "--trust", setup / "trust.toml", "--format", "json")
    assert unsigned.exit_code == 1
    assert [i["check"] for i in json.loads(unsigned.stdout)["issues"]] == ["signature.present"]
    invoke("sign", bag, "-k", setup / "alice.pem", "--role", "requester", "--signer", PERSON)
    signed = invoke("validate", bag, "--trust", setup / "trust.toml", "--format", "json")
    assert signed.exit_code == 0, signed.stdout
    assert invoke("validate", bag, "--format", "json").exit_code == 0


def test_a_wrong_passphrase_and_a_public_key_get_different_lines(tmp_path: Path) -> None:
    request_bag(tmp_path / "bag")
    assert invoke("keygen", "-o", tmp_path / "k.pem").exit_code == 0
    sign = ("sign", tmp_path / "bag", "--role", "requester", "--signer", PERSON)
    wrong = assert_one_error_line(invoke(*sign, "-k", tmp_path / "k.pem", env={"FIVESAFES_KEY_PASSPHRASE": "guess"}))
    public = assert_one_error_line(invoke(*sign, "-k", tmp_path / "k.pub.pem"))
    assert wrong == f"error: {tmp_path / 'k.pem'}: the passphrase is wrong for this private key"
    assert public == (f"error: {tmp_path / 'k.pub.pem'}: this is a public key (a private key is needed to sign): "
                      "give the private key, not the .pub.pem file")


def test_an_unreadable_passphrase_file_is_one_line(tmp_path: Path) -> None:
    line = assert_one_error_line(invoke("keygen", "-o", tmp_path / "k.pem", "--passphrase-file", tmp_path / "none"))
    assert line == f"error: {tmp_path / 'none'}: cannot read the passphrase file: No such file or directory"
    assert not (tmp_path / "k.pem").exists()
