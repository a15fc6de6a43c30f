"""The plain ``verify`` and ``receive`` of a federated summary check every nested node, reporting per node: a
node bag tampered with after gathering, an unsigned node and a node withheld at disclosure each fail on their
own line, in the library and in the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from fivesafes_crate import (
    SignatureInvalid,
    create_key_pair,
    federate_gather,
    load_signer,
    load_trust_store,
    receive,
    receive_federation,
    sign,
    verify,
    verify_federation,
    verify_signatures,
)
from fivesafes_crate.cli import app

from ._nodes import NODES, run_node, split_request

REPO = Path(__file__).resolve().parents[3]
SIGNATURES_SCHEMA = json.loads((REPO / "docs" / "reference" / "signatures.schema.json").read_text(encoding="utf-8"))
runner = CliRunner()


def signed_summary(folder: Path, *, signed: tuple[str, ...] = ("tre-a", "tre-b")) -> tuple[Path, Path]:
    """tre-a approves, tre-b rejects at disclosure; the nodes in ``signed`` sign their published bag. The summary
    folder and a trust store holding both TREs' keys."""
    a, b = split_request(folder)
    run_node(a, NODES[0], approve=True)
    run_node(b, NODES[1], approve=False)
    lines = []
    for bag, node in ((a, NODES[0]), (b, NODES[1])):
        pair = create_key_pair(folder / f"{node.id}.pem", passphrase="pw")
        if node.id in signed:
            sign(bag, load_signer(folder / f"{node.id}.pem", "pw"), role="tre:publish", principal=node.url)
        lines.append(f'[[key]]\npublic_key_file = "{pair.public.name}"\nprincipal = "{node.url}"\n'
                     'roles = ["tre:publish"]\n')
    trust = folder / "trust.toml"
    trust.write_text("\n".join(lines), encoding="utf-8")
    return federate_gather([a, b], folder / "summary").path, trust


def tamper_payload(summary: Path, node: str) -> str:
    """Change one payload byte of a nested node bag (its tag manifest, and so the gathered digest, unchanged)."""
    target = sorted(p for p in (summary / "nodes" / node / "data").rglob("*.csv") if p.is_file())[0]
    target.write_bytes(target.read_bytes() + b"1\n")
    return target.relative_to(summary / "nodes" / node).as_posix()


def test_verify_of_a_summary_verifies_every_node(tmp_path: Path) -> None:
    summary, trust = signed_summary(tmp_path)
    store = load_trust_store(trust)
    found = verify_signatures(summary, store)
    assert list(found.nodes) == ["tre-a", "tre-b"] and found.valid and found.envelopes == ()
    assert all(node.valid and len(node.envelopes) == 1 for node in found.nodes.values())
    assert found.files_checked == sum(node.files_checked for node in found.nodes.values()) > 0
    verify(summary, store)  # returns: every node verifies
    assert verify_federation(summary, store) == dict(found.nodes)  # the federate alias is the same check


def test_a_tampered_node_bag_fails_that_node_only(tmp_path: Path) -> None:
    summary, trust = signed_summary(tmp_path)
    changed = tamper_payload(summary, "tre-a")
    store = load_trust_store(trust)
    found = verify_signatures(summary, store)
    assert not found.valid and found.nodes["tre-b"].valid and not found.nodes["tre-a"].valid
    assert any(p.kind.value == "bag" for p in found.nodes["tre-a"].problems)
    with pytest.raises(SignatureInvalid) as raised:
        verify(summary, store)
    assert not raised.value.verification.nodes["tre-a"].valid
    receipt = receive(summary, trust=store)
    assert not receipt.accepted and receipt.nodes["tre-a"].bag is not None
    assert changed in {p.file for p in receipt.nodes["tre-a"].bag.problems}
    assert any(reason.startswith("node tre-a: the bag's manifests do not verify") for reason in receipt.reasons)


def test_an_unsigned_node_fails_that_node_only(tmp_path: Path) -> None:
    summary, trust = signed_summary(tmp_path, signed=("tre-a",))
    found = verify_signatures(summary, load_trust_store(trust), policy=None)
    assert found.nodes["tre-a"].valid and not found.nodes["tre-b"].valid and not found.valid
    assert [p.kind.value for p in found.nodes["tre-b"].problems][:1] == ["present"]
    receipt = receive(summary, trust=load_trust_store(trust))
    assert any(reason.startswith("node tre-b: the signatures do not verify") for reason in receipt.reasons)


def test_receive_of_a_summary_receives_every_node(tmp_path: Path) -> None:
    summary, _ = signed_summary(tmp_path)
    receipt = receive(summary)
    assert list(receipt.nodes) == ["tre-a", "tre-b"] and receipt.bag is None and receipt.report.valid
    assert receipt.nodes["tre-a"].accepted and not receipt.nodes["tre-b"].accepted and not receipt.accepted
    assert receipt.reasons and all(reason.startswith("node tre-b: ") for reason in receipt.reasons)
    assert receive_federation(summary) == dict(receipt.nodes)


def test_cli_verify_and_receive_report_per_node(tmp_path: Path) -> None:
    summary, trust = signed_summary(tmp_path, signed=("tre-a",))
    text = runner.invoke(app, ["verify", str(summary), "--trust", str(trust)], env={"COLUMNS": "200"})
    assert text.exit_code == 1 and text.stderr == ""
    headings = [line for line in text.stdout.splitlines() if line.startswith("== node ")]
    assert headings == ["== node tre-a", "== node tre-b"]
    assert text.stdout.rstrip().splitlines()[-1].startswith("INVALID: 2 node(s)")
    as_json = runner.invoke(app, ["verify", str(summary), "--trust", str(trust), "--format", "json"])
    assert as_json.exit_code == 1
    data = json.loads(as_json.stdout)
    jsonschema.validate(data, SIGNATURES_SCHEMA)
    assert data["valid"] is False and data["nodes"]["tre-a"]["valid"] is True
    assert data["nodes"]["tre-b"]["problems"][0]["kind"] == "present"
    received = runner.invoke(app, ["receive", str(summary), "--format", "json"])
    assert received.exit_code == 1
    nodes = json.loads(received.stdout)["nodes"]
    assert (nodes["tre-a"]["accepted"], nodes["tre-b"]["accepted"]) == (True, False)
    shown = runner.invoke(app, ["receive", str(summary)], env={"COLUMNS": "200"})
    assert shown.exit_code == 1 and "== node tre-b" in shown.stdout
    assert shown.stdout.rstrip().splitlines()[-1] == "NOT ACCEPTED"


def test_cli_verify_of_a_summary_whose_node_was_replaced_is_one_line(tmp_path: Path) -> None:
    summary, trust = signed_summary(tmp_path)
    manifest = summary / "nodes" / "tre-b" / "tagmanifest-sha512.txt"
    manifest.write_bytes(manifest.read_bytes() + b"\n")
    result = runner.invoke(app, ["verify", str(summary), "--trust", str(trust)])
    assert result.exit_code == 2 and result.stdout == "" and "node tre-b" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
