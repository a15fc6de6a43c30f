"""Federated analysis: split, gather (partial results visible), pool with its own screening, per-node validation
and verification, and a DUR entry of the federation's published node."""

from __future__ import annotations

import json
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import jsonschema
import pytest

from fivesafes_crate import (
    Agent,
    AgentKind,
    CrateStateError,
    Node,
    NodeOutcome,
    OutputExistsError,
    Severity,
    Stage,
    TrustError,
    UsageError,
    create_key_pair,
    export_dur,
    federate_gather,
    federate_pool,
    federate_split,
    load_signer,
    load_trust_store,
    package,
    receive_federation,
    sign,
    validate,
    validate_all,
    verify_federation,
)
from fivesafes_crate.federation.nodes import membership
from fivesafes_crate.federation.pool import Table, differencing, pool_tables
from fivesafes_crate.interop.dur import payload_schema
from fivesafes_crate.issues import ScreeningOutcome
from fivesafes_crate.model.crate import load_crate
from fivesafes_crate.model.source import open_source

from ..phases.conftest import assert_golden
from ._nodes import EXAMPLE_REQUEST, FEDERATED_ID, NODES, run_node, split_request

GOLDEN = Path(__file__).resolve().parent / "golden"
GATHERED = datetime(2024, 3, 8, 9, 0, tzinfo=UTC)
POOLED = datetime(2024, 3, 8, 10, 0, tzinfo=UTC)
RESEARCHER = Agent("https://orcid.org/0000-0002-1825-0097", "Josiah Carberry", AgentKind.PERSON)
TRE_C = Node("tre-c", "https://tre-c.example.org/")
APPROVED = "2024-03-04T09:12:00"  # the sign-off of run_node's fixed clock, UTC without zone


def federation(folder: Path) -> Path:
    """tre-a approves, tre-b rejects at disclosure, tre-c never returns: the gathered summary."""
    a, b = split_request(folder)
    run_node(a, NODES[0], approve=True)
    run_node(b, NODES[1], approve=False)
    return federate_gather([a, b], folder / "summary", expected=[*NODES, TRE_C], clock=lambda: GATHERED).path


def files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# --- split -----------------------------------------------------------------------------------------------------


def test_split_writes_one_valid_packed_request_per_tre_sharing_one_identifier(tmp_path: Path) -> None:
    written = split_request(tmp_path)
    assert written == [tmp_path / "split" / "tre-a.bagit.zip", tmp_path / "split" / "tre-b.bagit.zip"]
    for path, node in zip(written, NODES, strict=True):
        report = validate(path, threshold=Severity.MAY)
        assert report.valid and report.phase is Stage.REQUEST, report.issues
        with open_source(path) as source:
            assert source.is_bag and membership(load_crate(source)) is not None
            found = membership(load_crate(source))
        assert found is not None and found.federated_id == FEDERATED_ID and found.node == node
    assert zipfile.is_zipfile(written[0])


def test_split_is_deterministic_and_never_replaces(tmp_path: Path) -> None:
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    first, second = split_request(tmp_path / "one"), split_request(tmp_path / "two")
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]
    assert first[0].read_bytes() != first[1].read_bytes()
    with pytest.raises(OutputExistsError):
        split_request(tmp_path / "one")


def test_split_refuses_what_cannot_be_split(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="at least one"):
        federate_split(EXAMPLE_REQUEST, [], tmp_path / "out")
    with pytest.raises(UsageError, match="given twice"):
        federate_split(EXAMPLE_REQUEST, ["a=https://a.example/", "a=https://b.example/"], tmp_path / "out")
    with pytest.raises(UsageError, match="ID=URL"):
        federate_split(EXAMPLE_REQUEST, ["tre-a"], tmp_path / "out")
    with pytest.raises(UsageError, match="lower-case"):
        federate_split(EXAMPLE_REQUEST, ["../x=https://a.example/"], tmp_path / "out")
    with pytest.raises(UsageError, match="http"):
        federate_split(EXAMPLE_REQUEST, ["a=file:///etc"], tmp_path / "out")
    examples = EXAMPLE_REQUEST.parent
    with pytest.raises(CrateStateError, match="only a request is split"):
        federate_split(examples / "published", ["a=https://a.example/"], tmp_path / "out")
    split = split_request(tmp_path)
    with pytest.raises(CrateStateError, match="split for a federation already"):
        federate_split(split[0], ["a=https://a.example/"], tmp_path / "again")
    assert not (tmp_path / "out").exists() and not (tmp_path / "again").exists()


# --- gather ----------------------------------------------------------------------------------------------------


def test_gather_nests_every_node_untouched_and_records_each_outcome(tmp_path: Path) -> None:
    a, b = split_request(tmp_path)
    run_node(a, NODES[0], approve=True)
    run_node(b, NODES[1], approve=False)
    summary = federate_gather([a, b], tmp_path / "summary", expected=[*NODES, TRE_C], clock=lambda: GATHERED)
    assert [(n.node.id, n.outcome) for n in summary.nodes] == [
        ("tre-a", NodeOutcome.COMPLETED), ("tre-b", NodeOutcome.WITHHELD), ("tre-c", NodeOutcome.NEVER_RETURNED)]
    with zipfile.ZipFile(a) as bag:
        top = bag.namelist()[0].split("/")[0]
        for info in bag.infolist():
            if not info.is_dir():
                nested = summary.path / "nodes" / "tre-a" / info.filename.removeprefix(f"{top}/")
                assert nested.read_bytes() == bag.read(info), info.filename
    document = json.loads((summary.path / "ro-crate-metadata.json").read_text(encoding="utf-8"))
    graph = {e["@id"]: e for e in document["@graph"]}
    nested_crate = graph["nodes/tre-a/data/"]
    assert nested_crate["@type"] == "Dataset" and nested_crate["conformsTo"] == {"@id": "https://w3id.org/ro/crate"}
    assert nested_crate["publisher"] == {"@id": "https://tre-a.example.org/"} and "datePublished" in nested_crate
    assert graph["#node-tre-a"]["actionStatus"] == "http://schema.org/CompletedActionStatus"
    assert graph["#node-tre-b"]["actionStatus"] == "http://schema.org/FailedActionStatus"
    assert "rejected" in graph["#node-tre-b"]["error"]
    assert graph["#node-tre-c"]["actionStatus"] == "http://schema.org/ActiveActionStatus"
    assert "result" not in graph["#node-tre-c"]
    assert len(graph["nodes/tre-a/tagmanifest-sha512.txt"]["sha256"]) == 64
    assert document["@graph"][1]["identifier"] == FEDERATED_ID
    assert "https://w3id.org/ro/crate" not in json.dumps(document["@graph"][1].get("conformsTo"))
    assert_golden("summary-metadata.json", (summary.path / "ro-crate-metadata.json").read_bytes(), GOLDEN)


def test_the_summary_is_valid_at_should_and_each_node_is_validated_with_its_own_profile(tmp_path: Path) -> None:
    summary = federation(tmp_path)
    assert validate(summary, threshold=Severity.SHOULD).valid
    reports = validate_all([summary], threshold=Severity.SHOULD)
    assert list(reports) == [str(summary), str(summary / "nodes" / "tre-a"), str(summary / "nodes" / "tre-b")]
    assert reports[str(summary / "nodes" / "tre-a")].phase is Stage.PUBLISHED
    assert reports[str(summary / "nodes" / "tre-b")].phase is Stage.DISCLOSURE_CHECKED
    assert reports.valid
    assert validate_all([summary], threshold=Severity.SHOULD, jobs=2) == reports


def test_a_broken_nested_crate_is_reported_under_its_node(tmp_path: Path) -> None:
    summary = federation(tmp_path)
    metadata = summary / "nodes" / "tre-a" / "data" / "ro-crate-metadata.json"
    metadata.write_text(metadata.read_text(encoding="utf-8").replace('"@type": "CreateAction"', '"type": "X"'),
                        encoding="utf-8")
    reports = validate_all([summary])
    assert reports[str(summary)].valid and not reports[str(summary / "nodes" / "tre-a")].valid
    assert not reports.valid


def test_gather_refuses_mixed_federations_duplicates_and_unsplit_bags(tmp_path: Path) -> None:
    a, _ = split_request(tmp_path)
    with pytest.raises(UsageError, match="two results of node tre-a"):
        federate_gather([a, a], tmp_path / "s1")
    other = federate_split(EXAMPLE_REQUEST, ["tre-b=https://tre-b.example.org/"], tmp_path / "other")[0]
    with pytest.raises(CrateStateError, match="different federated analyses"):
        federate_gather([a, other], tmp_path / "s2")
    plain = tmp_path / "plain.bagit.zip"
    package(EXAMPLE_REQUEST, plain)
    with pytest.raises(CrateStateError, match="not part of a federated analysis"):
        federate_gather([plain], tmp_path / "s3")
    with pytest.raises(UsageError, match="at least one"):
        federate_gather([], tmp_path / "s4")
    assert not any((tmp_path / f"s{i}").exists() for i in range(1, 5))


def test_the_request_part_comes_from_a_node_that_kept_its_run(tmp_path: Path) -> None:
    a, b = split_request(tmp_path)
    run_node(a, NODES[0], approve=True)
    run_node(b, NODES[1], approve=False)  # its run was removed with the rejection
    summary = federate_gather([b, a], tmp_path / "summary", clock=lambda: GATHERED).path
    assert [n.node.id for n in federate_gather([b, a], tmp_path / "again").nodes] == ["tre-b", "tre-a"]
    assert validate(summary, threshold=Severity.SHOULD).valid
    assert (summary / "cohort.json").read_bytes() == (EXAMPLE_REQUEST / "cohort.json").read_bytes()


def test_pool_reads_only_the_nested_crates_gather_wrote(tmp_path: Path) -> None:
    summary = federation(tmp_path)
    metadata = summary / "ro-crate-metadata.json"
    document = json.loads(metadata.read_text(encoding="utf-8"))
    for entity in document["@graph"]:
        if entity["@id"] == "#node-tre-a":
            entity["result"] = {"@id": "../"}
    metadata.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(CrateStateError, match="no completed node"):
        federate_pool(summary, agent=RESEARCHER)


def test_an_unfinished_node_counts_as_failed(tmp_path: Path) -> None:
    a, _ = split_request(tmp_path)
    summary = federate_gather([a], tmp_path / "summary", expected=NODES)
    assert [(n.node.id, n.outcome) for n in summary.nodes] == [
        ("tre-a", NodeOutcome.FAILED), ("tre-b", NodeOutcome.NEVER_RETURNED)]
    assert "unpublished" in (summary.nodes[0].reason or "")


# --- verification ------------------------------------------------------------------------------------------------


def test_verify_checks_every_nested_node_against_the_trust_store(tmp_path: Path) -> None:
    a, b = split_request(tmp_path)
    run_node(a, NODES[0], approve=True)
    run_node(b, NODES[1], approve=False)
    keys = {node.id: create_key_pair(tmp_path / f"{node.id}.pem", passphrase="pw") for node in NODES}
    for bag, node in ((a, NODES[0]), (b, NODES[1])):
        sign(bag, load_signer(tmp_path / f"{node.id}.pem", "pw"), role="tre:publish", principal=node.url)
    trust = tmp_path / "trust.toml"
    trust.write_text("".join(f'[[key]]\npublic_key_file = "{keys[n.id].public.name}"\nprincipal = "{n.url}"\n'
                             'roles = ["tre:publish"]\n\n' for n in NODES), encoding="utf-8")
    summary = federate_gather([a, b], tmp_path / "summary").path
    found = verify_federation(summary, load_trust_store(trust))
    assert list(found) == ["tre-a", "tre-b"] and all(v.valid for v in found.values())
    manifest = summary / "nodes" / "tre-b" / "tagmanifest-sha512.txt"
    manifest.write_bytes(manifest.read_bytes() + b"\n")
    with pytest.raises(TrustError, match="tre-b"):
        verify_federation(summary, load_trust_store(trust))
    with pytest.raises(UsageError, match="not a federated summary"):
        verify_federation(EXAMPLE_REQUEST, load_trust_store(trust))
    with pytest.raises(TrustError, match="tre-b"):
        receive_federation(summary, trust=load_trust_store(trust))


def test_receive_checks_every_nested_node(tmp_path: Path) -> None:
    summary = federation(tmp_path)
    receipts = receive_federation(summary)
    assert list(receipts) == ["tre-a", "tre-b"]
    assert receipts["tre-a"].accepted and receipts["tre-a"].timeline.stage is Stage.PUBLISHED
    assert not receipts["tre-b"].accepted and receipts["tre-b"].reasons


# --- pooling -----------------------------------------------------------------------------------------------------


def test_pool_sums_completed_nodes_and_screens_the_pooled_output(tmp_path: Path) -> None:
    nodes = (*NODES, TRE_C)
    bags = split_request(tmp_path, nodes)
    for bag, node in zip(bags, nodes, strict=True):
        run_node(bag, node, approve=True)
    summary = federate_gather(bags, tmp_path / "summary", clock=lambda: GATHERED).path
    pooled = federate_pool(summary, agent=RESEARCHER, clock=lambda: POOLED)
    assert [(p.name, p.nodes) for p in pooled] == [("pooled/counts.csv", ("tre-a", "tre-b", "tre-c"))]
    assert (summary / "pooled" / "counts.csv").read_bytes() == b"age_band,sex,count\n40-49,F,222\n50-59,M,396\n"
    assert pooled[0].differencing == () and pooled[0].outcome is ScreeningOutcome.PASS
    assert validate(summary, threshold=Severity.SHOULD).valid
    document = json.loads((summary / "ro-crate-metadata.json").read_text(encoding="utf-8"))
    graph = {e["@id"]: e for e in document["@graph"]}
    assert graph["#pool-counts"]["result"] == {"@id": "pooled/counts.csv"}
    assert [o["@id"] for o in graph["#pool-counts"]["object"]] == [
        f"nodes/{n.id}/data/outputs/counts.csv" for n in nodes]
    assert [r["@id"] for r in graph["pooled/counts.csv"]["review"]] == [
        "#pool-screening-counts", "#pool-differencing-counts"]
    with pytest.raises(CrateStateError, match="pooled already"):
        federate_pool(summary, agent=RESEARCHER)


def test_the_differencing_check_fails_a_pool_that_reveals_a_small_node_cell(tmp_path: Path) -> None:
    a, b = split_request(tmp_path)
    run_node(a, NODES[0], approve=True)
    run_node(b, NODES[1], approve=True, table=b"age_band,sex,count\n40-49,F,5\n50-59,M,111\n")
    summary = federate_gather([a, b], tmp_path / "summary", clock=lambda: GATHERED).path
    pooled = federate_pool(summary, agent=RESEARCHER, clock=lambda: POOLED)[0]
    # the pool's 125 less tre-a's 120 gives away tre-b's 5, which tre-b's own screening would have failed
    assert [(f.node, f.row, f.column) for f in pooled.differencing] == [("tre-a", "40-49 / F", "count")]
    assert pooled.screening is ScreeningOutcome.PASS and pooled.outcome is ScreeningOutcome.FAIL
    graph = {e["@id"]: e for e in json.loads((summary / "ro-crate-metadata.json").read_text("utf-8"))["@graph"]}
    review = graph["#pool-differencing-counts"]
    assert review["additionalType"] == {"@id": "https://w3id.org/fivesafes-crate/terms#ScreeningFail"}
    assert "tre-a: 40-49 / F / count" in review["reviewBody"] and "5" not in review["reviewBody"]
    assert_golden("summary-pooled-metadata.json", (summary / "ro-crate-metadata.json").read_bytes(), GOLDEN)


def test_differencing_flags_a_node_cell_within_the_threshold_of_the_total() -> None:
    tables = [("a", Table(["band", "n"], [["x", "100"], ["y", "50"]])),
              ("b", Table(["band", "n"], [["x", "3"], ["y", "40"]]))]
    pooled, summed, by_node = pool_tables(tables)
    assert pooled.rows == [["x", "103"], ["y", "90"]] and summed == [1]
    found = differencing(pooled, summed, by_node, threshold=10)
    assert [(f.node, f.row, f.column) for f in found] == [("a", "x", "n")]  # 103 - 100 = 3 < 10 reveals b's 3
    assert differencing(pooled, summed, by_node, threshold=3) == []


def test_tables_with_other_columns_are_not_pooled() -> None:
    with pytest.raises(UsageError, match="other columns"):
        pool_tables([("a", Table(["band", "n"], [])), ("b", Table(["band", "count"], []))])


def test_pool_refuses_a_summary_with_nothing_to_pool(tmp_path: Path) -> None:
    _, b = split_request(tmp_path)
    run_node(b, NODES[1], approve=False)
    summary = federate_gather([b], tmp_path / "summary").path
    before = files(summary)
    with pytest.raises(CrateStateError, match="no completed node"):
        federate_pool(summary, agent=RESEARCHER)
    assert files(summary) == before


# --- the Data Use Register ---------------------------------------------------------------------------------------


def test_the_published_node_exports_a_dur_entry_and_the_withheld_one_is_refused(tmp_path: Path) -> None:
    summary = federation(tmp_path)
    payload = export_dur([summary / "nodes" / "tre-a"])
    jsonschema.Draft202012Validator(payload_schema()).validate(payload)
    assert payload["latest_approval_date"] == APPROVED and payload["non_gateway_outputs"] == []
    assert_golden("dur-federated.json", json.dumps(payload, indent=2).encode() + b"\n", GOLDEN)
    with pytest.raises(CrateStateError, match="rejected"):
        export_dur([summary / "nodes" / "tre-b"])
    assert export_dur([summary]) == payload  # a summary stands for its completed nodes


def test_a_summary_without_a_completed_node_exports_nothing(tmp_path: Path) -> None:
    _, b = split_request(tmp_path)
    run_node(b, NODES[1], approve=False)
    summary = federate_gather([b], tmp_path / "summary").path
    with pytest.raises(CrateStateError, match="no node of this federated summary completed"):
        export_dur([summary])

